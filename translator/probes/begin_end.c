/*
 * begin, end, error and never probes: begin(N) and end(N) run once, in
 * priority order (lower N first, then source order), when the session
 * starts and stops; error(N) probes run instead of the end probes when
 * the session stops after runtime errors; never probes are checked and
 * then never run.
 */
#include <ctype.h>
#include <stdlib.h>
#include "probes.h"
#include "util/diag.h"

/* begin / end / error, optionally (N): the priority goes to param[0]. */
static bool resolve_once(struct rprobe *rp)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 0);
	if (rp->pp->comps.len > 1) {
		struct pp_comp *extra = pp_comp_at(rp->pp, 1);
		diag_error(extra->loc, "unexpected '.%s' after '%s'",
			   extra->name, c->name);
		return false;
	}
	rp->param[0] = 0;
	return !c->arg || pp_num_arg(c, INT64_MIN, INT64_MAX, &rp->param[0]);
}

static bool resolve_never(struct rprobe *rp)
{
	return rp->pp->comps.len == 1 && pp_no_arg(pp_comp_at(rp->pp, 0));
}

static int by_priority(const void *a, const void *b)
{
	const struct rprobe *x = *(struct rprobe *const *)a;
	const struct rprobe *y = *(struct rprobe *const *)b;
	if (x->param[0] != y->param[0])
		return x->param[0] < y->param[0] ? -1 : 1;
	return x->id - y->id;
}

/* stap_<kind>_probes[] (and STAP_HAVE_<KIND>_PROBES): the probes,
 * sorted by priority. */
static void emit_once_table(FILE *out, const struct vec *rps, const char *kind)
{
	char *upper = xstrdup(kind);
	struct rprobe **sorted = xmalloc(rps->len * sizeof(*sorted));
	for (size_t i = 0; i < rps->len; i++)
		sorted[i] = vec_at(rps, i);
	qsort(sorted, rps->len, sizeof(*sorted), by_priority);

	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	fprintf(out, "#define STAP_HAVE_%s_PROBES 1\n", upper);
	fprintf(out, "static const struct stap_once_probe stap_%s_probes[] = {\n",
		kind);
	for (size_t i = 0; i < rps->len; i++)
		fprintf(out, "\t{ &stap_probe_infos[%d] },\n", sorted[i]->id);
	fputs("};\n", out);
	free(sorted);
	free(upper);
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

const struct probe_family begin_family = {
	.name = "begin", .resolve = resolve_once, .emit_table = emit_begin,
	.unprivileged = pp_always_unprivileged,
};
const struct probe_family end_family = {
	.name = "end", .resolve = resolve_once, .emit_table = emit_end,
	.unprivileged = pp_always_unprivileged,
};
const struct probe_family error_family = {
	.name = "error", .resolve = resolve_once, .emit_table = emit_error,
	.unprivileged = pp_always_unprivileged,
};
const struct probe_family never_family = {
	.name = "never", .resolve = resolve_never, .emit_table = emit_never,
	.unprivileged = pp_always_unprivileged,
};
