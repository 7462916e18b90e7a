/*
 * Walking the AST: every expression of a statement tree (but those of
 * null statements, which pass 2 leaves where it dropped a statement),
 * and every child of an expression, for the passes that look for
 * something in a body (target variable names, reads of locals) without
 * caring how the statements nest.
 */
#include "ast.h"

void expr_each_child(const struct expr *e,
		     void (*fn)(const struct expr *, void *), void *arg)
{
	fn(e->a, arg);
	fn(e->b, arg);
	fn(e->c, arg);
	fn(e->base, arg);
	for (size_t i = 0; i < e->args.len; i++)
		fn(vec_at(&e->args, i), arg);
	for (size_t i = 0; i < e->comps.len; i++)
		fn(((const struct comp *)vec_at(&e->comps, i))->index, arg);
}

void stmt_each_expr(const struct stmt *st,
		    void (*fn)(const struct expr *, void *), void *arg)
{
	if (!st || st->kind == S_NULL)	/* a dropped statement keeps its e */
		return;
	fn(st->e, arg);
	fn(st->catch_var, arg);
	if (st->fe) {
		for (size_t i = 0; i < st->fe->keys.len; i++)
			fn(vec_at(&st->fe->keys, i), arg);
		fn(st->fe->value, arg);
		fn(st->fe->array, arg);
		fn(st->fe->limit, arg);
	}
	stmt_each_expr(st->body, fn, arg);
	stmt_each_expr(st->then, fn, arg);
	stmt_each_expr(st->els, fn, arg);
	stmt_each_expr(st->init, fn, arg);
	stmt_each_expr(st->step, fn, arg);
	stmt_each_expr(st->handler, fn, arg);
	for (size_t i = 0; i < st->stmts.len; i++)
		stmt_each_expr(vec_at(&st->stmts, i), fn, arg);
}
