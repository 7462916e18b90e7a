/*
 * Statements to C.  After each statement its error check jumps to the
 * handler's `out:` label on any error, which releases the global locks.
 *
 * Statements are charged to the hit's MAXACTION budget as upstream
 * charges them: the emitter counts them as it writes them (one per
 * statement, a loop statement itself included, one per loop iteration,
 * none per block) and writes the charge, `stap_actions(c, N, loc)`, only
 * where control flow needs it: before an if's condition and a loop, at
 * the end of a branch, of a loop body and of the handler, at break,
 * continue, next and return, and after ten statements in a row.  So a
 * statement's output appears before a charge that fails, and a loop is
 * charged every iteration: no script loops forever.
 */
#include <stdlib.h>
#include <string.h>
#include "emit.h"

static void indent(struct emitter *em, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', em->out);
}

static const char *stmt_what(const struct stmt *st)
{
	switch (st->kind) {
	case S_IF: case S_WHILE: case S_FOR: case S_NEXT: case S_BREAK:
	case S_CONTINUE: case S_RETURN: case S_DELETE: case S_FOREACH:
	case S_TRY:
		return "keyword";
	case S_BLOCK:
		return "operator '{'";
	default:
		return "statement";
	}
}

/*
 * Counts n statements (at st) and, when `charge` or ten are pending,
 * writes their charge against the budget; the failing charge names st.
 */
static void emit_count(struct emitter *em, const struct stmt *st, int n,
		       bool charge, int d)
{
	em->actions += n;
	if (em->actions == 0 || (!charge && em->actions < 10))
		return;
	indent(em, d);
	fprintf(em->out, "if (unlikely(!stap_actions(c, %d, ", em->actions);
	emit_loc(em->out, stmt_what(st), st->loc);
	fputs("))) goto out;\n", em->out);
	em->actions = 0;
}

static void emit_error_check(struct emitter *em, int d)
{
	indent(em, d);
	fputs("if (unlikely(c->last_error)) goto out;\n", em->out);
}

/* cond_ = e, then the error check. */
static void emit_cond(struct emitter *em, const struct expr *e, int d)
{
	indent(em, d);
	fputs("cond_ = (", em->out);
	emit_expr(em, e);
	fputs(");\n", em->out);
	emit_error_check(em, d);
}

static void emit_body(struct emitter *em, const struct stmt *st, int d);

/* A branch of if/else: braced, since one script statement becomes
 * several C statements, and charged at its end. */
static void emit_braced(struct emitter *em, const struct stmt *st, int d)
{
	indent(em, d);
	fputs("{\n", em->out);
	emit_body(em, st, d + 1);
	emit_count(em, st, 0, true, d + 1);
	indent(em, d);
	fputs("}\n", em->out);
}

static void emit_loop(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;
	char *cont = xasprintf("cont%d_", em->labels++);

	if (st->init)
		emit_body(em, st->init, d);
	emit_count(em, st, 1, true, d);	/* the loop statement itself */
	indent(em, d);
	fputs("for (;;) {\n", out);
	if (st->e) {
		emit_cond(em, st->e, d + 1);
		indent(em, d + 1);
		fputs("if (!cond_)\n", out);
		indent(em, d + 2);
		fputs("break;\n", out);
	}
	emit_count(em, st, 1, false, d + 1);	/* an iteration that runs */
	vec_push(&em->loop_continue, cont);
	emit_body(em, st->body, d + 1);
	em->loop_continue.len--;
	emit_count(em, st->body ? st->body : st, 0, true, d + 1);
	indent(em, d);
	fprintf(out, "%s:\n", cont);
	if (st->step && st->step->kind == S_EXPR) {
		/* upstream counts the step once, when its code is written,
		 * and charges it with whatever comes after the loop */
		indent(em, d + 1);
		fputs("(void)(", out);
		emit_expr(em, st->step->e);
		fputs(");\n", out);
		emit_error_check(em, d + 1);
	} else if (st->step) {
		emit_body(em, st->step, d + 1);
	} else {
		indent(em, d + 1);
		fputs(";\n", out);
	}
	indent(em, d);
	fputs("}\n", out);
	if (st->step && st->step->kind == S_EXPR)
		em->actions++;
	free(cont);
}

/* var = value (C text of the variable's type), as a statement. */
static void emit_set_var(struct emitter *em, const struct sym *var,
			 const char *value, int d)
{
	indent(em, d);
	if (var->type == TYPE_STRING) {
		fputs("stap_strcpy(", em->out);
		emit_var(em, var);
		fprintf(em->out, ", %s);\n", value);
	} else {
		emit_var(em, var);
		fprintf(em->out, " = %s;\n", value);
	}
}

static int sort_column(const struct foreach *fe)
{
	static const char *const aggs[][2] = {
		{"count", "STAP_SORT_COUNT"}, {"sum", "STAP_SORT_SUM"},
		{"min", "STAP_SORT_MIN"}, {"max", "STAP_SORT_MAX"},
		{"avg", "STAP_SORT_AVG"},
	};
	if (fe->sort_agg)
		for (int i = 0; i < 5; i++)
			if (!strcmp(fe->sort_agg, aggs[i][0]))
				return -2 - i;
	return fe->sort_key > 0 ? fe->sort_key : fe->sort_key < 0 ? -1 : 0;
}

/*
 * foreach over an array: a snapshot iterator in the handler's locals
 * (one per foreach statement), sorted and limited by the runtime; the
 * keys and value are copied into their variables each iteration.  An
 * array of statistics is aggregated first and the aggregate iterated.
 */
/* A foreach loop's body at depth d + 2, `continue` going to label
 * cont, and the loop's closing brace. */
static void emit_loop_body(struct emitter *em, const struct stmt *st,
			   char *cont, int d)
{
	FILE *out = em->out;
	vec_push(&em->loop_continue, cont);
	emit_body(em, st->body, d + 2);
	em->loop_continue.len--;
	emit_count(em, st->body ? st->body : st, 0, true, d + 2);
	indent(em, d + 1);
	fprintf(out, "%s:\n", cont);
	indent(em, d + 2);
	fputs(";\n", out);
	indent(em, d + 1);
	fputs("}\n", out);
}

/*
 * foreach ([b] in @hist_log(s) limit n): b over every bucket number in
 * order, empty ones included (as @hist_log(s)[b] reads them), the value
 * being the bucket's count.  As upstream, an empty statistic has every
 * bucket too, each counting 0 (and so has a missing element of an array
 * of statistics, where upstream's module would read through NULL).
 */
static void emit_hist_foreach(struct emitter *em, const struct stmt *st,
			      int d)
{
	FILE *out = em->out;
	const struct foreach *fe = st->fe;
	char *cont = xasprintf("cont%d_", em->labels++);

	indent(em, d);
	fputs("{\n", out);
	indent(em, d + 1);
	emit_hist_source(em, fe->array);
	indent(em, d + 1);
	fputs("s64 b_, lim_ = ", out);
	if (fe->limit)
		emit_expr(em, fe->limit);
	else
		fputs("STAP_MAP_NOLIMIT", out);
	fputs(";\n", out);
	emit_error_check(em, d + 1);
	indent(em, d + 1);
	fputs("for (b_ = 0; b_ < hs_->nbuckets && b_ < lim_; b_++) {\n",
	      out);
	emit_count(em, st, 1, false, d + 2);	/* the iteration */
	emit_set_var(em, ((struct expr *)vec_at(&fe->keys, 0))->sym, "b_",
		     d + 2);
	if (fe->value)
		emit_set_var(em, fe->value->sym, "hd_ ? hd_->hist[b_] : 0",
			     d + 2);
	emit_loop_body(em, st, cont, d);
	indent(em, d);
	fputs("}\n", out);
	free(cont);
}

static void emit_foreach(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;
	const struct foreach *fe = st->fe;
	struct sym *a = fe->array->sym;
	int it = em->iters++, site = a->sites_emitted++;
	char *cont = xasprintf("cont%d_", em->labels++);
	char *loc = xasprintf("identifier '%s'", a->name);

	indent(em, d);
	fputs("{\n", out);
	indent(em, d + 1);
	if (agg_kind(a) == AGG_PMAP) {
		fprintf(out, "struct stap_map *fm_ = stap_pmap_aggregate(c, "
			"&stap_pmap_%s, ", a->name);
		emit_loc(out, loc, fe->array->loc);
		fputs(");\n", out);
		emit_error_check(em, d + 1);
	} else {
		fprintf(out, "struct stap_map *fm_ = &stap_map_%s;\n", a->name);
	}
	indent(em, d + 1);
	if (fe->limit) {
		fputs("s64 lim_ = (", out);
		emit_expr(em, fe->limit);
		fputs(");\n", out);
		emit_error_check(em, d + 1);
	} else {
		fputs("s64 lim_ = STAP_MAP_NOLIMIT;\n", out);
	}
	indent(em, d + 1);
	if (fe->array->kind == E_INDEX) {	/* a slice, evaluated once */
		fputs("const union stap_key *sk_ = ", out);
		emit_keys(em, a, &fe->array->args);
		fputs(";\n", out);
		emit_error_check(em, d + 1);
		indent(em, d + 1);
		fprintf(out, "stap_map_foreach_slice(c, fm_, &l->it[%d], %d, %d, "
			"%d, lim_, sk_, %#xu, ", it, site, sort_column(fe),
			fe->sort_dir ? fe->sort_dir : 1,
			key_mask(&fe->array->args));
	} else {
		fprintf(out, "stap_map_foreach_start(c, fm_, &l->it[%d], %d, "
			"%d, %d, lim_, ", it, site, sort_column(fe),
			fe->sort_dir ? fe->sort_dir : 1);
	}
	emit_loc(out, loc, fe->array->loc);
	fputs(");\n", out);
	emit_error_check(em, d + 1);
	indent(em, d + 1);
	fprintf(out, "while (stap_map_foreach_next(c, &l->it[%d], ", it);
	emit_loc(out, loc, fe->array->loc);
	fputs(")) {\n", out);
	emit_count(em, st, 1, false, d + 2);	/* the iteration */
	for (size_t i = 0; i < fe->keys.len; i++) {
		const struct expr *k = vec_at(&fe->keys, i);
		char *v = xasprintf("stap_map_iter_key_%s(&l->it[%d], %zu)",
				    k->sym->type == TYPE_STRING ? "str" : "long",
				    it, i + 1);
		emit_set_var(em, k->sym, v, d + 2);
		free(v);
	}
	if (fe->value) {
		const struct sym *vs = fe->value->sym;
		char *v = xasprintf("stap_map_iter_%s(&l->it[%d])",
				    vs->type == TYPE_STRING ? "str" : "long", it);
		emit_set_var(em, vs, v, d + 2);
		free(v);
	}
	emit_loop_body(em, st, cont, d);
	emit_error_check(em, d + 1);
	indent(em, d);
	fputs("}\n", out);
	free(cont);
	free(loc);
}

/*
 * try { body } catch (msg) { handler }.  Errors jump to `out`; inside
 * the body a GNU local label `out` shadows the handler's, so they land
 * here instead, where the message is taken and the error cleared.
 * `next` and `return` jump to `leave_`, which no try shadows.
 */
static void emit_try(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;
	int n = em->labels++;

	indent(em, d);
	fputs("{\n", out);
	indent(em, d + 1);
	fputs("__label__ out;\n", out);
	emit_body(em, st->body, d + 1);
	emit_count(em, st->body ? st->body : st, 0, true, d + 1);
	indent(em, d + 1);
	fprintf(out, "goto tryend%d_;\n", n);
	indent(em, d);
	fputs("out: __attribute__((unused));\n", out);
	indent(em, d + 1);
	fputs(";\n", out);
	indent(em, d);
	fputs("}\n", out);
	indent(em, d);	/* abort() passes through */
	fputs("if (unlikely(c->last_error == stap_abort_mark)) goto out;\n",
	      out);
	if (st->catch_var) {
		indent(em, d);
		fputs("stap_strcpy(", out);
		emit_var(em, st->catch_var->sym);
		fputs(", c->last_error);\n", out);
	}
	indent(em, d);
	fputs("c->last_error = NULL;\n", out);
	indent(em, d);
	fputs("c->last_loc = NULL;\n", out);
	em->actions = 0;	/* the body's were charged or lost to the error */
	emit_count(em, st, 1, true, d);	/* upstream counts try here */
	emit_body(em, st->handler, d);
	emit_count(em, st->handler ? st->handler : st, 0, true, d);
	indent(em, d);
	fprintf(out, "tryend%d_:\n", n);
	indent(em, d + 1);
	fputs(";\n", out);
}

static void emit_body(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;

	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		indent(em, d);
		fputs("{\n", out);
		for (size_t i = 0; i < st->stmts.len; i++)
			emit_body(em, vec_at(&st->stmts, i), d + 1);
		indent(em, d);
		fputs("}\n", out);
		return;
	case S_NULL:
		return;
	case S_EXPR:
		indent(em, d);
		fputs("(void)(", out);
		emit_expr(em, st->e);
		fputs(");\n", out);
		emit_error_check(em, d);
		emit_count(em, st, 1, false, d);
		return;
	case S_IF:
		emit_count(em, st, 1, true, d);
		emit_cond(em, st->e, d);
		indent(em, d);
		fputs("if (cond_)\n", out);
		emit_braced(em, st->then, d);
		if (st->els) {
			indent(em, d);
			fputs("else\n", out);
			emit_braced(em, st->els, d);
		}
		return;
	case S_WHILE:
	case S_FOR:
		emit_loop(em, st, d);
		return;
	case S_FOREACH:
		emit_count(em, st, 1, true, d);
		if (st->fe->array->kind == E_HIST)
			emit_hist_foreach(em, st, d);
		else
			emit_foreach(em, st, d);
		return;
	case S_DELETE:
		indent(em, d);
		emit_delete(em, st->e);
		emit_count(em, st, 1, false, d);
		return;
	case S_RETURN:
		if (st->e) {
			indent(em, d);
			if (em->body->ret == TYPE_STRING) {
				fputs("stap_strcpy(l->retval, ", out);
				emit_expr(em, st->e);
				fputs(");\n", out);
			} else {
				fputs("l->retval = (", out);
				emit_expr(em, st->e);
				fputs(");\n", out);
			}
		}
		emit_count(em, st, 1, true, d);
		indent(em, d);
		fputs("goto leave_;\n", out);
		return;
	case S_NEXT:	/* not an error: no catch */
		emit_count(em, st, 1, true, d);
		indent(em, d);
		fputs(em->body->fn ? "c->next_overload = true; goto leave_;\n"
				   : "goto leave_;\n", out);
		return;
	case S_TRY:
		emit_try(em, st, d);
		return;
	case S_EMBEDDED:	/* guru mode's %{ code %} */
		indent(em, d);
		fputs("{", out);
		emit_embedded_names(out, em->body, false);
		fprintf(out, "%s\n", st->code);
		emit_embedded_names(out, em->body, true);
		indent(em, d);
		fputs("}\n", out);
		emit_count(em, st, 1, false, d);
		return;
	case S_BREAK:
		emit_count(em, st, 1, true, d);
		indent(em, d);
		fputs("break;\n", out);
		return;
	case S_CONTINUE:
		emit_count(em, st, 1, true, d);
		indent(em, d);
		fprintf(out, "goto %s;\n", (char *)vec_at(&em->loop_continue,
				em->loop_continue.len - 1));
		return;
	default:		/* pass 2 rejected the rest */
		return;
	}
}

/* A handler's or function's body, charged at its end. */
void emit_stmt(struct emitter *em, const struct stmt *st)
{
	em->actions = 0;
	emit_body(em, st, 1);
	if (st)
		emit_count(em, st, 0, true, 1);
}
