/*
 * Arrays and statistics to C: the runtime objects of array and
 * statistics globals (runtime/map.h, doc/runtime-maps.md), their
 * allocation, and the expressions that use them.  A global is one of
 *
 *   stap_map_NAME    an array of longs or strings
 *   stap_stat_NAME   a scalar statistic
 *   stap_pmap_NAME   an array of statistics
 *
 * Every call that can fail is followed by the error check that ends the
 * statement, as for division.
 */
#include <stdlib.h>
#include <string.h>
#include "emit.h"

enum agg_kind agg_kind(const struct sym *g)
{
	if (g->kind != SYM_GLOBAL)
		return AGG_NONE;
	if (g->nkeys > 0)
		return g->type == TYPE_STATS ? AGG_PMAP : AGG_MAP;
	return g->type == TYPE_STATS ? AGG_STAT : AGG_NONE;
}

static const char *obj_prefix(enum agg_kind k)
{
	return k == AGG_MAP ? "stap_map_" : k == AGG_STAT ? "stap_stat_"
							 : "stap_pmap_";
}

static void emit_stat_desc(FILE *out, const struct sym *g)
{
	static const char *const hist[] = { "STAP_HIST_NONE", "STAP_HIST_LOG",
					    "STAP_HIST_LINEAR" };
	fprintf(out, "static const struct stap_stat_desc stap_sdesc_%s = { "
		".hist = %s, .start = %lldLL, .stop = %lldLL, .interval = "
		"%lldLL, .variance = %s, .bit_shift = %d };\n", g->name,
		hist[g->hist], (long long)g->hist_start,
		(long long)g->hist_stop, (long long)g->hist_interval,
		g->variance ? "true" : "false", g->bit_shift);
}

static void emit_map_desc(FILE *out, const struct sym *g)
{
	char keys[10] = {0};
	for (int i = 0; i < g->nkeys; i++)
		keys[i] = g->key_types[i] == TYPE_STRING ? 's' : 'l';
	char value = g->type == TYPE_STATS ? 'x'
		   : g->type == TYPE_STRING ? 's' : 'l';
	fprintf(out, "static const struct stap_map_desc stap_desc_%s = { "
		".name = \"%s\", .nkeys = %d, .key_types = \"%s\", "
		".value_type = '%c', .max_entries = %lld, .wrap = %s, "
		".foreach_sites = %d%s%s };\n", g->name, g->name, g->nkeys,
		keys, value, (long long)g->global->maxsize,
		g->global->wrap ? "true" : "false", g->foreach_sites,
		value == 'x' ? ", .stat = &stap_sdesc_" : "",
		value == 'x' ? g->name : "");
}

void emit_aggregate_globals(FILE *out, const struct program *prog)
{
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		enum agg_kind k = agg_kind(g);
		if (k == AGG_NONE)
			continue;
		if (g->type == TYPE_STATS)
			emit_stat_desc(out, g);
		if (k != AGG_STAT)
			emit_map_desc(out, g);
		/* "stap_map_" names the type, its functions and the object */
		fprintf(out, "static struct %.*s %s%s;\n",
			(int)strlen(obj_prefix(k)) - 1, obj_prefix(k),
			obj_prefix(k), g->name);
	}
	fputs("\n/* Module init / exit: process context. */\n"
	      "static void stap_globals_free(void)\n{\n", out);
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		enum agg_kind k = agg_kind(g);
		if (k != AGG_NONE)
			fprintf(out, "\t%sfree(&%s%s);\n", obj_prefix(k),
				obj_prefix(k), g->name);
	}
	fputs("}\n\nstatic int stap_globals_alloc(void)\n{\n\tint rc = 0;\n\n",
	      out);
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		enum agg_kind k = agg_kind(g);
		if (k == AGG_NONE)
			continue;
		fprintf(out, "\tif (!rc)\n\t\trc = %salloc(&%s%s, &stap_%s_%s);\n",
			obj_prefix(k), obj_prefix(k), g->name,
			k == AGG_STAT ? "sdesc" : "desc", g->name);
	}
	fputs("\tif (rc)\n\t\tstap_globals_free();\n\treturn rc;\n}\n\n", out);
}

/* &stap_map_a, &stap_stat_s or &stap_pmap_h */
static void emit_obj(struct emitter *em, const struct sym *g)
{
	fprintf(em->out, "&%s%s", obj_prefix(agg_kind(g)), g->name);
}

static void emit_name_loc(struct emitter *em, const char *name,
			  struct srcloc loc)
{
	char *what = xasprintf("identifier '%s'", name);
	emit_loc(em->out, what, loc);
	free(what);
}

/* Keys as the runtime takes them; a '*' of a slice is a placeholder
 * (0 or "") that key_mask() leaves out. */
void emit_keys(struct emitter *em, const struct sym *g, const struct vec *args)
{
	FILE *out = em->out;
	fputs("(const union stap_key[]){ ", out);
	for (size_t i = 0; i < args->len; i++) {
		const struct expr *k = vec_at(args, i);
		bool str = g->key_types[i] == TYPE_STRING;
		fprintf(out, "{ .%c = ", str ? 's' : 'l');
		if (k->kind == E_WILDCARD)
			fputs(str ? "\"\"" : "0", out);
		else
			emit_expr(em, k);
		fputs(" }, ", out);
	}
	fputc('}', out);
}

unsigned key_mask(const struct vec *args)
{
	unsigned mask = 0;
	for (size_t i = 0; i < args->len; i++)
		if (((const struct expr *)vec_at(args, i))->kind != E_WILDCARD)
			mask |= 1u << i;
	return mask;
}

static bool is_slice(const struct vec *args)
{
	return key_mask(args) != (1u << args->len) - 1;
}

static const char *check = " if (unlikely(c->last_error)) goto out; ";

/* The merged data of a statistic operand: a scalar or an element. */
static void emit_stat_data(struct emitter *em, const struct expr *x)
{
	if (x->kind == E_INDEX) {
		fputs("stap_pmap_get(", em->out);
		emit_obj(em, x->sym);
		fputs(", ", em->out);
		emit_keys(em, x->sym, &x->args);
		fputc(')', em->out);
	} else {
		fputs("stap_stat_get(", em->out);
		emit_obj(em, x->sym);
		fputc(')', em->out);
	}
}

static void emit_shape(struct emitter *em, const struct expr *x)
{
	if (x->kind == E_INDEX) {
		fputs("stap_pmap_shape(", em->out);
		emit_obj(em, x->sym);
		fputc(')', em->out);
	} else {
		fputs("&", em->out);
		fprintf(em->out, "stap_stat_%s.shape", x->sym->name);
	}
}

/* For foreach over histogram h: the shape hs_ and merged data hd_. */
void emit_hist_source(struct emitter *em, const struct expr *h)
{
	fputs("const struct stap_stat_shape *hs_ = ", em->out);
	emit_shape(em, h->a);
	fputs("; const struct stap_stat_data *hd_ = ", em->out);
	emit_stat_data(em, h->a);
	fputs(";\n", em->out);
}

void emit_index_read(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	if (e->base->kind == E_HIST) {	/* @hist_log(s)[i] */
		const struct expr *x = e->base->a;
		fputs("({ s64 b_ = stap_hist_bucket(c, ", out);
		emit_shape(em, x);
		fputs(", ", out);
		emit_stat_data(em, x);
		fputs(", ", out);
		emit_expr(em, vec_at(&e->args, 0));
		fputs(", ", out);
		emit_name_loc(em, e->base->name, e->loc);
		fprintf(out, ");%sb_; })", check);
		return;
	}
	if (e->sym->type == TYPE_STRING) {
		fputs("stap_map_get_str(", out);
		emit_obj(em, e->sym);
		fputs(", ", out);
		emit_keys(em, e->sym, &e->args);
		fprintf(out, ", l->tmp[%d])", em->temps++);
		return;
	}
	fputs("stap_map_get_long(", out);
	emit_obj(em, e->sym);
	fputs(", ", out);
	emit_keys(em, e->sym, &e->args);
	fputc(')', out);
}

/* a[k] = v, a[k] op= v, a[k] .= v: the keys are evaluated once. */
void emit_index_assign(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	const struct expr *lv = e->a;
	const struct sym *g = lv->sym;
	const char *op = e->op;
	int n = em->labels++;

	fprintf(out, "({ const union stap_key *k%d_ = ", n);
	emit_keys(em, g, &lv->args);
	fputs("; ", out);
	if (g->type == TYPE_STRING) {
		int t = em->temps++;
		fprintf(out, "char *v%d_ = l->tmp[%d]; ", n, t);
		if (op[0] == '.') {
			fprintf(out, "stap_map_get_str(&stap_map_%s, k%d_, v%d_); "
				"stap_strcat(v%d_, ", g->name, n, n, n);
		} else {
			fprintf(out, "stap_strcpy(v%d_, ", n);
		}
		emit_expr(em, e->b);
		fprintf(out, "); stap_map_set_str(c, &stap_map_%s, k%d_, v%d_, ",
			g->name, n, n);
		emit_name_loc(em, g->name, lv->loc);
		fprintf(out, ");%sv%d_; })", check, n);
		return;
	}
	fprintf(out, "s64 v%d_; ", n);
	if (!strcmp(op, "=")) {
		fprintf(out, "v%d_ = (", n);
		emit_expr(em, e->b);
		fprintf(out, "); stap_map_set_long(c, &stap_map_%s, k%d_, v%d_, ",
			g->name, n, n);
	} else if (!strcmp(op, "+=") || !strcmp(op, "-=")) {
		fprintf(out, "v%d_ = stap_map_add_long(c, &stap_map_%s, k%d_, %s(",
			n, g->name, n, op[0] == '-' ? "-" : "");
		emit_expr(em, e->b);
		fputs("), ", out);
	} else {
		/* other operators: read, combine, write back */
		char binop[3] = { op[0], op[1] == '=' ? 0 : op[1], 0 };
		char *lhs = xasprintf("v%d_", n);
		fprintf(out, "%s = stap_map_get_long(&stap_map_%s, k%d_); %s = ",
			lhs, g->name, n, lhs);
		emit_arith_text(em, binop, e, lhs, e->b);
		free(lhs);
		fprintf(out, "; stap_map_set_long(c, &stap_map_%s, k%d_, v%d_, ",
			g->name, n, n);
	}
	emit_name_loc(em, g->name, lv->loc);
	fprintf(out, ");%sv%d_; })", check, n);
}

/* ++a[k], a[k]++, --a[k], a[k]-- */
void emit_index_incdec(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	const struct expr *lv = e->a;
	bool dec = e->op[0] == '-';
	fprintf(out, "({ s64 v_ = stap_map_add_long(c, &stap_map_%s, ",
		lv->sym->name);
	emit_keys(em, lv->sym, &lv->args);
	fprintf(out, ", %d, ", dec ? -1 : 1);
	emit_name_loc(em, lv->sym->name, lv->loc);
	fprintf(out, ");%s%s; })", check,
		e->postfix ? (dec ? "v_ + 1" : "v_ - 1") : "v_");
}

/* [k...] in a; with '*' among the keys, whether anything matches. */
void emit_in(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	bool slice = is_slice(&e->args);
	fprintf(out, "((s64)stap_%s_exists%s(",
		agg_kind(e->sym) == AGG_PMAP ? "pmap" : "map",
		slice ? "_slice" : "");
	emit_obj(em, e->sym);
	fputs(", ", out);
	emit_keys(em, e->sym, &e->args);
	if (slice)
		fprintf(out, ", %#xu", key_mask(&e->args));
	fputs("))", out);
}

void emit_stat_add(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	const struct expr *x = e->a;
	if (x->kind == E_INDEX) {
		fputs("({ stap_pmap_add(c, ", out);
		emit_obj(em, x->sym);
		fputs(", ", out);
		emit_keys(em, x->sym, &x->args);
		fputs(", ", out);
		emit_expr(em, e->b);
		fputs(", ", out);
		emit_name_loc(em, x->sym->name, x->loc);
		fprintf(out, ");%s(s64)0; })", check);
		return;
	}
	fputs("({ stap_stat_add(", out);
	emit_obj(em, x->sym);
	fputs(", ", out);
	emit_expr(em, e->b);
	fputs("); (s64)0; })", out);
}

void emit_stat_op(struct emitter *em, const struct expr *e)
{
	static const char *const ops[][2] = {
		{"count", "STAP_STAT_COUNT"}, {"sum", "STAP_STAT_SUM"},
		{"min", "STAP_STAT_MIN"}, {"max", "STAP_STAT_MAX"},
		{"avg", "STAP_STAT_AVG"}, {"variance", "STAP_STAT_VARIANCE"},
	};
	const char *op = "STAP_STAT_COUNT";
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i][0], e->name))
			op = ops[i][1];
	fputs("({ s64 x_ = stap_stat_extract(c, ", em->out);
	emit_stat_data(em, e->a);
	fprintf(em->out, ", %s, ", op);
	char *what = xasprintf("operator '@%s'", e->name);
	emit_loc(em->out, what, e->loc);
	free(what);
	fprintf(em->out, ");%sx_; })", check);
}

void emit_hist_print(struct emitter *em, const char *sb, const struct expr *h)
{
	FILE *out = em->out;
	fprintf(out, "stap_hist_print(c, %s, ", sb);
	emit_shape(em, h->a);
	fputs(", ", out);
	emit_stat_data(em, h->a);
	fputs(", ", out);
	char *what = xasprintf("operator '@%s'", h->name);
	emit_loc(out, what, h->loc);
	free(what);
	fprintf(out, ");%s", check);
}

void emit_delete(struct emitter *em, const struct expr *x)
{
	FILE *out = em->out;
	const struct sym *g = x->sym;
	enum agg_kind k = agg_kind(g);
	if (x->kind == E_INDEX) {	/* with '*': every match */
		bool slice = is_slice(&x->args);
		fprintf(out, "stap_%s_delete%s(", k == AGG_PMAP ? "pmap" : "map",
			slice ? "_slice" : "");
		emit_obj(em, g);
		fputs(", ", out);
		emit_keys(em, g, &x->args);
		if (slice)
			fprintf(out, ", %#xu", key_mask(&x->args));
		fputs(");\n", out);
		return;
	}
	switch (k) {
	case AGG_MAP: fputs("stap_map_clear(", out); break;
	case AGG_PMAP: fputs("stap_pmap_clear(", out); break;
	case AGG_STAT: fputs("stap_stat_clear(", out); break;
	case AGG_NONE:		/* delete of a scalar: reset it */
		if (g->type == TYPE_STRING)
			fprintf(out, "stap_g.v_%s[0] = '\\0';\n", g->name);
		else
			fprintf(out, "stap_g.v_%s = 0;\n", g->name);
		return;
	}
	emit_obj(em, g);
	fputs(");\n", out);
}
