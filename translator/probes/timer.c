/*
 * timer.ns/us/ms/s(N), timer.hz(N) and timer.jiffies(N), each optionally
 * .randomize(R): a probe that fires periodically on one CPU; and
 * timer.profile (or timer.profile.tick): every tick on every CPU.  Its runtime is
 * runtime/linux/timer.c.
 */
#include <string.h>
#include "probes.h"
#include "util/diag.h"

enum timer_unit { T_NS, T_US, T_MS, T_S, T_HZ, T_JIFFIES, T_PROFILE };

/* One timer point: its period and randomization in its unit, as
 * written (the C writes the conversion to nanoseconds). */
struct timer_point {
	enum timer_unit unit;
	int64_t period;		/* T_PROFILE: unused (a tick) */
	int64_t randomize;	/* 0: none */
};

static const struct { const char *name; enum timer_unit unit; } units[] = {
	{"ns", T_NS}, {"us", T_US}, {"ms", T_MS}, {"s", T_S},
	{"sec", T_S}, {"msec", T_MS}, {"usec", T_US}, {"nsec", T_NS},
	{"hz", T_HZ}, {"jiffies", T_JIFFIES},
};

static bool resolve_timer(struct rprobe *rp)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 1);
	struct timer_point *pt;

	if (!pp_no_arg(pp_comp_at(rp->pp, 0)))
		return false;
	if (!c) {
		diag_error(rp->pp->loc, "incomplete probe point 'timer': "
			   "expected timer.ms(N), .s, .us, .ns, .hz or .jiffies");
		return false;
	}
	rp->data = pt = xcalloc(1, sizeof(*pt));
	if (strcmp(c->name, "profile") == 0) {
		pt->unit = T_PROFILE;
		struct pp_comp *tick = pp_comp_at(rp->pp, 2);
		size_t n = 2;	/* components: timer.profile[.tick] */
		if (tick && strcmp(tick->name, "tick") == 0) {
			if (!pp_no_arg(tick))	/* upstream's own name for it */
				return false;
			n = 3;
		}
		if (rp->pp->comps.len > n) {
			struct pp_comp *extra = pp_comp_at(rp->pp, n);
			diag_error(extra->loc, "unexpected '.%s' after "
				   "timer.profile", extra->name);
			return false;
		}
		return pp_no_arg(c);
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
	struct pp_comp *rnd = pp_comp_at(rp->pp, 2);
	if (rnd && (strcmp(rnd->name, "randomize") != 0 ||
		    rp->pp->comps.len > 3 || units[i].unit == T_HZ)) {
		diag_error(rnd->loc, "unexpected '.%s' after 'timer.%s' (only "
			   ".randomize(N) may follow, and not after .hz)",
			   rnd->name, c->name);
		return false;
	}
	pt->unit = units[i].unit;
	/* as upstream: a period from 100 us to a day */
	static const int64_t min[] = { [T_NS] = 100000, [T_US] = 100,
		[T_MS] = 1, [T_S] = 1, [T_HZ] = 1, [T_JIFFIES] = 1 };
	static const int64_t max[] = { [T_NS] = 86400000000000,
		[T_US] = 86400000000, [T_MS] = 86400000, [T_S] = 86400,
		[T_HZ] = 10000, [T_JIFFIES] = 1000000000 };
	if (!pp_num_arg(c, min[pt->unit], max[pt->unit], &pt->period))
		return false;
	if (rnd && !pp_num_arg(rnd, 0, pt->period - 1 > 0 ? pt->period - 1 : 0,
			       &pt->randomize))
		return false;
	return true;
}

/* n of the probe's unit as a C expression in nanoseconds. */
static void emit_ns(FILE *out, const struct timer_point *pt, long long n)
{
	switch (pt->unit) {
	case T_PROFILE: fputs("TICK_NSEC", out); break;
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
	fputs("static struct stap_timer_probe stap_timer_probes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct timer_point *pt = rp->data;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .period_ns = ",
			rp->id);
		emit_ns(out, pt, (long long)pt->period);
		if (pt->randomize) {
			fputs(", .randomize_ns = ", out);
			emit_ns(out, pt, (long long)pt->randomize);
		}
		if (pt->unit == T_PROFILE)
			fputs(", .per_cpu = true", out);
		fputs(" },\n", out);
	}
	fputs("};\n", out);
}

/* Upstream lets unprivileged users have every timer but timer.profile,
 * which runs on every CPU whatever runs there. */
static bool timer_unprivileged(const struct rprobe *rp)
{
	return ((const struct timer_point *)rp->data)->unit != T_PROFILE;
}

static const char *const timer_shapes[] = {
	"timer.ns(N)", "timer.us(N)", "timer.ms(N)", "timer.s(N)",
	"timer.sec(N)", "timer.msec(N)", "timer.usec(N)", "timer.nsec(N)",
	"timer.hz(N)", "timer.jiffies(N)", "timer.profile", "timer.profile.tick",
	"timer.ns(N).randomize(N)", "timer.us(N).randomize(N)",
	"timer.ms(N).randomize(N)", "timer.s(N).randomize(N)",
	"timer.sec(N).randomize(N)", "timer.msec(N).randomize(N)",
	"timer.usec(N).randomize(N)", "timer.nsec(N).randomize(N)",
	"timer.jiffies(N).randomize(N)", NULL
};

const struct probe_family timer_family = {
	.name = "timer", .shapes = timer_shapes, .resolve = resolve_timer, .emit_table = emit_timer,
	.runtime = "timer", .arm_order = 2,
	.ops = "{ .arm = stap_timer_arm, .disarm = stap_timer_disarm, "
	       ".points = stap_timer_probes, "
	       ".n = ARRAY_SIZE(stap_timer_probes) }",
	.unprivileged = timer_unprivileged,
	.handler_type = "hrtimer",	/* every unit, timer.profile too */
};
