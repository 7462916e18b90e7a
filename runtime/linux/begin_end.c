/*
 * begin and end probes: run once each, in the order the translator
 * sorted them (priority, then source order), from the control
 * channel's write handler (process context).  A begin probe that calls
 * exit() or fails ends the begin phase.
 */

static void stap_run_once(const struct stap_once_probe *p, size_t n, int state)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (atomic_read(&stap_session_state) != state)
			return;
		stap_run_probe(p[i].info, state);
	}
}

static void stap_begin_probes_run(void)
{
#ifdef STAP_HAVE_BEGIN_PROBES
	stap_run_once(stap_begin_probes, ARRAY_SIZE(stap_begin_probes),
		      STAP_SESSION_STARTING);
#endif
}

static void stap_end_probes_run(void)
{
#ifdef STAP_HAVE_END_PROBES
	stap_run_once(stap_end_probes, ARRAY_SIZE(stap_end_probes),
		      STAP_SESSION_STOPPING);
#endif
}
