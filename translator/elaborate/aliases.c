/*
 * Probe aliases.  `probe a.b = p1, p2 { prologue }` makes a use of
 * `a.b` mean probes on p1 and p2 whose body is the prologue followed by
 * the user's body; `+=` puts the alias body after it instead, and
 * `= p { prologue }, { epilogue }` does both.  Each expansion gets its
 * own copy of the user's statements, since pass 2 annotates nodes with
 * the symbols of the body they are in.  An alias `a = p1, p2` used with
 * a suffix, `a.b`, applies the suffix to its points: p1.b, p2.b.
 */
#include <fnmatch.h>
#include <string.h>
#include "aliases.h"

static bool same_arg(const struct expr *a, const struct expr *b)
{
	if (!a || !b)
		return !a && !b;
	if (a->kind != b->kind)
		return false;
	if (a->kind == E_NUM)
		return a->num == b->num;
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

size_t alias_matches(const struct probe_point *name, const struct probe_point *pp,
		     bool suffix)
{
	if (suffix ? name->comps.len >= pp->comps.len
		   : name->comps.len != pp->comps.len)
		return 0;
	for (size_t i = 0; i < name->comps.len; i++) {
		const struct pp_comp *n = vec_at(&name->comps, i);
		const struct pp_comp *p = vec_at(&pp->comps, i);
		/* plain names compare cheaply: syscall.* tries each of
		 * its ~700 points against ~1400 alias names */
		if (strpbrk(p->name, "*?[") ? fnmatch(p->name, n->name, 0) != 0
					   : strcmp(p->name, n->name) != 0)
			return 0;
		if (p->arg && !same_arg(n->arg, p->arg))
			return 0;
	}
	return name->comps.len;
}

static struct stmt *block_of(struct srcloc loc, struct stmt *a,
			     struct stmt *b, struct stmt *c)
{
	struct stmt *blk = stmt_new(S_BLOCK, loc);
	if (a)
		vec_push(&blk->stmts, a);
	if (b)
		vec_push(&blk->stmts, b);
	if (c)
		vec_push(&blk->stmts, c);
	return blk;
}

struct probe *alias_expand(const struct alias *a, const struct probe_point *pp,
			   size_t matched, const struct probe *user)
{
	struct probe *p = xcalloc(1, sizeof(*p));
	p->loc = user->loc;
	p->privileged = user->privileged;
	p->origin = user->origin ? user->origin : pp;
	for (size_t i = 0; i < a->points.len; i++) {
		struct probe_point *ap = xmalloc(sizeof(*ap));
		*ap = *(struct probe_point *)vec_at(&a->points, i);
		ap->optional |= pp->optional;
		ap->sufficient |= pp->sufficient;
		/* a wildcard's alias leaves out points the target lacks */
		ap->from_wildcard |= pp->from_wildcard;
		if (!ap->cond)
			ap->cond = expr_clone(pp->cond);
		if (matched < pp->comps.len) {	/* a.b: .b applies to p1, p2 */
			struct vec comps = {0};
			for (size_t k = 0; k < ap->comps.len; k++)
				vec_push(&comps, vec_at(&ap->comps, k));
			for (size_t k = matched; k < pp->comps.len; k++)
				vec_push(&comps, vec_at(&pp->comps, k));
			ap->comps = comps;
		}
		vec_push(&p->points, ap);
	}
	struct stmt *mine = stmt_clone(user->body);
	struct stmt *theirs = stmt_clone(a->body);
	if (a->epilogue)
		p->body = block_of(user->loc, mine, theirs, NULL);
	else
		p->body = block_of(user->loc, theirs, mine,
				   stmt_clone(a->epilogue_body));
	return p;
}
