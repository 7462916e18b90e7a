/*
 * Target variables ($name) and @defined, for pass 2.
 *
 * A target variable is described by the family of the probe whose
 * handler uses it (probes.h, struct target_var: a type and a
 * location): without debuginfo the only ones are those a family
 * provides itself (probe_family_own_targets() lists them).  A handler shared by
 * several probe points (probe a, b {}) must see the same variable in
 * all of them.  Each use is resolved once, its ->member / [index]
 * chain walked over the type model (debuginfo/tvar.c), into the typed
 * node pass 3 prints (expr->target, struct tvar_ref).
 *
 * @defined(EXPR) is 1 when every target variable, @cast and @var in
 * EXPR resolves, else 0, decided here without reporting anything;
 * resolve.c folds it to a number and drops the branch of a
 * `@defined(...) ?:`, `if`, `&&` or `||` that cannot run.
 */
#include <stdlib.h>
#include <string.h>
#include "elaborate.h"
#include "probes/probes.h"
#include "debuginfo/types.h"

/* Every variable of rp (at the function's entry when entry), as its
 * family lists them, appended to out. */
static void list_vars(const struct rprobe *rp, bool entry, struct vec *out)
{
	struct vec at = {0};
	size_t have = out->len;

	if (!entry) {
		if (rp->family->target_list)
			rp->family->target_list(rp, out);
		return;
	}
	if (rp->family->entry_target_list)
		rp->family->entry_target_list(rp, &at);
	/* the entry's, but for names the point can read at the return
	 * too (a system call's registers) */
	for (size_t i = 0; i < at.len; i++) {
		const struct target_var *tv = vec_at(&at, i);
		bool dup = false;
		for (size_t j = 0; j < have && !dup; j++) {
			const struct target_var *o = vec_at(out, j);
			dup = o->loc.kind != TL_OPTIMIZED_OUT &&
			      !strcmp(o->name, tv->name);
		}
		if (!dup)
			vec_push(out, (void *)tv);
	}
	vec_free(&at);
}

/* A new ", "-joined list of the variables the family lists at rp
 * (at the entry when entry: @entry), or NULL when it lists none. */
static char *available(const struct rprobe *rp, bool entry)
{
	struct vec all = {0};
	struct strbuf sb = {0};

	list_vars(rp, entry, &all);
	if (!entry && rp->family->at_return && rp->family->at_return(rp))
		list_vars(rp, true, &all);	/* read as @entry there */
	for (size_t i = 0; i < all.len; i++) {
		const struct target_var *tv = vec_at(&all, i);
		if (tv->loc.kind == TL_OPTIMIZED_OUT)
			continue;
		sb_printf(&sb, "%s%s", sb.len ? ", " : "", tv->name);
	}
	vec_free(&all);
	if (!sb.len) {
		sb_free(&sb);
		return NULL;
	}
	return sb_steal(&sb);
}

/* The target variable `name` in every point of body: NULL when some
 * point lacks it; *mixed when the points disagree (different
 * descriptions, compared by address: a family returns the same one for
 * the same variable). */
/* Whether two points' variables read the same thing the same way: one
 * object, or the same type at the same simple place (the same argument
 * slot of two tracepoints, the same register of two functions). */
bool same_var(const struct target_var *a, const struct target_var *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->type != b->type || a->access != b->access ||
	    strcmp(a->name, b->name) != 0)
		return false;
	const struct tloc *x = &a->loc, *y = &b->loc;
	return x->kind == y->kind && x->regno == y->regno &&
	       x->addr == y->addr && x->offset == y->offset &&
	       x->argno == y->argno && x->user == y->user &&
	       !x->anchor && !y->anchor &&
	       !x->base && !y->base && !x->value && !y->value &&
	       !x->indexes.len && !y->indexes.len &&
	       x->kind != TL_ACCESSOR && x->kind != TL_OPTIMIZED_OUT;
}

/* The variable `name` of rp, or as at its function's entry when
 * entry (@entry). */
static const struct target_var *var_of(const struct rprobe *rp,
				       const char *name, bool entry)
{
	const struct probe_family *f = rp->family;

	if (entry)
		return f->entry_target ? f->entry_target(rp, name) : NULL;
	return f->target ? f->target(rp, name) : NULL;
}

static const struct target_var *lookup(const struct program *prog,
				       const struct pbody *body,
				       const char *name, bool entry,
				       const struct rprobe **first, bool *mixed)
{
	const struct target_var *tv = NULL;

	*first = NULL;
	*mixed = false;
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->body != body)
			continue;
		const struct target_var *t = var_of(rp, name, entry);
		if (!*first)
			tv = t;
		else if (!same_var(t, tv))
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

/* The typed node of use e of tv, or NULL with *why and *bad set
 * (tvar_resolve). */
static struct tvar_ref *typed(const struct target_var *tv,
			      const struct expr *e, char **why,
			      const struct comp **bad)
{
	return tvar_resolve(tv->name, tv->type, &tv->loc, &e->comps,
			    e->suffix, why, bad);
}

/* The accesses use ref of tv allows, and the rule to quote when it
 * makes another: the family's, narrowed by what the type allows. */
static unsigned allowed(const struct target_var *tv,
			const struct tvar_ref *ref, const char **rule)
{
	unsigned a = tv->access;

	*rule = tv->rule;
	if (ref->bit_size && (a & ~TARGET_READ)) {
		a &= TARGET_READ;
		*rule = "assigning a bitfield is not supported yet";
	} else if (ref->type != TYPE_STRING && (a & TARGET_APPEND)) {
		a &= ~TARGET_APPEND;
		*rule = "only a string can be appended to";
	}
	return a;
}

/* Checks use e of tv for access and annotates it; false after an
 * error. */
static bool check_use(const struct rprobe *rp, const struct target_var *tv,
		      struct expr *e, unsigned access, const char *op,
		      bool guru)
{
	const struct comp *bad;
	char *why;
	const char *rule;
	struct tvar_ref *ref = typed(tv, e, &why, &bad);

	if (!ref) {
		diag_error(bad ? bad->loc : e->loc, "target variable '%s' of "
			   "probe %s %s", e->name, rp->text, why);
		free(why);
		return false;
	}
	if (ref->loc.kind == TL_OPTIMIZED_OUT) {
		char *avail = available(rp, e->at_entry);
		diag_error(e->loc, "target variable '%s' of probe %s is "
			   "optimized out at %s%s%s%s: guard it with "
			   "@defined()%s%s", e->name, rp->text,
			   e->at_entry ? "the function's entry (@entry)"
				       : "this point",
			   tv->loc.why ? " (" : "",
			   tv->loc.why ? tv->loc.why : "",
			   tv->loc.why ? ")" : "",
			   avail ? "; available here: " : "",
			   avail ? avail : "");
		free(avail);
		return false;
	}
	if (access & ~TARGET_READ && tv->loc.kind != TL_ACCESSOR &&
	    !guru) {
		diag_error(e->loc, "target variable '%s' cannot be %s in probe "
			   "%s without guru mode (-g): it is the probed "
			   "code's own memory", e->name, access_text(access),
			   rp->text);
		return false;
	}
	if (!(allowed(tv, ref, &rule) & access)) {
		diag_error(e->loc, "target variable '%s' cannot be %s%s%s%s in "
			   "probe %s: %s", e->name, access_text(access),
			   access ? "" : " '", access ? "" : op,
			   access ? "" : "'", rp->text, rule);
		return false;
	}
	ref->access = access;
	e->target = ref;
	e->type = ref->type;
	return true;
}

char *target_listing(const struct rprobe *rp)
{
	struct vec all = {0};
	struct strbuf sb = {0};

	char *name = probe_listing_name(rp);
	sb_puts(&sb, name);
	free(name);
	/* an alias's variables (-L's body is empty: they are the alias's) */
	if (rp->body->probe && rp->body->probe->origin)
		for (size_t i = 0; i < rp->body->locals.len; i++) {
			const struct sym *l = vec_at(&rp->body->locals, i);
			sb_printf(&sb, " %s:%s", l->name, type_name(l->type));
		}
	list_vars(rp, false, &all);
	/* a .return point: $return, then the parameters as at entry
	 * (@entry), as upstream lists them */
	bool ret = rp->family->at_return && rp->family->at_return(rp);
	size_t nret = all.len;
	if (ret)
		list_vars(rp, true, &all);
	for (int pass = 0; pass < 2; pass++) {	/* $return first */
		for (size_t i = 0; i < all.len; i++) {
			const struct target_var *tv = vec_at(&all, i);
			if ((tv->class == TV_RETURN) != (pass == 0) ||
			    tv->loc.kind == TL_OPTIMIZED_OUT ||
			    (ret && i >= nret && tv->class != TV_PARAM))
				continue;
			char *d = tv->spelling ? NULL : ctype_describe(tv->type);
			sb_printf(&sb, " %s:%s", tv->name,
				  tv->spelling ? tv->spelling : d);
			free(d);
		}
	}
	vec_free(&all);
	return sb_steal(&sb);
}

const struct target_var *target_lookup(const struct program *prog,
					const struct pbody *body,
					const char *name, bool entry,
					const struct rprobe **rp)
{
	bool mixed;
	return lookup(prog, body, name, entry, rp, &mixed);
}

bool target_vars(const struct program *prog, const struct pbody *body,
		 bool entry, struct vec *out)
{
	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->body != body)
			continue;
		list_vars(rp, entry, out);
		/* the first point's: the others must agree */
		return out->len || (rp->family->lists_all &&
				    rp->family->lists_all(rp));
	}
	return false;
}

bool target_at_return(const struct program *prog, const struct pbody *body)
{
	bool any = false;

	for (size_t i = 0; i < prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->body != body)
			continue;
		if (!rp->family->at_return || !rp->family->at_return(rp))
			return false;
		any = true;
	}
	return any;
}

void resolve_target(const struct program *prog, const struct pbody *body,
		    struct expr *e, unsigned access, const char *op, bool guru)
{
	const struct rprobe *rp;
	bool mixed;
	char *why;
	const struct target_var *tv = lookup(prog, body, e->name, e->at_entry,
					     &rp, &mixed);
	const char *at = e->at_entry ? " at the function's entry (@entry)" : "";
	char *alts;

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
	} else if (!tv && (!strcmp(e->name, "$$name") ||
			   !strcmp(e->name, "$$system") ||
			   !strcmp(e->name, "$$provider"))) {
		diag_error(e->loc, "'%s' is not available in probe %s: only "
			   "in %s", e->name, rp->text,
			   !strcmp(e->name, "$$system") ? "kernel.trace probes"
			   : !strcmp(e->name, "$$name") ? "kernel.trace, "
			   "process .mark and .plt probes"
			   : "process .mark probes");
	} else if (!tv && !e->at_entry && rp->family->target_missing &&
		   (why = rp->family->target_missing(rp, e->name))) {
		diag_error(e->loc, "unresolved target variable '%s' in probe "
			   "%s: %s", e->name, rp->text, why);
		free(why);
	} else if (!tv && (alts = available(rp, e->at_entry))) {
		diag_error(e->loc, "unresolved target variable '%s' in probe "
			   "%s%s (alternatives: %s)", e->name, rp->text, at,
			   alts);
		free(alts);
	} else if (!tv && e->at_entry) {
		diag_error(e->loc, "unresolved target variable '%s' in probe "
			   "%s%s: the function has no variables there",
			   e->name, rp->text, at);
	} else if (!tv) {
		int n;
		char *own = probe_family_own_targets(&n);
		diag_error(e->loc, "unresolved target variable '%s' in probe "
			   "%s: not supported yet: target variables need "
			   "debuginfo%s%s%s", e->name, rp->text,
			   own ? " (only " : "", own ? own : "",
			   !own ? "" : n == 1 ? " works without it)"
					      : " work without it)");
		free(own);
	} else {
		check_use(rp, tv, e, access, op, guru);
	}
}

/* ---- @cast ----------------------------------------------------------- */

/* The typed read of @cast e, or NULL with *why (a new message
 * completing "@cast(..., \"T\") ") and *bad when why and bad are given. */
static struct tvar_ref *typed_cast(struct session *s, const struct expr *e,
				   char **why, const struct comp **bad)
{
	char *w = NULL, *tname;
	const struct comp *b = NULL;
	const struct ctype *t = target_type_named(s, e->module, e->str, &w);
	struct tloc loc = { .kind = TL_EXPR, .value = e->a,
			    .user = target_type_user(e->module) };
	struct tvar_ref *ref = NULL;

	if (!t) {
		char *m = xasprintf("cannot find type '%s': %s", e->str, w);
		free(w);
		w = m;
	} else {
		tname = xasprintf("@cast(..., \"%s\")", e->str);
		ref = tvar_resolve(tname, t, &loc, &e->comps, e->suffix, &w,
				   &b);
	}
	if (why)
		*why = w;
	else
		free(w);
	if (bad)
		*bad = b;
	return ref;
}

void resolve_cast(struct session *s, struct expr *e)
{
	const struct comp *bad;
	char *why;
	struct tvar_ref *ref = typed_cast(s, e, &why, &bad);

	if (!ref) {
		diag_error(bad ? bad->loc : e->loc, "@cast to '%s' %s",
			   e->str, why);
		free(why);
		return;
	}
	ref->access = TARGET_READ;
	e->target = ref;
	e->type = ref->type;
}

/* @defined of one target variable use: whether it resolves, silently
 * (but for points that disagree on a variable used whole). */
static int defined_use(const struct program *prog, const struct pbody *body,
		       const struct expr *e)
{
	const struct rprobe *rp;
	const struct comp *bad;
	bool mixed;
	char *why;
	bool entry = e->at_entry;
	const struct target_var *tv = lookup(prog, body, e->name, entry, &rp,
					     &mixed);

	/* a .return probe reads a parameter as @entry($param) does */
	if ((!tv || tv->loc.kind == TL_OPTIMIZED_OUT) && !entry &&
	    !mixed && target_at_return(prog, body)) {
		const struct target_var *at = lookup(prog, body, e->name, true,
						     &rp, &mixed);
		if (at)
			tv = at;
	}
	if (mixed && !e->comps.len && !e->suffix)
		diag_error(e->loc, "@defined(%s) differs between the probe "
			   "points sharing this handler (%s and others): write "
			   "them as separate probes", e->name, rp->text);
	if (!tv)
		return 0;
	const struct tvar_ref *ref = typed(tv, e, &why, &bad);
	free(why);
	return ref && ref->loc.kind != TL_OPTIMIZED_OUT;
}

int target_defined(struct session *s, const struct program *prog,
		   const struct pbody *body, const struct expr *e)
{
	int r = -1;

	if (!e)
		return -1;
	switch (e->kind) {
	case E_TARGET:
		return defined_use(prog, body, e);
	case E_CAST:
		return typed_cast(s, e, NULL, NULL) != NULL &&
		       target_defined(s, prog, body, e->a) != 0;
	case E_ATVAR:
		return atvar_defined(s, e);
	case E_PERF:
		return 0;	/* these need debuginfo we do not read yet */
	default:
		break;
	}
	const struct expr *kids[] = { e->a, e->b, e->c, e->base };
	for (size_t i = 0; i < sizeof(kids) / sizeof(kids[0]); i++) {
		int k = target_defined(s, prog, body, kids[i]);
		if (k == 0)
			return 0;
		if (k == 1)
			r = 1;
	}
	for (size_t i = 0; i < e->args.len; i++) {
		int k = target_defined(s, prog, body, vec_at(&e->args, i));
		if (k == 0)
			return 0;
		if (k == 1)
			r = 1;
	}
	return r;
}
