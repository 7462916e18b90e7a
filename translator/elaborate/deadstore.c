/*
 * Elision of dead stores, as upstream does: in a probe body, an
 * assignment `x = e` of a tapset (an alias's prologue: the script's
 * own statements stay as written) to a local that nothing reads is
 * dropped when e
 * has no effect but its value: arithmetic, strings, target variables,
 * embedded-C functions marked pure, the sprint* builtins, and script
 * functions made only of those that write no global.  Repeated until
 * none is left: dropping `argstr = sprintf("%d", fd)` leaves fd unread.
 *
 * An alias's prologue sets every variable it offers (a syscall.* alias
 * sets a dozen, some read from user memory and formatted): a script
 * that reads none of them pays for none.  Runs after type inference,
 * so the dropped locals keep their types (stap -L lists them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elaborate.h"
#include "builtins.h"

static bool expr_pure(const struct expr *e, struct hash *memo,
		      const struct pbody *fn);

/* Script function b: no effect but its value. */
static bool stmt_pure(const struct stmt *st, struct hash *memo,
		      const struct pbody *fn)
{
	if (!st)
		return true;
	switch (st->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++)
			if (!stmt_pure(vec_at(&st->stmts, i), memo, fn))
				return false;
		return true;
	case S_NULL:
	case S_BREAK:
	case S_CONTINUE:
		return true;
	case S_EXPR:
	case S_RETURN:
		return expr_pure(st->e, memo, fn);
	case S_IF:
		return expr_pure(st->e, memo, fn) &&
		       stmt_pure(st->then, memo, fn) &&
		       stmt_pure(st->els, memo, fn);
	case S_WHILE:
	case S_FOR:
		return stmt_pure(st->init, memo, fn) &&
		       expr_pure(st->e, memo, fn) &&
		       stmt_pure(st->step, memo, fn) &&
		       stmt_pure(st->body, memo, fn);
	default:		/* foreach, delete, next, try, embedded C */
		return false;
	}
}

/* Whether script function b has no effect but its value. */
static bool function_pure(const struct pbody *b, struct hash *memo)
{
	char key[32];
	void *v;

	if (!b->fn || b->fn->embedded || b->next_overload ||
	    b->globals_written.len)
		return false;
	snprintf(key, sizeof(key), "%p", (const void *)b);
	v = hash_get(memo, key);
	if (v)
		return v == (void *)1;
	char *k = xstrdup(key);
	hash_put(memo, k, (void *)2);	/* recursion: not pure */
	bool pure = stmt_pure(b->stmts, memo, b);
	hash_put(memo, k, pure ? (void *)1 : (void *)2);
	return pure;
}

static bool args_pure(const struct vec *args, struct hash *memo,
		      const struct pbody *fn)
{
	for (size_t i = 0; i < args->len; i++)
		if (!expr_pure(vec_at(args, i), memo, fn))
			return false;
	return true;
}

static bool comps_pure(const struct vec *comps, struct hash *memo,
		       const struct pbody *fn)
{
	for (size_t i = 0; i < comps->len; i++) {
		const struct comp *c = vec_at(comps, i);
		if (c->index && !expr_pure(c->index, memo, fn))
			return false;
	}
	return true;
}

/* e has no effect but its value; fn: the script function it is in
 * (whose locals it may assign), or NULL for a probe body. */
static bool expr_pure(const struct expr *e, struct hash *memo,
		      const struct pbody *fn)
{
	if (!e)
		return true;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_VAR:
	case E_WILDCARD:
		return true;
	case E_INCDEC:
	case E_ASSIGN:	/* only a function's own locals */
		return fn && e->a->kind == E_VAR && e->a->sym &&
		       e->a->sym->kind == SYM_LOCAL &&
		       expr_pure(e->b, memo, fn);
	case E_UNARY:
	case E_BINARY:
	case E_LOGICAL:
	case E_COMPARE:
	case E_REGEX:
	case E_CONCAT:
	case E_TERNARY:
	case E_ADDROF:
		return expr_pure(e->a, memo, fn) && expr_pure(e->b, memo, fn) &&
		       expr_pure(e->c, memo, fn);
	case E_INDEX:
	case E_IN:
		return e->base->kind == E_VAR && args_pure(&e->args, memo, fn);
	case E_TARGET:
	case E_CAST:
	case E_ATVAR:
	case E_AUTOCAST:
		return expr_pure(e->a, memo, fn) &&
		       comps_pure(&e->comps, memo, fn);
	case E_ENTRY:	/* its operand runs at the entry: dropped with it
			 * (prune_dead_entries) when it is pure */
		return expr_pure(e->a, memo, fn);
	case E_CALL:
		if (!args_pure(&e->args, memo, fn))
			return false;
		if (e->callee)
			return e->callee->fn->embedded ?
			       !e->callee->next_overload &&
			       (e->callee->fn->pragmas & PRAGMA_PURE) :
			       function_pure(e->callee, memo);
		/* the sprint* twins of the print family */
		return e->builtin && e->builtin->printer != e->builtin->id &&
		       e->builtin->ret == TYPE_STRING;
	default:
		return false;
	}
}

/* ---- counting reads and dropping stores ------------------------------ */

static void count_read(const struct sym *s, struct hash *reads)
{
	char key[32];

	if (!s || s->kind != SYM_LOCAL)
		return;
	snprintf(key, sizeof(key), "%p", (const void *)s);
	if (!hash_get(reads, key))
		hash_put(reads, xstrdup(key), (void *)1);
}

/* Every local e reads (reads: a struct hash *); the target of a plain
 * `=` is not read.  A catch variable counts, simply: it is kept. */
static void count_expr(const struct expr *e, void *reads)
{
	if (!e)
		return;
	if (e->kind == E_VAR)
		count_read(e->sym, reads);
	if (e->kind == E_ASSIGN && strcmp(e->op, "=") == 0 &&
	    e->a->kind == E_VAR) {
		count_expr(e->b, reads);
		return;
	}
	expr_each_child(e, count_expr, reads);
}

/* Drops the dead stores under st that are not the script's (src);
 * whether it dropped any. */
static bool drop_stmt(struct stmt *st, struct hash *reads, struct hash *memo,
		      const void *src)
{
	bool any = false;
	char key[32];

	if (!st)
		return false;
	if (st->kind == S_EXPR && st->loc.src != src &&
	    st->e->kind == E_ASSIGN &&
	    strcmp(st->e->op, "=") == 0 && st->e->a->kind == E_VAR &&
	    st->e->a->sym && st->e->a->sym->kind == SYM_LOCAL) {
		snprintf(key, sizeof(key), "%p", (const void *)st->e->a->sym);
		if (!hash_get(reads, key) && expr_pure(st->e->b, memo, NULL)) {
			st->kind = S_NULL;
			return true;
		}
	}
	any |= drop_stmt(st->body, reads, memo, src);
	any |= drop_stmt(st->then, reads, memo, src);
	any |= drop_stmt(st->els, reads, memo, src);
	any |= drop_stmt(st->handler, reads, memo, src);
	for (size_t i = 0; i < st->stmts.len; i++)
		any |= drop_stmt(vec_at(&st->stmts, i), reads, memo, src);
	return any;
}

static void free_keys(struct hash *h)
{
	for (size_t i = 0; i < h->cap; i++)
		free((char *)h->keys[i]);
	hash_free(h);
}

void elide_dead_stores(struct program *prog, const struct file *user)
{
	struct hash memo = {0};

	for (size_t i = 0; i < prog->bodies.len; i++) {
		struct pbody *b = vec_at(&prog->bodies, i);
		bool again = b->probe != NULL;

		while (again) {
			struct hash reads = {0};
			stmt_each_expr(b->stmts, count_expr, &reads);
			again = drop_stmt(b->stmts, &reads, &memo, user->src);
			free_keys(&reads);
		}
	}
	free_keys(&memo);
}
