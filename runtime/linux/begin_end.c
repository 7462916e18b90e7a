/*
 * begin, end and error probes: run once each, in the order the
 * translator sorted them (priority, then source order), from the
 * control channel's write handler (process context).  A begin probe
 * that calls exit() or fails ends the begin phase.  When errors end
 * the session (more than MAXERRORS, too many skipped probes, a probe
 * that cannot be armed) the error probes run instead of the end
 * probes, each one attempted even if another fails; an end probe that
 * ends the session so skips the remaining end probes and starts the
 * error probes, as upstream does.
 */

static void stap_run_once(const struct stap_once_probe *p, size_t n, int state,
			  bool until_error)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (atomic_read(&stap_session_state) != state)
			return;
		if (until_error && atomic_read(&stap_error_exit))
			return;
		stap_run_probe(p[i].info, state);
	}
}

static void stap_begin_probes_run(void)
{
#ifdef STAP_HAVE_BEGIN_PROBES
	stap_run_once(stap_begin_probes, ARRAY_SIZE(stap_begin_probes),
		      STAP_SESSION_STARTING, true);
#endif
}

/* The end probes, unless the session ends because of errors; then, or
 * when an end probe ends it so, the error probes. */
static void stap_end_probes_run(void)
{
#ifdef STAP_HAVE_END_PROBES
	stap_run_once(stap_end_probes, ARRAY_SIZE(stap_end_probes),
		      STAP_SESSION_STOPPING, true);
#endif
#ifdef STAP_HAVE_ERROR_PROBES
	if (atomic_read(&stap_error_exit))
		stap_run_once(stap_error_probes, ARRAY_SIZE(stap_error_probes),
			      STAP_SESSION_STOPPING, false);
#endif
}
