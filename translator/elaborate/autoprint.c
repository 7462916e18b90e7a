/*
 * Globals that a script writes but never reads are printed when it
 * ends, as upstream does: each gets an `end` probe of its own, built
 * here as the AST upstream's own listing (-p2 -v) shows, and resolved
 * like any probe after the program's types are known.
 *
 *   n=5                          a long
 *   s="text"                     a string
 *   st @count=2 @min=1 ...       a statistic ("@count=0x0" when empty)
 *   a[1,"k"]=7                   an array, by value descending
 *   h[1] @count=2 @min=1 ...     an array of statistics, by count
 */
#include <string.h>
#include "elaborate.h"

static struct expr *str_lit(struct srcloc loc, const char *text)
{
	struct expr *e = expr_new(E_STR, loc);
	e->str = xstrdup(text);
	e->len = strlen(text);
	return e;
}

static struct expr *var(struct srcloc loc, const char *name)
{
	struct expr *e = expr_new(E_VAR, loc);
	e->name = xstrdup(name);
	return e;
}

/* printf(fmt, args...) as a statement; args holds struct expr *. */
static struct stmt *printf_stmt(struct srcloc loc, struct strbuf *fmt,
				struct vec *args)
{
	struct expr *call = expr_new(E_CALL, loc);
	call->name = xstrdup("printf");
	vec_push(&call->args, str_lit(loc, fmt->buf ? fmt->buf : ""));
	for (size_t i = 0; i < args->len; i++)
		vec_push(&call->args, vec_at(args, i));
	struct stmt *st = stmt_new(S_EXPR, loc);
	st->e = call;
	return st;
}

/* The value of a long or string: %d, or "%#s" quoted. */
static void value_conv(struct strbuf *fmt, enum type t, bool alt)
{
	sb_puts(fmt, t == TYPE_STRING ? "\"%#s\"" : alt ? "%#d" : "%d");
}

/* " @count=%#d @min=%#d ..." and the extractor calls on operand x. */
static void stat_fields(struct strbuf *fmt, struct vec *args,
			const struct expr *x)
{
	static const char *const ops[] = { "count", "min", "max", "sum", "avg" };
	for (size_t i = 0; i < 5; i++) {
		sb_printf(fmt, " @%s=%%#d", ops[i]);
		struct expr *op = expr_new(E_STAT_OP, x->loc);
		op->name = xstrdup(ops[i]);
		op->a = (struct expr *)x;
		vec_push(args, op);
	}
}

/* a[k1, k2]: the element of the loop's keys. */
static struct expr *element(const struct sym *g, struct srcloc loc)
{
	struct expr *e = expr_new(E_INDEX, loc);
	e->base = var(loc, g->name);
	for (int i = 0; i < g->nkeys; i++) {
		char name[16];
		snprintf(name, sizeof(name), "__idx%d", i);
		vec_push(&e->args, var(loc, name));
	}
	return e;
}

static struct stmt *print_array(const struct sym *g, struct srcloc loc)
{
	struct foreach *fe = xcalloc(1, sizeof(*fe));
	struct strbuf fmt = {0};
	struct vec args = {0};

	sb_printf(&fmt, "%s[", g->name);
	for (int i = 0; i < g->nkeys; i++) {
		char name[16];
		snprintf(name, sizeof(name), "__idx%d", i);
		vec_push(&fe->keys, var(loc, name));
		vec_push(&args, var(loc, name));
		if (i)
			sb_putc(&fmt, ',');
		value_conv(&fmt, g->key_types[i], true);
	}
	sb_putc(&fmt, ']');
	if (g->type == TYPE_STATS) {
		stat_fields(&fmt, &args, element(g, loc));
	} else {
		fe->value = var(loc, "__val");
		vec_push(&args, var(loc, "__val"));
		sb_putc(&fmt, '=');
		value_conv(&fmt, g->type, false);
	}
	sb_puts(&fmt, "\n");
	fe->array = var(loc, g->name);
	fe->sort_key = -1;	/* by value (a statistic's: @count) */
	fe->sort_dir = -1;
	struct stmt *st = stmt_new(S_FOREACH, loc);
	st->fe = fe;
	st->body = printf_stmt(loc, &fmt, &args);
	sb_free(&fmt);
	vec_free(&args);
	return st;
}

static struct stmt *print_stat(const struct sym *g, struct srcloc loc)
{
	struct strbuf fmt = {0};
	struct vec args = {0};

	struct expr *count = expr_new(E_STAT_OP, loc);
	count->name = xstrdup("count");
	count->a = var(loc, g->name);
	struct expr *empty = expr_new(E_COMPARE, loc);
	empty->op = "==";
	empty->a = count;
	empty->b = expr_new(E_NUM, loc);
	struct stmt *st = stmt_new(S_IF, loc);
	st->e = empty;
	sb_printf(&fmt, "%s @count=0x0\n", g->name);
	st->then = printf_stmt(loc, &fmt, &args);
	fmt.len = 0;
	sb_puts(&fmt, g->name);
	stat_fields(&fmt, &args, var(loc, g->name));
	sb_puts(&fmt, "\n");
	st->els = printf_stmt(loc, &fmt, &args);
	sb_free(&fmt);
	vec_free(&args);
	return st;
}

static struct stmt *print_scalar(const struct sym *g, struct srcloc loc)
{
	struct strbuf fmt = {0};
	struct vec args = {0};
	sb_printf(&fmt, "%s=", g->name);
	value_conv(&fmt, g->type, false);
	sb_puts(&fmt, "\n");
	vec_push(&args, var(loc, g->name));
	struct stmt *st = printf_stmt(loc, &fmt, &args);
	sb_free(&fmt);
	vec_free(&args);
	return st;
}

bool autoprinted(const struct sym *g)
{
	return g->kind == SYM_GLOBAL && g->written && !g->read;
}

struct probe *autoprint_probe(const struct sym *g)
{
	struct srcloc loc = g->decl;
	struct pp_comp *end = xcalloc(1, sizeof(*end));
	end->loc = loc;
	end->name = xstrdup("end");
	struct probe_point *pp = xcalloc(1, sizeof(*pp));
	pp->loc = loc;
	vec_push(&pp->comps, end);
	struct probe *p = xcalloc(1, sizeof(*p));
	p->loc = loc;
	vec_push(&p->points, pp);
	p->body = stmt_new(S_BLOCK, loc);
	vec_push(&p->body->stmts, g->nkeys > 0 ? print_array(g, loc)
			       : g->type == TYPE_STATS ? print_stat(g, loc)
						       : print_scalar(g, loc));
	return p;
}
