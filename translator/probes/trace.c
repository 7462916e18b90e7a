/*
 * kernel.trace("SYSTEM:EVENT"): probes on the kernel's tracepoints, no
 * debuginfo needed.
 *
 * expand_trace() matches the point's string (wildcards in both parts;
 * "EVENT" alone means any system) against the target's tracepoints
 * (debuginfo/tracepoints.h, from the build tree's trace headers), one
 * point per tracepoint, sorted, each named "SYSTEM:EVENT".  With the
 * kernel's BTF (debuginfo/btf.h) a wildcard keeps the tracepoints the
 * kernel has (a btf_trace_EVENT type: the headers also declare events
 * of options the kernel lacks) and those of systems the kernel has
 * none of (modules': sunrpc, btrfs ...); a tracepoint the BTF lacks
 * may be a module's, armed when that module loads.
 *
 * Each argument of the tracepoint's TP_PROTO is a read-only target
 * variable $NAME: argument i of the hit (TL_ARGUMENT; the runtime's
 * handler takes the arguments as u64 slots), typed by BTF's
 * btf_trace_EVENT prototype, else by the header's type name looked up
 * in BTF, else by the C base types we know.  The runtime is
 * runtime/linux/trace.c.
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "util/cstring.h"
#include "util/suggest.h"
#include "debuginfo/btf.h"
#include "debuginfo/tracepoints.h"

/* The most arguments a tracepoint may have (the runtime has a handler
 * per arity up to this). */
#define TRACE_MAX_ARGS 16

/* One tracepoint with its arguments typed, made once per tracepoint
 * and shared by the points on it (target variables are compared by
 * address). */
struct trace_event {
	const struct tp_event *ev;
	bool core;		/* in the kernel's own BTF: armed at start,
				 * else when a module that has it loads */
	struct target_var *vars;	/* ev->nargs of them, or NULL */
	char *untyped;		/* the first argument we cannot read, or
				 * NULL */
};

/* One kernel.trace point. */
struct trace_point {
	const struct trace_event *te;
	bool optional;		/* made by a wildcard */
};

/* The run's tracepoints and BTF: set by expand, used by resolve. */
static struct session *trace_session;
static struct hash trace_events;	/* full name -> struct trace_event * */
static struct hash core_events;		/* name -> (void *)1: btf_trace_
					 * types of the kernel's BTF */
static struct hash core_systems;	/* system -> (void *)1: those with
					 * a tracepoint in core_events */
static bool core_known;			/* core_events is filled */

static bool is_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* ---- types ----------------------------------------------------------- */

/* The C base types of TP_PROTOs, for when there is no BTF. */
static const struct { const char *name; unsigned size; bool is_signed; }
base_types[] = {
	{ "char", 1, true }, { "signed char", 1, true },
	{ "unsigned char", 1, false }, { "short", 2, true },
	{ "unsigned short", 2, false }, { "int", 4, true },
	{ "signed", 4, true }, { "unsigned", 4, false },
	{ "unsigned int", 4, false }, { "long", 8, true },
	{ "unsigned long", 8, false }, { "long long", 8, true },
	{ "unsigned long long", 8, false }, { "u8", 1, false },
	{ "u16", 2, false }, { "u32", 4, false }, { "u64", 8, false },
	{ "s8", 1, true }, { "s16", 2, true }, { "s32", 4, true },
	{ "s64", 8, true }, { "__u8", 1, false }, { "__u16", 2, false },
	{ "__u32", 4, false }, { "__u64", 8, false }, { "size_t", 8, false },
	{ "ssize_t", 8, true }, { "loff_t", 8, true }, { "pid_t", 4, true },
	{ "gfp_t", 4, false }, { "dev_t", 4, false }, { "sector_t", 8, false },
	{ "ktime_t", 8, true }, { "umode_t", 2, false }, { "uid_t", 4, false },
	{ "gid_t", 4, false }, { "uint", 4, false }, { "ulong", 8, false },
	{ "blk_status_t", 1, false }, { "phys_addr_t", 8, false },
	{ "dma_addr_t", 8, false }, { "resource_size_t", 8, false },
};

/* "const struct bio *" -> base "struct bio", 1 star, const. */
static char *split_type(const char *text, int *stars, bool *is_const)
{
	struct strbuf sb = {0};
	char *t = xstrdup(text), *save, *w;

	*stars = 0;
	*is_const = false;
	for (w = strtok_r(t, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		for (; *w == '*'; w++)
			++*stars;
		if (!*w)
			continue;
		if (strcmp(w, "const") == 0) {
			*is_const = true;
			continue;
		}
		if (sb.len)
			sb_putc(&sb, ' ');
		sb_puts(&sb, w);
	}
	free(t);
	return sb.len ? sb_steal(&sb) : xstrdup("int");
}

/* The type a TP_PROTO names: BTF's, else a base type; NULL if unknown. */
static const struct ctype *text_type(struct kbtf *b, const char *text)
{
	int stars;
	bool is_const;
	char *base = split_type(text, &stars, &is_const);
	const struct ctype *t = NULL;

	if (strcmp(base, "void") == 0)
		t = &ctype_void_type;
	else if (strcmp(base, "bool") == 0 || strcmp(base, "_Bool") == 0)
		t = &ctype_bool_type;
	if (!t && b)
		t = kbtf_type_named(b, base);
	for (size_t i = 0; !t && i < sizeof(base_types) / sizeof(base_types[0]);
	     i++)
		if (strcmp(base, base_types[i].name) == 0)
			t = ctype_int(base_types[i].size, base_types[i].is_signed);
	if (!t && stars && strncmp(base, "struct ", 7) == 0)
		t = ctype_record(CT_STRUCT, xstrdup(base + 7), 0);
	if (!t && stars && strncmp(base, "union ", 6) == 0)
		t = ctype_record(CT_UNION, xstrdup(base + 6), 0);
	if (!t && stars)
		t = &ctype_void_type;	/* an unknown pointee */
	for (int i = 0; t && i < stars; i++)
		t = ctype_pointer(t);
	free(base);
	return t;
}

/* The type as upstream's listings spell it: "char const*", "long
 * unsigned int", "struct bio*". */
static char *upstream_spelling(const char *text)
{
	static const char *const ints[][2] = {
		{ "long", "long int" }, { "unsigned long", "long unsigned int" },
		{ "unsigned", "unsigned int" }, { "short", "short int" },
		{ "unsigned short", "short unsigned int" },
		{ "long long", "long long int" },
		{ "unsigned long long", "long long unsigned int" },
		{ "signed", "int" }, { "_Bool", "_Bool" },
	};
	int stars;
	bool is_const;
	char *base = split_type(text, &stars, &is_const);
	const char *b = base;
	struct strbuf sb = {0};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcmp(base, ints[i][0]) == 0)
			b = ints[i][1];
	sb_puts(&sb, b);
	if (is_const)
		sb_puts(&sb, " const");
	for (int i = 0; i < stars; i++)
		sb_putc(&sb, '*');
	free(base);
	return sb_steal(&sb);
}

/* The argument types from BTF's btf_trace_EVENT prototype (its first
 * parameter is the probe's data pointer); false when BTF has none. */
static bool btf_types(struct kbtf *b, const struct tp_event *ev,
		      const struct ctype **types)
{
	char *tname = xasprintf("btf_trace_%s", ev->name);
	const struct ctype *ret;
	struct vec params = {0};
	bool ok = b && kbtf_func_typedef(b, tname, &ret, &params) &&
		  params.len == ev->nargs + 1;

	for (size_t i = 0; ok && i < ev->nargs; i++)
		types[i] = ((struct kbtf_param *)vec_at(&params, i + 1))->type;
	vec_free(&params);
	free(tname);
	return ok;
}

/* ev with its arguments typed: made once. */
static struct trace_event *typed_event(const struct tp_event *ev)
{
	struct trace_event *te = hash_get(&trace_events, ev->full);
	struct kbtf *b;
	const struct ctype **types;

	if (te)
		return te;
	te = xcalloc(1, sizeof(*te));
	te->ev = ev;
	te->core = core_known && hash_get(&core_events, ev->name);
	hash_put(&trace_events, ev->full, te);
	if (ev->nargs > TRACE_MAX_ARGS) {
		te->untyped = xasprintf("it has %zu arguments, more than the "
					"%d supported", ev->nargs,
					TRACE_MAX_ARGS);
		return te;
	}
	b = target_btf(trace_session);
	types = xcalloc(ev->nargs + 1, sizeof(*types));
	if (!btf_types(b, ev, types))
		for (size_t i = 0; i < ev->nargs; i++)
			types[i] = text_type(b, ev->args[i].type);
	te->vars = xcalloc(ev->nargs + 1, sizeof(*te->vars));
	for (size_t i = 0; i < ev->nargs; i++) {
		struct target_var *v = &te->vars[i];
		const struct ctype *t = types[i];
		v->name = xasprintf("$%s", ev->args[i].name);
		v->type = t;
		v->loc.kind = TL_ARGUMENT;
		v->loc.argno = (int)i;
		v->access = TARGET_READ;
		v->rule = "tracepoint arguments are read-only";
		v->class = TV_PARAM;
		v->spelling = upstream_spelling(ev->args[i].type);
		if (!te->untyped && (!t || ((t->kind == CT_STRUCT ||
					      t->kind == CT_UNION) &&
					     t->size > 8)))
			te->untyped = xasprintf("its argument %s (%s) %s",
						v->name, ev->args[i].type,
						t ? "is a struct of more than 8 "
						"bytes passed by value, which "
						"is not supported" : "has a "
						"type unknown without BTF");
	}
	free(types);
	return te;
}

/* ---- expanding points ------------------------------------------------ */

/* The names of the kernel's own tracepoints, from its BTF, and their
 * systems. */
static void load_core_events(struct session *s, const struct tp_index *ix)
{
	struct kbtf *b = target_btf(s);
	struct vec names = {0};

	if (core_known || !b)
		return;
	kbtf_names_with_prefix(b, "btf_trace_", &names);
	for (size_t i = 0; i < names.len; i++)
		hash_put(&core_events, (const char *)vec_at(&names, i) + 10,
			 (void *)1);
	core_known = names.len > 0;
	vec_free(&names);
	struct vec all = {0};
	tp_match(ix, NULL, "*", &all);
	for (size_t i = 0; i < all.len; i++) {
		const struct tp_event *ev = vec_at(&all, i);
		if (hash_get(&core_events, ev->name))
			hash_put(&core_systems, ev->system, (void *)1);
	}
	vec_free(&all);
}

/* Whether a wildcard takes ev: the kernel has it, or it belongs to a
 * system the kernel itself has no tracepoint of (a module's, such as
 * sunrpc's: armed when the module loads).  Without BTF, every event
 * the headers declare. */
static bool wildcard_takes(const struct tp_event *ev)
{
	return !core_known || hash_get(&core_events, ev->name) ||
	       !hash_get(&core_systems, ev->system);
}

/* pp naming tracepoint full. */
static struct probe_point *point_for(const struct probe_point *pp,
				     const char *full, bool wild)
{
	struct probe_point *np = xmalloc(sizeof(*np));
	struct pp_comp *tc = xmalloc(sizeof(*tc));
	const struct pp_comp *old = pp_comp_at(pp, 1);

	*np = *pp;
	np->comps = (struct vec){0};
	np->from_wildcard = wild;
	*tc = *old;
	tc->arg = expr_new(E_STR, old->arg->loc);
	tc->arg->str = xstrdup(full);
	tc->arg->len = strlen(full);
	for (size_t i = 0; i < pp->comps.len; i++)
		vec_push(&np->comps, i == 1 ? tc : vec_at(&pp->comps, i));
	return np;
}

/* The error for a name no tracepoint has, with the nearest name. */
static void no_tracepoint(const struct tp_index *ix, const struct pp_comp *c,
			  bool has_system)
{
	const char *name = c->arg->str;
	const struct vec *full = tp_names(ix);
	struct vec bare = {0};
	const char *near;

	for (size_t i = 0; !has_system && i < full->len; i++)
		vec_push(&bare, strchr(vec_at(full, i), ':') + 1);
	near = suggest(name, has_system ? full : &bare);
	if (near)
		diag_error(c->arg->loc, "probe point mismatch: %s '%s' in the "
			   "target kernel (did you mean '%s'?)",
			   is_wildcard(name) ? "no tracepoint matches"
			   : "no tracepoint", name, near);
	else
		diag_error(c->arg->loc, "probe point mismatch: %s '%s' in the "
			   "target kernel", is_wildcard(name)
			   ? "no tracepoint matches" : "no tracepoint", name);
	vec_free(&bare);
}

static bool expand_trace(struct session *s, struct probe_point *pp,
			 struct vec *out)
{
	const struct pp_comp *c = pp_comp_at(pp, 1);
	const struct tp_index *ix;
	struct vec evs = {0};

	trace_session = s;
	if (!c || !c->arg || c->arg->kind != E_STR || !c->arg->len ||
	    pp->comps.len > 2) {
		vec_push(out, pp);	/* resolve_trace says what is wrong */
		return true;
	}
	ix = target_tracepoints(s);
	if (!ix) {
		diag_error(c->arg->loc, "cannot resolve kernel.trace(\"%s\"): "
			   "%s", c->arg->str, tracepoints_missing_reason(s));
		return false;
	}
	load_core_events(s, ix);
	char *sys = xstrdup(c->arg->str), *name = strchr(sys, ':');
	bool wild = is_wildcard(c->arg->str);
	if (name)
		*name++ = '\0';
	tp_match(ix, name ? sys : NULL, name ? name : sys, &evs);
	for (size_t i = 0; i < evs.len; i++) {
		const struct tp_event *ev = vec_at(&evs, i);
		if (wild && !wildcard_takes(ev))
			continue;	/* not in this kernel */
		if (!wild && core_known && !hash_get(&core_events, ev->name))
			diag_warn(c->arg->loc, "tracepoint '%s' is not in the "
				  "kernel's BTF: it is probed once a module "
				  "that has it is loaded", ev->full);
		typed_event(ev);
		vec_push(out, point_for(pp, ev->full, wild));
	}
	bool found = evs.len > 0;
	if (!found && !pp_optional(pp))
		no_tracepoint(ix, c, name != NULL);
	vec_free(&evs);
	free(sys);
	return found || pp_optional(pp);
}

/* ---- resolving points ------------------------------------------------ */

static bool resolve_trace(struct rprobe *rp)
{
	struct pp_comp *k = pp_comp_at(rp->pp, 0), *c = pp_comp_at(rp->pp, 1);
	struct trace_point *pt;
	struct trace_event *te;

	if (!pp_no_arg(k))
		return false;
	if (!c->arg || c->arg->kind != E_STR || !c->arg->len) {
		diag_error(c->loc, "kernel.trace needs a tracepoint name "
			   "string, as in kernel.trace(\"sched:sched_switch\")");
		return false;
	}
	if (rp->pp->comps.len > 2) {
		const struct pp_comp *x = pp_comp_at(rp->pp, 2);
		diag_error(x->loc, "unexpected '.%s' after kernel.trace(...)",
			   x->name);
		return false;
	}
	te = hash_get(&trace_events, c->arg->str);
	if (!te)	/* expand reported it */
		return false;
	if (te->untyped && rp->pp->from_wildcard)
		return false;	/* a wildcard leaves it out */
	if (te->untyped) {
		diag_error(c->arg->loc, "cannot probe tracepoint '%s': %s",
			   te->ev->full, te->untyped);
		return false;
	}
	rp->data = pt = xcalloc(1, sizeof(*pt));
	pt->te = te;
	pt->optional = rp->pp->from_wildcard;
	return true;
}

/* $$name and $$system: the hit's tracepoint, read from the slot before
 * the arguments (the thunk puts the point there), so that one handler
 * shared by several tracepoints reads each hit's own. */
static const struct target_var trace_name_var = {
	.name = "$$name", .type = &ctype_string_type, .access = TARGET_READ,
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_trace_name" },
	.rule = "$$name is read-only", .class = TV_OWN,
};
static const struct target_var trace_system_var = {
	.name = "$$system", .type = &ctype_string_type, .access = TARGET_READ,
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_trace_system" },
	.rule = "$$system is read-only", .class = TV_OWN,
};

static const struct target_var *trace_target(const struct rprobe *rp,
					     const char *name)
{
	const struct trace_point *pt = rp->data;

	if (strcmp(name, "$$name") == 0)
		return &trace_name_var;
	if (strcmp(name, "$$system") == 0)
		return &trace_system_var;

	for (size_t i = 0; i < pt->te->ev->nargs; i++)
		if (strcmp(pt->te->vars[i].name, name) == 0)
			return &pt->te->vars[i];
	return NULL;
}

/* Why rp has no `name`: the arguments it has. */
static char *trace_target_missing(const struct rprobe *rp, const char *name)
{
	const struct trace_point *pt = rp->data;
	struct strbuf sb = {0};

	sb_printf(&sb, "tracepoint '%s' has no argument '%s'",
		  pt->te->ev->full, name + (*name == '$'));
	for (size_t i = 0; i < pt->te->ev->nargs; i++)
		sb_printf(&sb, "%s%s", i ? " " : " (it has: ",
			  pt->te->vars[i].name);
	sb_puts(&sb, pt->te->ev->nargs ? ")" : " (it has none)");
	return sb_steal(&sb);
}

static void trace_target_list(const struct rprobe *rp, struct vec *out)
{
	const struct trace_point *pt = rp->data;

	for (size_t i = 0; i < pt->te->ev->nargs; i++)
		vec_push(out, &pt->te->vars[i]);
}

/* ---- pass 3 ---------------------------------------------------------- */

/* The handler for tracepoints of n arguments: it takes them as u64
 * slots (sound on x86-64: each argument, whatever its integer or
 * pointer type, is passed in its own register or 8-byte stack slot,
 * a narrower one in the low bytes) and hands them to the hit, after a
 * slot holding the point ($$name, $$system). */
static void emit_thunk(FILE *out, size_t n)
{
	fprintf(out, "static void stap_trace_thunk%zu(void *data", n);
	for (size_t i = 0; i < n; i++)
		fprintf(out, ", u64 a%zu", i);
	fputs(")\n{\n\tu64 args[] = { (u64)(uintptr_t)data", out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, ", a%zu", i);
	fputs(" };\n\n\tstap_trace_hit(data, args + 1);\n}\n", out);
}

static void emit_trace(FILE *out, const struct vec *rps)
{
	bool arity[TRACE_MAX_ARGS + 1] = { false };

	for (size_t i = 0; i < rps->len; i++) {
		const struct trace_point *pt =
			((const struct rprobe *)vec_at(rps, i))->data;
		arity[pt->te->ev->nargs] = true;
	}
	for (size_t n = 0; n <= TRACE_MAX_ARGS; n++)
		if (arity[n])
			emit_thunk(out, n);
	fputs("static struct stap_trace_probe stap_trace_probes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct trace_point *pt = rp->data;
		const struct tp_event *ev = pt->te->ev;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .name = ",
			rp->id);
		emit_cstring(out, ev->name, strlen(ev->name));
		fputs(", .system = ", out);
		emit_cstring(out, ev->system, strlen(ev->system));
		fprintf(out, ", .fn = (void *)stap_trace_thunk%zu, "
			".core = %d, .optional = %d },\n", ev->nargs,
			pt->te->core, pt->optional);
	}
	fputs("};\n", out);
}

static const char *const trace_shapes[] = { "kernel.trace(S)", NULL };

const struct probe_family trace_family = {
	.name = "kernel.trace", .shapes = trace_shapes,
	.expand = expand_trace, .resolve = resolve_trace,
	.target = trace_target, .target_list = trace_target_list,
	.target_missing = trace_target_missing,
	.emit_table = emit_trace, .runtime = "trace", .arm_order = 1,
	.handler_type = "kernel_tracepoint",
	.ops = "{ .arm = stap_trace_arm, .disarm = stap_trace_disarm, "
	       ".points = stap_trace_probes, "
	       ".n = ARRAY_SIZE(stap_trace_probes) }",
};
