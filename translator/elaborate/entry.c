/*
 * @entry(expr) in .return probes, for pass 2.
 *
 * A .return point's runtime runs a second handler when the probed
 * function is entered: it evaluates every @entry operand of the
 * probe's handler there and saves the values in the hit's entry record
 * (one slot per @entry, a long or a string), which the return handler
 * reads (emit/entry.c writes both).  Here each @entry is checked and
 * given its slot (pbody entries, the E_ENTRY's num), and its operand is
 * resolved with its target variables as at the entry (expr at_entry:
 * the family's entry_target hook, probes.h).
 *
 * As upstream does, a target variable in a .return probe other than
 * $return ($count, $file->f_pos, $$parms) stands for @entry of itself:
 * entry_implicit() rewrites it so.
 *
 * The operand runs before the handler, in a context of its own: it may
 * read target variables, @cast, @var and call functions, but not the
 * handler's locals or the script's globals.
 */
#include <string.h>
#include "probes/probes.h"
#include "resolver.h"
#include "session.h"

/* Rejects what the operand may not use: a variable or array of the
 * script.  False after an error. */
static bool operand_ok(const struct expr *e)
{
	if (!e)
		return true;
	switch (e->kind) {
	case E_VAR:
	case E_INDEX:
	case E_IN:
	case E_STAT_ADD:
	case E_STAT_OP:
	case E_HIST:
	case E_ASSIGN:
	case E_INCDEC:
		diag_error(e->loc, "@entry's operand is evaluated at the "
			   "probed function's entry, before the handler "
			   "runs: it may read target variables and call "
			   "functions, not use the script's variables or "
			   "arrays");
		return false;
	case E_ENTRY:
		diag_error(e->loc, "@entry inside @entry: the operand is "
			   "already read at the function's entry");
		return false;
	default:
		break;
	}
	if (!operand_ok(e->a) || !operand_ok(e->b) || !operand_ok(e->c) ||
	    !operand_ok(e->base))
		return false;
	for (size_t i = 0; i < e->args.len; i++)
		if (!operand_ok(vec_at(&e->args, i)))
			return false;
	return true;
}

/* Whether any resolved point has body b as its handler. */
static bool body_has_points(const struct program *prog,
			    const struct pbody *b)
{
	for (size_t i = 0; i < prog->rprobes.len; i++)
		if (((const struct rprobe *)vec_at(&prog->rprobes, i))->body == b)
			return true;
	return false;
}

void resolve_entry(struct resolver *r, struct expr *e)
{
	struct pbody *b = r->body;
	int errors = diag_errors;

	if (r->in_entry) {
		diag_error(e->loc, "@entry inside @entry: the operand is "
			   "already read at the function's entry");
		return;
	}
	if (b->probe && !body_has_points(r->prog, b)) {
		/* an alias's user (each expansion has a copy of this), or
		 * points that failed and said so: typed, not run */
		r->in_entry = true;
		resolve_expr(r, e->a);
		r->in_entry = false;
		return;
	}
	if (!b->probe || !target_at_return(r->prog, b)) {
		diag_error(e->loc, "@entry is only valid in .return probes "
			   "(of kernel.function, module(...).function, "
			   "kprobe.function, process(...).function, "
			   "process.syscall and the syscall.* aliases)");
		return;
	}
	r->in_entry = true;
	resolve_expr(r, e->a);
	r->in_entry = false;
	if (diag_errors != errors || !operand_ok(e->a))
		return;
	e->num = (int64_t)b->entries.len;
	vec_push(&b->entries, e);
}

bool entry_implicit(struct resolver *r, struct expr *e)
{
	const struct rprobe *rp;
	const struct target_var *tv;

	if (e->at_entry || !strcmp(e->name, "$return") ||
	    !strncmp(e->name, "$$", 2) || !r->body->probe ||
	    !target_at_return(r->prog, r->body))
		return false;
	tv = target_lookup(r->prog, r->body, e->name, false, &rp);
	if (tv && tv->loc.kind != TL_OPTIMIZED_OUT)
		return false;	/* the family has it at the return */
	tv = target_lookup(r->prog, r->body, e->name, true, &rp);
	if (!tv || tv->loc.kind == TL_OPTIMIZED_OUT)
		return false;	/* resolve_target says why */

	struct expr *target = expr_new(E_TARGET, e->loc);
	*target = *e;
	struct expr *entry = expr_new(E_ENTRY, e->loc);
	entry->a = target;
	*e = *entry;
	resolve_entry(r, e);
	return true;
}

/* Adds each E_ENTRY under e to live (a struct vec *); an @entry holds
 * no other. */
static void live_entries(const struct expr *e, void *live)
{
	if (!e)
		return;
	if (e->kind == E_ENTRY) {
		vec_push(live, (void *)e);
		return;
	}
	expr_each_child(e, live_entries, live);
}

void prune_dead_entries(struct program *prog)
{
	for (size_t i = 0; i < prog->bodies.len; i++) {
		struct pbody *b = vec_at(&prog->bodies, i);
		struct vec live = {0};

		if (!b->entries.len)
			continue;
		stmt_each_expr(b->stmts, live_entries, &live);
		for (size_t k = 0; k < live.len; k++)
			((struct expr *)vec_at(&live, k))->num = (int64_t)k;
		vec_free(&b->entries);
		b->entries = live;
	}
}
