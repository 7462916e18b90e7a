/*
 * kprobe.function("sym") and kprobe.function("sym").return: probes on a
 * kernel function by symbol name, no debuginfo needed.
 *
 * expand_kprobe() checks the name against the target's symbols
 * (debuginfo/symbols.h) and turns a wildcard ("vfs_*", "?", "[..]") into
 * one point per probeable kernel function that matches.  Without a
 * symbol list (a version-1 stapsh, an unreachable target) exact names go
 * unchecked to the kernel, which resolves them when the probe is armed;
 * a name it does not know then fails the run at start.  Points a
 * wildcard made are armed best-effort: one the kernel refuses is
 * skipped with a warning rather than failing the run.  The runtime is
 * runtime/linux/kprobe.c.
 *
 * Target variables are the function's parameters at entry and $return
 * in .return, typed and placed from its BTF prototype (kfunc_btf.h); the
 * hooks ask for them on first use, so that a probe without any never
 * loads BTF.
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "util/cstring.h"
#include "util/suggest.h"
#include "debuginfo/symbols.h"
#include "kfunc_btf.h"
#include "options.h"

/* The most points one wildcard may expand to (-D MAXKPROBEWILDCARD=N). */
#define WILDCARD_MAX_DEFAULT 1000

/* One kprobe point. */
struct kprobe_point {
	const struct expr *symbol;	/* the function name, a string */
	bool is_return;		/* .return: a kretprobe */
	bool optional;		/* made by a wildcard: skipped, not fatal,
				 * when the kernel refuses it */
	bool vars_tried;	/* vars (and why) computed */
	const struct kfunc_vars *vars;	/* its $params or $return from
					 * BTF; NULL: none (why) */
	const char *why;
	const struct kfunc_vars *entry_vars;	/* .return: the parameters
						 * at entry, for @entry */
};

/* The session, for the target variable hooks (which the family table
 * calls with the point only): set by expand, which pass 2 calls on
 * every kprobe point before resolving it. */
static struct session *kprobe_session;

static bool is_wildcard(const char *name)
{
	return strpbrk(name, "*?[") != NULL;
}

/* pp with the function name replaced by name. */
static struct probe_point *point_for(const struct probe_point *pp,
				     const char *name)
{
	struct probe_point *np = xmalloc(sizeof(*np));
	struct pp_comp *fn = xmalloc(sizeof(*fn));
	const struct pp_comp *old = pp_comp_at(pp, 1);

	*np = *pp;
	np->comps = (struct vec){0};
	np->from_wildcard = true;
	*fn = *old;
	fn->arg = expr_new(E_STR, old->arg->loc);
	fn->arg->str = xstrdup(name);
	fn->arg->len = strlen(name);
	for (size_t i = 0; i < pp->comps.len; i++)
		vec_push(&np->comps, i == 1 ? fn : vec_at(&pp->comps, i));
	return np;
}

/* The error for a name or pattern the kernel has no function for. */
static void no_function(const struct ksyms *ks, const struct pp_comp *fn)
{
	const char *name = fn->arg->str;
	const char *near = suggest(name, ksyms_functions(ks));
	bool wild = is_wildcard(name);

	if (near)
		diag_error(fn->arg->loc, "probe point mismatch: %s '%s' in "
			   "the target kernel (did you mean '%s'?)",
			   wild ? "no function matches" : "no function", name,
			   near);
	else
		diag_error(fn->arg->loc, "probe point mismatch: %s '%s' in "
			   "the target kernel", wild ? "no function matches"
			   : "no function", name);
}

/* An exact name: itself if the target can probe it. */
static bool check_function(const struct ksyms *ks, struct probe_point *pp,
			   struct vec *out)
{
	const struct pp_comp *fn = pp_comp_at(pp, 1);
	const char *name = fn->arg->str;

	switch (ksym_kind(ks, name)) {
	case KSYM_FUNC:
		vec_push(out, pp);
		return true;
	case KSYM_NONE:
		if (!pp_optional(pp))
			no_function(ks, fn);
		return pp_optional(pp);
	case KSYM_INIT:
		if (!pp_optional(pp))
			diag_error(fn->arg->loc, "cannot probe '%s': it is init "
				   "code, freed after the kernel booted", name);
		return pp_optional(pp);
	case KSYM_BLACKLISTED:
		if (!pp_optional(pp))
			diag_error(fn->arg->loc, "cannot probe '%s': it is on the "
				   "kernel's kprobe blacklist", name);
		return pp_optional(pp);
	}
	return false;
}

/* A wildcard: one point per probeable kernel function it matches. */
static bool expand_wildcard(struct session *s, const struct ksyms *ks,
			    struct probe_point *pp, struct vec *out)
{
	const struct pp_comp *fn = pp_comp_at(pp, 1);
	long max = session_define(s, "MAXKPROBEWILDCARD", WILDCARD_MAX_DEFAULT);
	struct vec names = {0};

	ksyms_match(ks, fn->arg->str, &names);
	if (names.len == 0 && !pp_optional(pp))
		no_function(ks, fn);
	if ((long)names.len > max) {
		diag_error(fn->arg->loc, "'%s' matches %zu kernel functions, "
			   "more than the limit of %ld: narrow the pattern or "
			   "raise the limit with -D MAXKPROBEWILDCARD=N",
			   fn->arg->str, names.len, max);
		vec_free(&names);
		return false;
	}
	bool found = names.len > 0;
	for (size_t i = 0; i < names.len; i++)
		vec_push(out, point_for(pp, vec_at(&names, i)));
	vec_free(&names);
	return found || pp_optional(pp);
}

static bool expand_kprobe(struct session *s, struct probe_point *pp,
			  struct vec *out)
{
	const struct pp_comp *fn = pp_comp_at(pp, 1);

	kprobe_session = s;
	/* resolve_kprobe reports malformed points */
	if (!fn || strcmp(fn->name, "function") != 0 || !fn->arg ||
	    fn->arg->kind != E_STR || !fn->arg->len) {
		vec_push(out, pp);
		return true;
	}
	const struct ksyms *ks = target_ksyms(s);
	if (ks && is_wildcard(fn->arg->str))
		return expand_wildcard(s, ks, pp, out);
	if (ks)
		return check_function(ks, pp, out);
	if (is_wildcard(fn->arg->str)) {
		diag_error(fn->arg->loc, "cannot expand the wildcard in "
			   "kprobe.function(\"%s\"): %s "
			   STAP_MAN_HINT("warning::symbols"), fn->arg->str,
			   ksyms_missing_reason(s));
		return false;
	}
	vec_push(out, pp);	/* unchecked: the kernel resolves it */
	return true;
}

static bool resolve_kprobe(struct rprobe *rp)
{
	struct pp_comp *fn = pp_comp_at(rp->pp, 1), *ret = pp_comp_at(rp->pp, 2);
	struct kprobe_point *pt;

	if (!pp_no_arg(pp_comp_at(rp->pp, 0)))
		return false;
	if (!fn || strcmp(fn->name, "function") != 0) {
		diag_error(rp->pp->loc, "not supported yet: this kprobe probe "
			   "point (expected kprobe.function(\"NAME\")[.return])");
		return false;
	}
	if (!fn->arg || fn->arg->kind != E_STR || !fn->arg->len) {
		diag_error(fn->loc, "kprobe.function needs a symbol name "
			   "string, as in kprobe.function(\"vfs_read\")");
		return false;
	}
	if (ret && (strcmp(ret->name, "return") != 0 || ret->arg ||
		    rp->pp->comps.len > 3)) {
		diag_error(ret->loc, "unexpected '.%s' in a kprobe probe point "
			   "(only .return may follow)", ret->name);
		return false;
	}
	rp->data = pt = xcalloc(1, sizeof(*pt));
	pt->symbol = fn->arg;
	pt->is_return = ret != NULL;
	pt->optional = rp->pp->from_wildcard;
	return true;
}

static void emit_kprobe(FILE *out, const struct vec *rps)
{
	fputs("static struct stap_kprobe stap_kprobes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct kprobe_point *pt = rp->data;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .symbol = ",
			rp->id);
		emit_cstring(out, pt->symbol->str, pt->symbol->len);
		fprintf(out, ", .is_return = %d%s },\n", pt->is_return,
			pt->optional ? ", .optional = 1" : "");
	}
	fputs("};\n", out);
}

/* ---- target variables: the BTF prototype (kfunc_btf.h) ---- */

static const struct kfunc_vars *point_vars(const struct rprobe *rp)
{
	struct kprobe_point *pt = rp->data;

	if (!pt->vars_tried && kprobe_session) {
		pt->vars_tried = true;
		pt->vars = kfunc_btf_vars(kprobe_session, pt->symbol->str,
					  pt->is_return, &pt->why);
	}
	return pt->vars;
}

static const struct target_var *kprobe_target(const struct rprobe *rp,
					      const char *name)
{
	return kfunc_btf_var(point_vars(rp), name);
}

static void kprobe_target_list(const struct rprobe *rp, struct vec *out)
{
	kfunc_btf_list(point_vars(rp), out);
}

static bool kprobe_at_return(const struct rprobe *rp)
{
	const struct kprobe_point *pt = rp->data;

	return pt && pt->is_return;
}

/* A .return point's parameters as at the function's entry, where its
 * kretprobe's entry handler reads them: the BTF prototype's. */
static const struct kfunc_vars *point_entry_vars(const struct rprobe *rp)
{
	struct kprobe_point *pt = rp->data;
	const char *why;

	if (!pt->entry_vars && pt->is_return && kprobe_session)
		pt->entry_vars = kfunc_btf_vars(kprobe_session,
						pt->symbol->str, false, &why);
	return pt->entry_vars;
}

static const struct target_var *kprobe_entry_target(const struct rprobe *rp,
						    const char *name)
{
	return kfunc_btf_var(point_entry_vars(rp), name);
}

static void kprobe_entry_target_list(const struct rprobe *rp, struct vec *out)
{
	kfunc_btf_list(point_entry_vars(rp), out);
}

static char *kprobe_target_missing(const struct rprobe *rp, const char *name)
{
	const struct kprobe_point *pt = rp->data;
	const struct kfunc_vars *vars = point_vars(rp);

	if (!kprobe_session)
		return NULL;
	return kfunc_btf_missing(kprobe_session, vars, pt->symbol->str,
				 pt->is_return, pt->why, name);
}

static const char *kprobe_handler_type(const struct rprobe *rp)
{
	return kprobe_at_return(rp) ? "kretprobe" : "kprobe";
}

static const char *const kprobe_shapes[] = {
	"kprobe.function(S)", "kprobe.function(S).return", NULL
};

const struct probe_family kprobe_family = {
	.name = "kprobe", .shapes = kprobe_shapes, .resolve = resolve_kprobe, .emit_table = emit_kprobe,
	.runtime = "kprobe", .arm_order = 1,	/* slowest to arm: before
						 * the timers start */
	.ops = "{ .arm = stap_kprobe_arm, .disarm = stap_kprobe_disarm, "
	       ".points = stap_kprobes, .n = ARRAY_SIZE(stap_kprobes) }",
	.expand = expand_kprobe,	/* not for unprivileged users */
	.handler_type_of = kprobe_handler_type,
	.target = kprobe_target, .target_list = kprobe_target_list,
	.target_missing = kprobe_target_missing,
	.at_return = kprobe_at_return, .entry_target = kprobe_entry_target,
	.entry_target_list = kprobe_entry_target_list,
};
