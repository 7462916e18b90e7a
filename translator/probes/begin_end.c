/*
 * begin, end and error probes: begin(N) and end(N) run once, in
 * priority order (lower N first, then source order), when the session
 * starts and stops; error(N) probes run instead of the end probes when
 * the session stops after runtime errors; never probes are checked and
 * then never run.  Their runtime is runtime/linux/begin_end.c.
 */
#include <stdlib.h>
#include "probes.h"
#include "util/diag.h"

/* A begin, end or error point. */
struct once_point {
	int64_t priority;	/* (N), 0 without */
};

static int64_t priority(const struct rprobe *rp)
{
	return ((const struct once_point *)rp->data)->priority;
}

/* begin / end / error, optionally (N). */
static bool resolve_once(struct rprobe *rp)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 0);
	struct once_point *pt;

	if (rp->pp->comps.len > 1) {
		struct pp_comp *extra = pp_comp_at(rp->pp, 1);
		diag_error(extra->loc, "unexpected '.%s' after '%s'",
			   extra->name, c->name);
		return false;
	}
	rp->data = pt = xcalloc(1, sizeof(*pt));
	return !c->arg || pp_num_arg(c, INT64_MIN, INT64_MAX, &pt->priority);
}

static bool resolve_never(struct rprobe *rp)
{
	return rp->pp->comps.len == 1 && pp_no_arg(pp_comp_at(rp->pp, 0));
}

static int by_priority(const void *a, const void *b)
{
	const struct rprobe *x = *(struct rprobe *const *)a;
	const struct rprobe *y = *(struct rprobe *const *)b;
	if (priority(x) != priority(y))
		return priority(x) < priority(y) ? -1 : 1;
	return x->id - y->id;
}

/* stap_<kind>_probes[]: the probes, sorted by priority. */
static void emit_once_table(FILE *out, const struct vec *rps, const char *kind)
{
	struct rprobe **sorted = xmalloc(rps->len * sizeof(*sorted));
	for (size_t i = 0; i < rps->len; i++)
		sorted[i] = vec_at(rps, i);
	qsort(sorted, rps->len, sizeof(*sorted), by_priority);

	fprintf(out, "static const struct stap_once_probe stap_%s_probes[] = {\n",
		kind);
	for (size_t i = 0; i < rps->len; i++)
		fprintf(out, "\t{ &stap_probe_infos[%d] },\n", sorted[i]->id);
	fputs("};\n", out);
	free(sorted);
}

static void emit_begin(FILE *out, const struct vec *rps)
{
	emit_once_table(out, rps, "begin");
}

static void emit_end(FILE *out, const struct vec *rps)
{
	emit_once_table(out, rps, "end");
}

static void emit_error(FILE *out, const struct vec *rps)
{
	emit_once_table(out, rps, "error");
}

static void emit_never(FILE *out, const struct vec *rps)
{
	(void)out, (void)rps;	/* nothing to register */
}

/* The session's own probes: core.c runs begin's after every family is
 * armed, end's and error's after every family is disarmed (their
 * arm_order keeps end before error). */
static const char *const begin_shapes[] = { "begin", "begin(N)", NULL };
static const char *const end_shapes[] = { "end", "end(N)", NULL };
static const char *const error_shapes[] = { "error", "error(N)", NULL };
static const char *const never_shapes[] = { "never", NULL };

#define ONCE_OPS(kind, hook) "{ ." hook " = stap_" kind "_run, " \
	".points = (void *)stap_" kind "_probes, " \
	".n = ARRAY_SIZE(stap_" kind "_probes) }"

const struct probe_family begin_family = {
	.name = "begin", .shapes = begin_shapes,
	.resolve = resolve_once, .emit_table = emit_begin,
	.runtime = "begin_end", .ops = ONCE_OPS("begin", "start"),
	.arm_order = 10, .unprivileged = pp_always_unprivileged,
	.handler_type = "begin_end",
};
const struct probe_family end_family = {
	.name = "end", .shapes = end_shapes,
	.resolve = resolve_once, .emit_table = emit_end,
	.runtime = "begin_end", .ops = ONCE_OPS("end", "stop"),
	.arm_order = 11, .unprivileged = pp_always_unprivileged,
	.handler_type = "begin_end",
};
const struct probe_family error_family = {
	.name = "error", .shapes = error_shapes,
	.resolve = resolve_once, .emit_table = emit_error,
	.runtime = "begin_end", .ops = ONCE_OPS("error", "stop"),
	.arm_order = 12, .unprivileged = pp_always_unprivileged,
	.handler_type = "begin_end",
};
const struct probe_family never_family = {
	.name = "never", .shapes = never_shapes,
	.resolve = resolve_never, .emit_table = emit_never,
	.unprivileged = pp_always_unprivileged,
};
