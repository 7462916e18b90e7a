/*
 * begin, end and never probes: begin(N) and end(N) run once, in
 * priority order (lower N first, then source order), when the session
 * starts and stops; never probes are checked and then never run.
 */
#include <stdlib.h>
#include "probes.h"
#include "util/diag.h"

/* begin / begin(N) / end / end(N): the priority goes to param[0]. */
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

/* stap_<kind>_probes[]: handler, probe point text, sorted by priority. */
static void emit_once_table(FILE *out, const struct vec *rps, const char *kind)
{
	struct rprobe **sorted = xmalloc(rps->len * sizeof(*sorted));
	for (size_t i = 0; i < rps->len; i++)
		sorted[i] = vec_at(rps, i);
	qsort(sorted, rps->len, sizeof(*sorted), by_priority);

	fprintf(out, "#define STAP_HAVE_%s_PROBES 1\n", kind);
	fprintf(out, "static const struct stap_once_probe stap_%s_probes[] = {\n",
		kind[0] == 'B' ? "begin" : "end");
	for (size_t i = 0; i < rps->len; i++)
		fprintf(out, "\t{ &stap_probe_infos[%d] },\n", sorted[i]->id);
	fputs("};\n", out);
	free(sorted);
}

static void emit_begin(FILE *out, const struct vec *rps)
{
	emit_once_table(out, rps, "BEGIN");
}

static void emit_end(FILE *out, const struct vec *rps)
{
	emit_once_table(out, rps, "END");
}

static void emit_never(FILE *out, const struct vec *rps)
{
	(void)out, (void)rps;	/* nothing to register */
}

const struct probe_family begin_family = { "begin", resolve_once, emit_begin,
	NULL, pp_always_unprivileged };
const struct probe_family end_family = { "end", resolve_once, emit_end,
	NULL, pp_always_unprivileged };
const struct probe_family never_family = { "never", resolve_never, emit_never,
	NULL, pp_always_unprivileged };
