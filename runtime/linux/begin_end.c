/*
 * begin, end and error probes: the session's own, run once each, in
 * the order the translator sorted them (priority, then source order),
 * by the session core's start and stop hooks (core.c, process
 * context).  A begin probe that calls exit() or fails ends the begin
 * phase.  When errors end the session (more than MAXERRORS, too many
 * skipped probes, a probe that cannot be armed) the error probes run
 * instead of the end probes, each one attempted even if another fails;
 * an end probe that ends the session so skips the remaining end probes
 * and starts the error probes, as upstream does (stap_families[] lists
 * end before error).
 */

/* One begin, end or error probe: the generated stap_begin_probes[],
 * stap_end_probes[] and stap_error_probes[] hold these. */
struct stap_once_probe {
	const struct stap_probe_info *info;
};

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

/* START, after every family is armed. */
static void stap_begin_run(void *points, size_t n)
{
	stap_run_once(points, n, STAP_SESSION_STARTING, true);
}

/* STOP: the end probes, unless the session ends because of errors. */
static void stap_end_run(void *points, size_t n)
{
	stap_run_once(points, n, STAP_SESSION_STOPPING, true);
}

/* STOP, after the end probes: the error probes, if errors end it. */
static void stap_error_run(void *points, size_t n)
{
	if (atomic_read(&stap_error_exit))
		stap_run_once(points, n, STAP_SESSION_STOPPING, false);
}
