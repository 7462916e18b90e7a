/*
 * Pass 2's walk over a body's statements and expressions: every name
 * becomes a symbol (scope.c), every call a function or builtin
 * (calls.c), @defined folds away (defined.c), and what passes 3 and 4
 * cannot translate yet is rejected at its location.
 *
 * The walk is one function per node class: resolve_stmt(), resolve_expr().
 */
#include <stdlib.h>
#include <string.h>
#include "probes/probes.h"
#include "resolver.h"
#include "session.h"
#include "util/regex.h"

void unsupported(struct srcloc loc, const char *what)
{
	diag_error(loc, "not supported yet: %s", what);
}

/* A global used with n indexes (0: as a scalar): the arity all its
 * uses share (scope.c), and what its declaration rules out. */
static void note_use(struct sym *s, int n, struct srcloc loc)
{
	const struct global *g = s->kind == SYM_GLOBAL ? s->global : NULL;
	if (g && n == 0 && g->wrap)
		diag_error(loc, "'%s' is declared with '%%' (wrap around when "
			   "full), which applies to arrays, but is used as a "
			   "scalar here", s->name);
	if (g && n > 0 && g->init)
		diag_error(loc, "'%s' has an initializer (line %d), so it is "
			   "a scalar: it cannot be indexed", s->name,
			   g->loc.line);
	note_arity(s, n, loc);
}

/* base[args] on a global array: the element's value, or with slice
 * a pattern in which '*' matches any index (delete, foreach). */
static void resolve_index(struct resolver *r, struct expr *e, bool lock,
			  bool slice)
{
	resolve_args(r, e);
	if (e->base->kind == E_HIST) {	/* a histogram bucket */
		resolve_expr(r, e->base);
		if (e->args.len != 1)
			diag_error(e->loc, "a histogram bucket takes one index");
		return;
	}
	if (e->args.len > 9) {
		diag_error(e->loc, "arrays take at most 9 indexes");
		return;
	}
	for (size_t i = 0; i < e->args.len && !slice; i++)
		if (((struct expr *)vec_at(&e->args, i))->kind == E_WILDCARD)
			diag_error(e->loc, "wildcard not allowed in array index");
	e->sym = resolve_aggregate(r, e->base, lock);
	if (e->sym)
		note_use(e->sym, (int)e->args.len, e->loc);
}

/* The operand of <<<, @count(...), @hist_log(...): a statistic. */
static void resolve_stat_operand(struct resolver *r, struct expr *e, bool lock)
{
	if (e->kind == E_INDEX) {
		resolve_index(r, e, lock, false);
		return;
	}
	struct sym *s = resolve_aggregate(r, e, lock);
	if (s)
		note_use(s, 0, e->loc);
}

void resolve_args(struct resolver *r, struct expr *e)
{
	for (size_t i = 0; i < e->args.len; i++)
		resolve_expr(r, vec_at(&e->args, i));
}

/* Marks a symbol as read (autoprint.c prints globals never read). */
static void note_read(struct sym *s)
{
	if (s)
		s->read = true;
}

/* Marks the symbol an assignment writes, checking it is assignable. */
static void resolve_lvalue(struct resolver *r, struct expr *lv)
{
	if (lv->kind == E_VAR) {	/* not a read of it */
		lv->sym = lookup_var(r, lv->name, lv->loc);
		if (lv->sym->kind == SYM_GLOBAL)
			note_use(lv->sym, 0, lv->loc);
	} else if (lv->kind == E_INDEX && lv->base->kind != E_HIST) {
		resolve_index(r, lv, true, false);
	} else {
		resolve_expr(r, lv);
	}
	if (lv->kind == E_INDEX && lv->base->kind == E_HIST) {
		diag_error(lv->loc, "cannot assign to a histogram bucket");
		return;
	}
	if (lv->kind != E_VAR && lv->kind != E_INDEX) {
		diag_error(lv->loc, "cannot assign to this expression");
		return;
	}
	if (lv->sym)
		lv->sym->written = true;
	note_exclusive(r, lv->sym);
}

/* ++ and -- write their operand, a variable, element or target. */
static void resolve_incdec(struct resolver *r, struct expr *e)
{
	if (e->a->kind == E_TARGET)
		resolve_target(r->prog, r->body, e->a, 0, e->op, r->s->guru);
	else
		resolve_lvalue(r, e->a);
}

/* NULL, read where the script declares no variable of that name, is
 * the number 0, as upstream's library global NULL = 0 is: e becomes that
 * literal, keeping its name for types.c's messages. */
static bool null_constant(struct resolver *r, struct expr *e)
{
	if (strcmp(e->name, "NULL") != 0 || hash_get(&r->locals, e->name) ||
	    hash_get(&r->globals, e->name))
		return false;
	e->kind = E_NUM;
	e->num = 0;
	return true;
}

/* `s =~ "re"`: the pattern, a string literal, compiles now, so that a
 * bad one is a pass-2 error naming what is wrong. */
static void resolve_regex(struct expr *e)
{
	char *err;

	if (e->regex)
		return;
	e->regex = re_compile(e->b->str, e->b->len, &err);
	if (!e->regex) {
		diag_error(e->b->loc, "invalid regular expression \"%.*s\": %s",
			   (int)e->b->len, e->b->str, err);
		free(err);
	}
}

/* The index expressions of a target path ($p->a[i], @cast(...)[i]):
 * their names are symbols like any others. */
static void resolve_comp_indexes(struct resolver *r, struct expr *e)
{
	for (size_t i = 0; i < e->comps.len; i++) {
		struct comp *c = vec_at(&e->comps, i);
		if (c->kind == COMP_INDEX_EXPR)
			resolve_expr(r, c->index);
	}
}

void resolve_expr(struct resolver *r, struct expr *e)
{
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_WILDCARD:	/* an index '*': its array access checks it */
		return;
	case E_VAR:
		if (null_constant(r, e))
			return;
		e->sym = lookup_var(r, e->name, e->loc);
		if (e->sym->kind == SYM_GLOBAL)
			note_use(e->sym, 0, e->loc);
		note_read(e->sym);
		return;
	case E_CALL:
		resolve_call(r, e);
		return;
	case E_INCDEC:	/* its value is used: a read too, as upstream */
		resolve_incdec(r, e);
		if (e->a->kind != E_TARGET)
			note_read(e->a->sym);
		return;
	case E_ASSIGN:
		if (e->a->kind == E_ATVAR)
			resolve_atvar(r, e->a, !strcmp(e->op, "=") ? TARGET_SET
					       : 0);
		else if (e->a->kind == E_TARGET)
			resolve_target(r->prog, r->body, e->a,
				       !strcmp(e->op, "=") ? TARGET_SET :
				       !strcmp(e->op, ".=") ? TARGET_APPEND : 0,
				       e->op, r->s->guru);
		else
			resolve_lvalue(r, e->a);
		resolve_expr(r, e->b);
		return;
	case E_UNARY:
		resolve_expr(r, e->a);
		return;
	case E_LOGICAL:
		if (fold_defined_logical(r, e))
			return;
		/* fall through */
	case E_BINARY:
	case E_COMPARE:
	case E_CONCAT:
		resolve_expr(r, e->a);
		resolve_expr(r, e->b);
		return;
	case E_TERNARY:
		if (fold_defined_ternary(r, e))
			return;
		resolve_expr(r, e->a);
		resolve_expr(r, e->b);
		resolve_expr(r, e->c);
		return;
	case E_INDEX:
		resolve_index(r, e, true, false);
		note_read(e->sym);
		return;
	case E_IN:
		resolve_args(r, e);	/* '*' allowed: any match */
		e->sym = resolve_aggregate(r, e->base, true);
		if (e->sym)
			note_use(e->sym, (int)e->args.len, e->loc);
		return;
	case E_STAT_ADD:
		resolve_stat_operand(r, e->a, false);
		if (e->a->sym)
			e->a->sym->written = true;
		resolve_expr(r, e->b);
		return;
	case E_STAT_OP:
		resolve_stat_operand(r, e->a, true);
		note_exclusive(r, e->a->sym);
		note_read(e->a->sym);
		if (e->b && e->b->kind != E_NUM)
			diag_error(e->b->loc, "the bit shift of @variance must "
				   "be a number literal");
		return;
	case E_HIST:
		resolve_stat_operand(r, e->a, true);
		note_exclusive(r, e->a->sym);
		note_read(e->a->sym);
		for (size_t i = 0; i < e->args.len; i++)
			if (((struct expr *)vec_at(&e->args, i))->kind != E_NUM)
				diag_error(e->loc, "@hist_linear's start, stop "
					   "and interval must be number literals");
		return;
	case E_TARGET:
		e->at_entry |= r->in_entry;
		if (entry_implicit(r, e))
			return;
		resolve_comp_indexes(r, e);
		if (target_pretty(r, e))
			resolve_expr(r, e);	/* now a sprintf of reads */
		else
			resolve_target(r->prog, r->body, e, TARGET_READ, NULL,
				       r->s->guru);
		return;
	case E_DEFINED:
		fold_defined(r, e);
		return;
	case E_CAST:
		resolve_comp_indexes(r, e);
		resolve_expr(r, e->a);
		resolve_cast(r->s, e);
		return;
	case E_ATVAR:
		resolve_atvar(r, e, TARGET_READ);
		return;
	case E_ENTRY:
		resolve_entry(r, e);
		return;
	case E_PERF: unsupported(e->loc, "@perf"); return;
	case E_ADDROF:
		resolve_comp_indexes(r, e->a);
		target_addrof(r, e);
		return;
	case E_REGEX:
		resolve_expr(r, e->a);
		resolve_regex(e);
		return;
	case E_EMBEDDED:	/* guru mode (or a tapset): emit/expr.c */
		if (e->loc.src == r->user->src)
			script_embedded_allowed(r->s, e->loc,
						"expression in a script", true);
		return;
	default: unsupported(e->loc, "this expression"); return;
	}
}

static void resolve_stmt(struct resolver *r, struct stmt *st);

/* A foreach's keys and value (locals it sets), limit, and body. */
static void resolve_foreach_rest(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	for (size_t i = 0; i < fe->keys.len; i++) {
		struct expr *k = vec_at(&fe->keys, i);
		resolve_expr(r, k);
		if (k->sym)
			k->sym->written = true;
		note_exclusive(r, k->sym);
	}
	if (fe->value) {
		resolve_expr(r, fe->value);
		if (fe->value->sym)
			fe->value->sym->written = true;
		note_exclusive(r, fe->value->sym);
	}
	if (fe->limit)
		resolve_expr(r, fe->limit);
	r->loop_depth++;
	resolve_stmt(r, st->body);
	r->loop_depth--;
}

/* foreach ([b] in @hist_log(s) limit n): b runs over the bucket
 * numbers, the value is the bucket's count. */
static void resolve_hist_foreach(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	resolve_expr(r, fe->array);
	if (fe->keys.len != 1)
		diag_error(fe->array->loc, "foreach over a histogram takes "
			   "one index, the bucket number");
	if (fe->sort_dir || fe->sort_agg)
		diag_error(st->loc, "foreach over a histogram cannot sort: "
			   "it runs over the buckets in order");
	resolve_foreach_rest(r, st);
}

/* foreach ([k...] in a [sort] limit n) body: the keys and value are
 * locals; each foreach over an array gets its own snapshot site. */
static void resolve_foreach(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	if (fe->array->kind == E_HIST) {
		resolve_hist_foreach(r, st);
		return;
	}
	struct sym *a;
	if (fe->array->kind == E_INDEX) {	/* a slice: a[k, *] */
		if (fe->array->base->kind == E_HIST) {
			diag_error(fe->array->loc, "expected an array or an "
				   "array slice after 'in'");
			return;
		}
		resolve_index(r, fe->array, true, true);
		a = fe->array->sym;
	} else {
		a = resolve_aggregate(r, fe->array, true);
	}
	if (!a)
		return;
	note_use(a, (int)fe->keys.len, fe->array->loc);
	fe->array->sym = a;
	note_exclusive(r, a);
	note_read(a);
	a->foreach_sites++;
	if (fe->sort_key > (int)fe->keys.len)
		diag_error(st->loc, "sort by index %d, but the array has %zu",
			   fe->sort_key, fe->keys.len);
	resolve_foreach_rest(r, st);
}

static void resolve_stmt(struct resolver *r, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++) {
			struct stmt *sub = vec_at(&st->stmts, i);
			resolve_stmt(r, sub);
			if (sub->kind == S_EXPR && side_effect_free(sub->e)) {
				if (sub->loc.src == r->user->src)
					diag_warn(sub->e->loc, "eliding "
						  "side-effect-free expression");
				memmove(&st->stmts.items[i], &st->stmts.items[i + 1],
					(st->stmts.len - i - 1) * sizeof(void *));
				st->stmts.len--;
				i--;
			}
		}
		return;
	case S_NULL:
	case S_NEXT:
		return;
	case S_EXPR:	/* "n++;" only writes n (autoprint.c prints it) */
		if (st->e->kind == E_INCDEC)
			resolve_incdec(r, st->e);
		else
			resolve_expr(r, st->e);
		return;
	case S_IF: {
		int k = defined_condition(r, st->e);
		if (k < 0) {
			resolve_expr(r, st->e);
			resolve_stmt(r, st->then);
			resolve_stmt(r, st->els);
		} else if (k ? st->then : st->els) {
			*st = *(k ? st->then : st->els);
			resolve_stmt(r, st);
		} else {
			st->kind = S_NULL;
		}
		return;
	}
	case S_WHILE:
	case S_FOR:
		resolve_stmt(r, st->init);
		if (st->e)
			resolve_expr(r, st->e);
		resolve_stmt(r, st->step);
		r->loop_depth++;
		resolve_stmt(r, st->body);
		r->loop_depth--;
		return;
	case S_BREAK:
	case S_CONTINUE:
		if (!r->loop_depth)
			diag_error(st->loc, "'%s' outside a loop",
				   st->kind == S_BREAK ? "break" : "continue");
		return;
	case S_RETURN:
		if (!r->body->fn)
			diag_error(st->loc, "'return' outside a function");
		else if (st->e)
			resolve_expr(r, st->e);
		return;
	case S_FOREACH:
		resolve_foreach(r, st);
		return;
	case S_DELETE:
		if (st->e->kind == E_INDEX) {
			resolve_index(r, st->e, true, true);
			if (st->e->sym)
				st->e->sym->written = true;
			note_exclusive(r, st->e->sym);
			note_read(st->e->sym);	/* upstream: no autoprint */
		} else if (st->e->kind == E_VAR) {
			struct sym *g = resolve_aggregate(r, st->e, true);
			if (g)
				g->written = true;
			note_exclusive(r, g);
			note_read(g);
		} else {
			diag_error(st->e->loc, "delete takes an array, an "
				   "array element or a statistic");
		}
		return;
	case S_TRY:
		resolve_stmt(r, st->body);
		if (st->catch_var) {
			resolve_expr(r, st->catch_var);
			if (st->catch_var->sym)
				st->catch_var->sym->written = true;
			note_exclusive(r, st->catch_var->sym);
		}
		resolve_stmt(r, st->handler);
		return;
	case S_EMBEDDED:	/* guru mode (or a tapset): emit/stmt.c */
		if (st->loc.src == r->user->src)
			script_embedded_allowed(r->s, st->loc,
						"code in a script", false);
		return;
	}
}

/* Walks one body; a function's parameters are its first locals. */
void resolve_body(struct resolver *r, struct pbody *body)
{
	r->body = body;
	memset(&r->locals, 0, sizeof(r->locals));
	if (body->fn) {
		struct function *fn = body->fn;
		for (size_t i = 0; i < fn->params.len; i++) {
			struct param *p = vec_at(&fn->params, i);
			struct sym *s = sym_new(SYM_LOCAL, p->name, p->loc,
						(int)i);
			s->type = p->type;
			s->written = true;
			vec_push(&body->locals, s);
			hash_put(&r->locals, s->name, s);
		}
		body->nparams = fn->params.len;
	}
	resolve_stmt(r, body->stmts);
	hash_free(&r->locals);
}
