/*
 * timer.ns/us/ms/s(N), timer.hz(N) and timer.jiffies(N): a probe that
 * fires periodically on one CPU.  The period goes to param[0] in its
 * unit, param[1] holds the unit (enum below).
 */
#include <string.h>
#include "probes.h"
#include "util/diag.h"

enum timer_unit { T_NS, T_US, T_MS, T_S, T_HZ, T_JIFFIES };

static const struct { const char *name; enum timer_unit unit; } units[] = {
	{"ns", T_NS}, {"us", T_US}, {"ms", T_MS}, {"s", T_S},
	{"sec", T_S}, {"msec", T_MS}, {"usec", T_US}, {"nsec", T_NS},
	{"hz", T_HZ}, {"jiffies", T_JIFFIES},
};

static bool resolve_timer(struct rprobe *rp)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 1);
	if (!pp_no_arg(pp_comp_at(rp->pp, 0)))
		return false;
	if (!c) {
		diag_error(rp->pp->loc, "incomplete probe point 'timer': "
			   "expected timer.ms(N), .s, .us, .ns, .hz or .jiffies");
		return false;
	}
	size_t i;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, c->name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		diag_error(c->loc, "unknown timer probe 'timer.%s': expected "
			   "ms, s, us, ns, hz or jiffies", c->name);
		return false;
	}
	if (rp->pp->comps.len > 2) {
		struct pp_comp *extra = pp_comp_at(rp->pp, 2);
		diag_error(extra->loc, "not supported yet: 'timer.%s.%s'",
			   c->name, extra->name);
		return false;
	}
	rp->param[1] = units[i].unit;
	int64_t min = units[i].unit == T_NS ? 100000 : 1;
	return pp_num_arg(c, min, 1000000000, &rp->param[0]);
}

/* The period as a C expression in nanoseconds. */
static void emit_period(FILE *out, const struct rprobe *rp)
{
	long long n = (long long)rp->param[0];
	switch ((enum timer_unit)rp->param[1]) {
	case T_NS: fprintf(out, "%lldULL", n); break;
	case T_US: fprintf(out, "%lldULL * NSEC_PER_USEC", n); break;
	case T_MS: fprintf(out, "%lldULL * NSEC_PER_MSEC", n); break;
	case T_S: fprintf(out, "%lldULL * NSEC_PER_SEC", n); break;
	case T_HZ: fprintf(out, "NSEC_PER_SEC / %lldULL", n); break;
	case T_JIFFIES: fprintf(out, "%lldULL * TICK_NSEC", n); break;
	}
}

static void emit_timer(FILE *out, const struct vec *rps)
{
	fputs("#define STAP_HAVE_TIMER_PROBES 1\n", out);
	fputs("static struct stap_timer_probe stap_timer_probes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .period_ns = ",
			rp->id);
		emit_period(out, rp);
		fputs(" },\n", out);
	}
	fputs("};\n", out);
}

const struct probe_family timer_family = { "timer", resolve_timer, emit_timer };
