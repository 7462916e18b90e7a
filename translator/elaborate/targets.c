/*
 * Target variables ($name) and @defined, for pass 2.
 *
 * A target variable is resolved by the family of the probe whose
 * handler uses it (probes.h, struct target_var): without debuginfo the
 * only ones are those a family provides itself, like procfs probes'
 * $value.  A handler shared by several probe points (probe a, b {})
 * must see the same variable in all of them.
 *
 * @defined(EXPR) is 1 when every target variable, @cast and @var in
 * EXPR resolves, else 0, decided here without reporting anything;
 * resolve.c folds it to a number and drops the branch of a
 * `@defined(...) ?:`, `if`, `&&` or `||` that cannot run.
 */
#include <string.h>
#include "elaborate.h"
#include "probes/probes.h"

/* The target variable `name` in every point of body: NULL when some
 * point lacks it; *mixed when the points disagree. */
static const struct target_var *lookup(const struct program *prog,
				       const struct pbody *body,
				       const char *name,
				       const struct rprobe **first, bool *mixed)
{
	const struct target_var *tv = NULL;

	*first = NULL;
	*mixed = false;
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->body != body)
			continue;
		const struct target_var *t = rp->family->target
			? rp->family->target(rp, name) : NULL;
		if (!*first)
			tv = t;
		else if (t != tv)
			*mixed = true;
		if (!*first)
			*first = rp;
	}
	return *mixed ? NULL : tv;
}

static const char *access_text(unsigned access)
{
	switch (access) {
	case TARGET_READ: return "read";
	case TARGET_SET: return "assigned with '='";
	case TARGET_APPEND: return "appended to with '.='";
	default: return "modified with";
	}
}

void resolve_target(const struct program *prog, const struct pbody *body,
		    struct expr *e, unsigned access, const char *op)
{
	const struct rprobe *rp;
	bool mixed;
	const struct target_var *tv = lookup(prog, body, e->name, &rp, &mixed);

	if (!rp && body->probe) {
		/* its probe points failed: they said why */
	} else if (!rp) {
		diag_error(e->loc, "target variable '%s' used outside a probe "
			   "handler (in a function or a probe condition): "
			   "pass its value from the handler instead", e->name);
	} else if (mixed) {
		diag_error(e->loc, "target variable '%s' differs between the "
			   "probe points sharing this handler (%s and others): "
			   "write them as separate probes", e->name, rp->text);
	} else if (!tv) {
		diag_error(e->loc, "unresolved target variable '%s' in probe "
			   "%s: not supported yet: target variables need "
			   "debuginfo (only procfs probes' $value works "
			   "without it)", e->name, rp->text);
	} else if (e->comps.len || e->suffix) {
		diag_error(e->loc, "target variable '%s' of probe %s is a %s: "
			   "'->', '[...]' and '$' do not apply to it", e->name,
			   rp->text, type_name(tv->type));
	} else if (!(tv->access & access)) {
		diag_error(e->loc, "target variable '%s' cannot be %s%s%s%s in "
			   "probe %s: %s", e->name, access_text(access),
			   access ? "" : " '", access ? "" : op,
			   access ? "" : "'", rp->text, tv->rule);
	} else {
		e->target = tv;
		e->type = tv->type;
	}
}

int target_defined(const struct program *prog, const struct pbody *body,
		   const struct expr *e)
{
	const struct rprobe *rp;
	bool mixed;
	int r = -1;

	if (!e)
		return -1;
	switch (e->kind) {
	case E_TARGET:
		if (e->comps.len || e->suffix)
			return 0;
		if (!lookup(prog, body, e->name, &rp, &mixed)) {
			if (mixed)
				diag_error(e->loc, "@defined(%s) differs between "
					   "the probe points sharing this "
					   "handler (%s and others): write "
					   "them as separate probes", e->name,
					   rp->text);
			return 0;
		}
		return 1;
	case E_CAST:
	case E_ATVAR:
	case E_PERF:
		return 0;	/* these need debuginfo we do not read yet */
	default:
		break;
	}
	const struct expr *kids[] = { e->a, e->b, e->c, e->base };
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		int k = target_defined(prog, body, kids[i]);
		if (k == 0)
			return 0;
		if (k == 1)
			r = 1;
	}
	for (size_t i = 0; i < e->args.len; i++) {
		int k = target_defined(prog, body, vec_at(&e->args, i));
		if (k == 0)
			return 0;
		if (k == 1)
			r = 1;
	}
	return r;
}
