/*
 * The -p2 listing, as upstream prints it: the globals with their types,
 * the functions with their signatures and locals, then every resolved
 * probe point with its origin and its locals.  With -v, the bodies too
 * (in our own layout, not upstream's fully parenthesized one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elaborate.h"
#include "parse/parse.h"
#include "probes/probes.h"

char *probe_point_text(const struct probe_point *pp)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < pp->comps.len; i++) {
		const struct pp_comp *c = vec_at(&pp->comps, i);
		if (i)
			sb_putc(&sb, '.');
		sb_puts(&sb, c->name);
		if (!c->arg)
			continue;
		if (c->arg->kind == E_NUM)
			sb_printf(&sb, "(%lld)", (long long)c->arg->num);
		else
			sb_printf(&sb, "(\"%s\")", c->arg->str);
	}
	return sb_steal(&sb);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

char *probe_listing_name(const struct rprobe *rp)
{
	const struct probe *p = rp->body->probe;

	return p && p->origin ? probe_point_text(p->origin) : xstrdup(rp->text);
}

void print_probe_points(FILE *out, const struct program *prog, bool vars)
{
	size_t n = prog->rprobes.len;
	const char **texts = xmalloc((n ? n : 1) * sizeof(*texts));

	for (size_t i = 0; i < n; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		texts[i] = vars ? target_listing(rp) : probe_listing_name(rp);
	}
	qsort(texts, n, sizeof(*texts), by_text);
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(texts[i], texts[i - 1]) != 0)
			fprintf(out, "%s\n", texts[i]);
	free(texts);
}

static void print_syms(FILE *out, const struct vec *syms, const char *prefix,
		       bool bodies)
{
	for (size_t i = 0; i < syms->len; i++) {
		const struct sym *s = vec_at(syms, i);
		const struct expr *init = s->global ? s->global->init : NULL;
		if (!bodies)	/* upstream shows initializers with -v only */
			init = NULL;
		fprintf(out, "%s%s:%s", prefix, s->name, type_name(s->type));
		for (int k = 0; k < s->nkeys; k++)
			fprintf(out, "%s%s", k ? ", " : " [",
				type_name(s->key_types[k]));
		if (s->nkeys > 0)
			fputc(']', out);
		if (init) {
			fputs(" = ", out);
			print_expr(out, init);
		}
		fputc('\n', out);
	}
}

/* Functions by name, overloads in their order. */
static int by_name(const void *a, const void *b)
{
	const struct pbody *x = *(struct pbody *const *)a;
	const struct pbody *y = *(struct pbody *const *)b;
	int c = strcmp(x->fn->name, y->fn->name);
	return c ? c : x->id - y->id;
}

void print_program(FILE *out, const struct program *prog, bool bodies)
{
	if (prog->globals.len) {
		fputs("# globals\n", out);
		print_syms(out, &prog->globals, "", bodies);
	}
	if (prog->functions.len)
		fputs("# functions\n", out);
	struct vec fns = {0};	/* by name, as upstream lists them */
	for (size_t i = 0; i < prog->functions.len; i++)
		vec_push(&fns, vec_at(&prog->functions, i));
	qsort(fns.items, fns.len, sizeof(void *), by_name);
	for (size_t i = 0; i < fns.len; i++) {
		const struct pbody *b = vec_at(&fns, i);
		/* No declared type and no `return EXPR`: no value, which
		 * upstream lists as unknown. */
		bool none = b->fn->ret == TYPE_UNKNOWN &&
			    (!b->stmts || !returns_value(b->stmts));
		fprintf(out, "%s:%s (", b->fn->name,
			none ? "unknown" : type_name(b->ret));
		for (size_t j = 0; j < b->nparams; j++) {
			const struct sym *p = vec_at(&b->locals, j);
			fprintf(out, "%s%s:%s", j ? ", " : "", p->name,
				type_name(p->type));
		}
		fputs(")\n", out);
		if (b->locals.len > b->nparams) {
			fputs("  # locals\n", out);
			for (size_t j = b->nparams; j < b->locals.len; j++) {
				const struct sym *l = vec_at(&b->locals, j);
				fprintf(out, "  %s:%s\n", l->name,
					type_name(l->type));
			}
		}
		if (!bodies)
			continue;
		if (b->stmts)
			print_stmt(out, b->stmts, 0);
		else
			fprintf(out, "%%{%s%%}\n", b->fn->embedded);
		fputc('\n', out);
	}
	vec_free(&fns);
	fputs("# probes\n", out);
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		fputs(rp->text, out);
		if (rp->pp->optional)
			fputc('?', out);
		if (rp->pp->sufficient)
			fputc('!', out);
		if (rp->pp->cond) {
			fputs(" if (", out);
			print_expr(out, rp->pp->cond);
			fputc(')', out);
		}
		fprintf(out, " /* <- %s */\n", rp->origin);
		if (rp->body->locals.len) {
			fputs("  # locals\n", out);
			print_syms(out, &rp->body->locals, "  ", bodies);
		}
		if (!bodies)
			continue;
		print_stmt(out, rp->body->probe->body, 0);
		fputc('\n', out);
	}
}
