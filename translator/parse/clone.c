/*
 * Deep copies of AST nodes: an alias expansion's copy of the user's
 * and the alias's statements, a probe condition for each point a
 * wildcard or a brace expansion makes.  Pass 2 annotates nodes with the
 * symbols of the body they are in, so a copy starts unannotated (sym
 * and callee cleared).
 */
#include "ast.h"
#include "util/util.h"

static void clone_exprs(struct vec *dst, const struct vec *src)
{
	struct vec v = {0};
	for (size_t i = 0; i < src->len; i++)
		vec_push(&v, expr_clone(vec_at(src, i)));
	*dst = v;
}

struct expr *expr_clone(const struct expr *e)
{
	if (!e)
		return NULL;
	struct expr *c = xmalloc(sizeof(*c));
	*c = *e;
	c->a = expr_clone(e->a);
	c->b = expr_clone(e->b);
	c->c = expr_clone(e->c);
	c->base = expr_clone(e->base);
	clone_exprs(&c->args, &e->args);
	struct vec comps = {0};
	for (size_t i = 0; i < e->comps.len; i++) {
		const struct comp *src = vec_at(&e->comps, i);
		struct comp *cp = xmalloc(sizeof(*cp));
		*cp = *src;
		cp->index = expr_clone(src->index);
		vec_push(&comps, cp);
	}
	c->comps = comps;
	c->sym = NULL;
	c->callee = NULL;
	return c;
}

struct stmt *stmt_clone(const struct stmt *st)
{
	if (!st)
		return NULL;
	struct stmt *c = xmalloc(sizeof(*c));
	*c = *st;
	c->e = expr_clone(st->e);
	c->body = stmt_clone(st->body);
	c->then = stmt_clone(st->then);
	c->els = stmt_clone(st->els);
	c->init = stmt_clone(st->init);
	c->step = stmt_clone(st->step);
	c->handler = stmt_clone(st->handler);
	c->catch_var = expr_clone(st->catch_var);
	if (st->fe) {
		c->fe = xmalloc(sizeof(*c->fe));
		*c->fe = *st->fe;
		clone_exprs(&c->fe->keys, &st->fe->keys);
		c->fe->value = expr_clone(st->fe->value);
		c->fe->array = expr_clone(st->fe->array);
		c->fe->limit = expr_clone(st->fe->limit);
	}
	struct vec stmts = {0};
	for (size_t i = 0; i < st->stmts.len; i++)
		vec_push(&stmts, stmt_clone(vec_at(&st->stmts, i)));
	c->stmts = stmts;
	return c;
}
