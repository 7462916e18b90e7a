/*
 * timer.* probes: hrtimers restarted every period.  A plain timer is one
 * hrtimer; timer.profile is one pinned hrtimer per online CPU, firing
 * every tick, so the probe samples what each CPU is doing.  With
 * .randomize(R) each period is drawn from [period - R, period + R].
 * Callbacks run in hard-irq context (soft-irq thread on -rt kernels);
 * stap_run_probe() copes with both.  The module's table is
 * stap_timer_probes[]; arm and disarm get it from stap_families[].
 */
#include <linux/random.h>
#include <linux/cpu.h>
#include <linux/math64.h>

/* timer.*: fires every period_ns (+- randomize_ns); per_cpu (timer.profile):
 * on every CPU. */
struct stap_timer_cpu {
	struct hrtimer timer;
	struct stap_timer_probe *probe;
	bool armed;
};

struct stap_timer_probe {
	const struct stap_probe_info *info;
	u64 period_ns;
	u64 randomize_ns;
	bool per_cpu;
	struct hrtimer timer;
	struct stap_timer_cpu __percpu *cpus;
	bool armed;
};

static u64 stap_timer_next(const struct stap_timer_probe *tp)
{
	u64 span;

	if (!tp->randomize_ns)
		return tp->period_ns;
	span = 2 * tp->randomize_ns + 1;
	return tp->period_ns - tp->randomize_ns +
	       mul_u64_u32_shr(span, get_random_u32(), 32);
}

static enum hrtimer_restart stap_timer_run(struct hrtimer *t,
					    struct stap_timer_probe *tp)
{
	stap_run_probe(tp->info, STAP_SESSION_RUNNING);
	hrtimer_forward_now(t, ns_to_ktime(stap_timer_next(tp)));
	return HRTIMER_RESTART;
}

static enum hrtimer_restart stap_timer_fire(struct hrtimer *t)
{
	return stap_timer_run(t, container_of(t, struct stap_timer_probe, timer));
}

static enum hrtimer_restart stap_timer_fire_cpu(struct hrtimer *t)
{
	struct stap_timer_cpu *tc = container_of(t, struct stap_timer_cpu, timer);

	return stap_timer_run(t, tc->probe);
}

static void stap_timer_setup(struct hrtimer *t,
			     enum hrtimer_restart (*fn)(struct hrtimer *),
			     enum hrtimer_mode mode)
{
#ifdef STAP_HAVE_HRTIMER_SETUP
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, mode);
#else
	hrtimer_init(t, CLOCK_MONOTONIC, mode);
	t->function = fn;
#endif
}

/* IPI context, on each CPU: arms that CPU's timer of one probe. */
static void stap_timer_start_cpu(void *arg)
{
	struct stap_timer_probe *tp = arg;
	struct stap_timer_cpu *tc = this_cpu_ptr(tp->cpus);

	tc->probe = tp;
	stap_timer_setup(&tc->timer, stap_timer_fire_cpu,
			 HRTIMER_MODE_REL_PINNED);
	hrtimer_start(&tc->timer, ns_to_ktime(stap_timer_next(tp)),
		      HRTIMER_MODE_REL_PINNED);
	tc->armed = true;
}

static void stap_timer_disarm(void *points, size_t n);

/* Process context.  All or nothing. */
static int stap_timer_arm(void *points, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct stap_timer_probe *tp = (struct stap_timer_probe *)points + i;

		if (tp->per_cpu) {
			tp->cpus = alloc_percpu(struct stap_timer_cpu);
			if (!tp->cpus) {
				stap_timer_disarm(points, n);
				return -ENOMEM;
			}
			cpus_read_lock();
			on_each_cpu(stap_timer_start_cpu, tp, 1);
			cpus_read_unlock();
		} else {
			stap_timer_setup(&tp->timer, stap_timer_fire,
					 HRTIMER_MODE_REL);
			hrtimer_start(&tp->timer,
				      ns_to_ktime(stap_timer_next(tp)),
				      HRTIMER_MODE_REL);
		}
		tp->armed = true;
	}
	return 0;
}

/* Process context; waits for running callbacks to finish. */
static void stap_timer_disarm(void *points, size_t n)
{
	size_t i;
	int cpu;

	for (i = 0; i < n; i++) {
		struct stap_timer_probe *tp = (struct stap_timer_probe *)points + i;

		if (tp->cpus) {
			for_each_possible_cpu(cpu) {
				struct stap_timer_cpu *tc = per_cpu_ptr(tp->cpus, cpu);
				if (tc->armed)
					hrtimer_cancel(&tc->timer);
				tc->armed = false;
			}
			free_percpu(tp->cpus);
			tp->cpus = NULL;
		} else if (tp->armed) {
			hrtimer_cancel(&tp->timer);
		}
		tp->armed = false;
	}
}
