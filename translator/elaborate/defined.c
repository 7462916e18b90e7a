/*
 * @defined folding in pass 2: @defined(e) becomes 1 or 0 (targets.c
 * decides), and a condition, ternary or && / || it governs keeps only
 * what can run, so that the branch for a missing target variable is
 * never resolved.
 */
#include "resolver.h"

/*
 * @defined(e->a) becomes the number 1 or 0 (targets.c decides).  An
 * operand without target variables is resolved as usual: it is defined
 * if it resolves.
 */
void fold_defined(struct resolver *r, struct expr *e)
{
	int k = target_defined(r->s, r->prog, r->body, e->a);
	if (k < 0) {
		resolve_expr(r, e->a);
		k = 1;
	}
	e->kind = E_NUM;
	e->num = k;
}

/* The value of a condition that is @defined(...) or !@defined(...),
 * folded; -1 for any other condition (left unresolved). */
int defined_condition(struct resolver *r, struct expr *cond)
{
	bool negated = cond->kind == E_UNARY && cond->op[0] == '!';
	struct expr *d = negated ? cond->a : cond;
	if (d->kind != E_DEFINED)
		return -1;
	fold_defined(r, d);
	if (negated) {
		*cond = *d;
		cond->num = !cond->num;
	}
	return (int)cond->num;
}

/* `@defined(x) ? a : b`: only the branch that can run is resolved, and
 * replaces the whole expression. */
bool fold_defined_ternary(struct resolver *r, struct expr *e)
{
	int k = defined_condition(r, e->a);
	if (k < 0)
		return false;
	*e = *(k ? e->b : e->c);
	resolve_expr(r, e);
	return true;
}

/* `@defined(x) && a` / `@defined(x) || a`: a is dropped when it cannot
 * be evaluated. */
bool fold_defined_logical(struct resolver *r, struct expr *e)
{
	int k = defined_condition(r, e->a);
	if (k < 0)
		return false;
	if ((e->op[0] == '&') == (k != 0)) {
		resolve_expr(r, e->b);	/* the result is b's truth */
		return true;
	}
	e->kind = E_NUM;	/* false && a, true || a */
	e->num = k;
	return true;
}
