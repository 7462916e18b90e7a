/*
 * Elision of expression statements that have no effect, as upstream
 * does: `1 + 2;`, `x;`, or a call of an embedded-C function marked
 * pure whose value is dropped.  An expression has an effect if it
 * assigns, counts (<<<), calls a script function, a builtin or an
 * embedded-C function not marked pure, or contains such a part.
 */
#include "elaborate.h"

static bool args_free(const struct vec *args)
{
	for (size_t i = 0; i < args->len; i++)
		if (!side_effect_free(vec_at(args, i)))
			return false;
	return true;
}

bool side_effect_free(const struct expr *e)
{
	if (!e)
		return true;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_VAR:
	case E_WILDCARD:
		return true;
	case E_UNARY:
	case E_BINARY:
	case E_LOGICAL:
	case E_COMPARE:
	case E_CONCAT:
	case E_TERNARY:
		return side_effect_free(e->a) && side_effect_free(e->b) &&
		       side_effect_free(e->c);
	case E_INDEX:
	case E_IN:
		return args_free(&e->args) && (e->base->kind != E_HIST ||
					       side_effect_free(e->base));
	case E_STAT_OP:
	case E_HIST:
		return side_effect_free(e->a) && args_free(&e->args);
	case E_CALL:
		return e->callee && e->callee->fn->embedded &&
		       !e->callee->next_overload &&
		       (e->callee->fn->pragmas & PRAGMA_PURE) &&
		       args_free(&e->args);
	default:
		return false;
	}
}
