/*
 * timer.* probes: one hrtimer per probe, restarted every period on the
 * CPU it fired on.  The callback runs in hard-irq context (soft-irq
 * thread on -rt kernels); stap_run_probe() copes with both.
 */

static enum hrtimer_restart stap_timer_fire(struct hrtimer *t)
{
	struct stap_timer_probe *tp =
		container_of(t, struct stap_timer_probe, timer);

	stap_run_probe(tp->info, STAP_SESSION_RUNNING);
	hrtimer_forward_now(t, ns_to_ktime(tp->period_ns));
	return HRTIMER_RESTART;
}

/* Process context. */
static int stap_timer_probes_register(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stap_timer_probes); i++) {
		struct stap_timer_probe *tp = &stap_timer_probes[i];
#ifdef STAP_HAVE_HRTIMER_SETUP
		hrtimer_setup(&tp->timer, stap_timer_fire, CLOCK_MONOTONIC,
			      HRTIMER_MODE_REL);
#else
		hrtimer_init(&tp->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
		tp->timer.function = stap_timer_fire;
#endif
		hrtimer_start(&tp->timer, ns_to_ktime(tp->period_ns),
			      HRTIMER_MODE_REL);
		tp->armed = true;
	}
	return 0;
}

/* Process context; waits for running callbacks to finish. */
static void stap_timer_probes_unregister(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stap_timer_probes); i++) {
		if (!stap_timer_probes[i].armed)
			continue;
		hrtimer_cancel(&stap_timer_probes[i].timer);
		stap_timer_probes[i].armed = false;
	}
}
