/*
 * The session's life: module init and exit, and the start/stop
 * callbacks the transport calls when stapio says START and STOP.
 *
 *   init   -> contexts, transport                      (LOADED)
 *   START  -> globals, begin probes, arm the families  (STARTING, RUNNING)
 *   STOP   -> disarm, end probes (error probes instead
 *             when errors end the session)             (STOPPING, STOPPED)
 *   exit   -> STOP if stapio never sent it, free everything
 *
 * The probe families are the generated stap_families[] (struct
 * stap_family_ops, runtime_core.h): core.c names none of them.
 */

static DEFINE_MUTEX(stap_core_lock);
static int stap_armed;		/* entries of stap_families[] armed so far */

static void stap_disarm_all(void)
{
	const struct stap_family_ops *f;

	while (stap_armed > 0) {
		f = &stap_families[--stap_armed];
		if (f->disarm)
			f->disarm(f->points, f->n);
	}
}

/* Process context: every family's start (or stop) hook, in order. */
static void stap_families_run(bool start)
{
	const struct stap_family_ops *f;

	for (f = stap_families; f->points; f++) {
		if (start && f->start)
			f->start(f->points, f->n);
		if (!start && f->stop)
			f->stop(f->points, f->n);
	}
}

/* Process context; may sleep.  Stops the session after a failed START
 * (the error probes still run). */
static void stap_start_failed(void)
{
	stap_disarm_all();
	atomic_set(&stap_error_exit, 1);
	atomic_set(&stap_session_state, STAP_SESSION_STOPPING);
	stap_families_run(false);
	atomic_set(&stap_session_state, STAP_SESSION_STOPPED);
}

/*
 * Process context (the ctl write handler); may sleep.  Every family is
 * armed before the begin probes run, so a probe that cannot be armed
 * (an unknown kernel symbol, say) fails the start before any script
 * code ran; armed probes wait for RUNNING, after the begin probes.
 */
int stap_core_start(void)
{
	const struct stap_family_ops *f;
	int rc = 0;

	mutex_lock(&stap_core_lock);
	if (atomic_read(&stap_session_state) != STAP_SESSION_LOADED) {
		rc = -EALREADY;
		goto out;
	}
	stap_globals_init();
	atomic_set(&stap_session_state, STAP_SESSION_STARTING);
	for (f = stap_families; f->points; f++, stap_armed++) {
		rc = f->arm ? f->arm(f->points, f->n) : 0;
		if (rc) {
			stap_start_failed();
			goto out;
		}
	}
	stap_families_run(true);
	atomic_cmpxchg(&stap_session_state, STAP_SESSION_STARTING,
		       STAP_SESSION_RUNNING);
out:
	mutex_unlock(&stap_core_lock);
	return rc;
}

/* Strings cut at MAXSTRINGLEN are counted (string.c), and probes
 * skipped because they would have nested on their CPU: a warning each at
 * the end, after the end probes' output.  Process context. */
static void stap_report_warnings(void)
{
	int truncated = atomic_read(&stap_truncated_count);
	int reentrant = atomic_read(&stap_skipped_reentrant);
	char line[128];
	int n;

	preempt_disable();	/* stap_data_write() wants its cpu fixed */
	if (truncated) {
		n = scnprintf(line, sizeof(line),
			      "WARNING: %d string%s truncated to MAXSTRINGLEN "
			      "(%d bytes; raise it with -D MAXSTRINGLEN=N)\n",
			      truncated, truncated == 1 ? "" : "s",
			      MAXSTRINGLEN - 1);
		stap_data_write(STAP_STREAM_STDERR, line, n);
	}
	if (reentrant) {
		n = scnprintf(line, sizeof(line),
			      "WARNING: Skipped due to reentrancy: %d\n",
			      reentrant);
		stap_data_write(STAP_STREAM_STDERR, line, n);
	}
	preempt_enable();
}

/* Process context; may sleep.  Idempotent. */
void stap_core_stop(void)
{
	mutex_lock(&stap_core_lock);
	if (atomic_read(&stap_session_state) == STAP_SESSION_STOPPED ||
	    atomic_read(&stap_session_state) == STAP_SESSION_LOADED)
		goto out;
	stap_disarm_all();
	atomic_set(&stap_session_state, STAP_SESSION_STOPPING);
	stap_families_run(false);
	atomic_set(&stap_session_state, STAP_SESSION_STOPPED);
	stap_report_warnings();
	stap_transport_report_counts(atomic_read(&stap_error_count),
				     atomic_read(&stap_skipped_count) +
				     atomic_read(&stap_skipped_reentrant));
out:
	mutex_unlock(&stap_core_lock);
}

/* 1 when errors or too many skipped probes marred the run.  Under
 * STAP_SUPPRESS_HANDLER_ERRORS the user chose to tolerate those (they
 * are only reported): 1 only when the session could not start. */
int stap_core_exit_status(void)
{
	if (IS_ENABLED(STAP_SUPPRESS_HANDLER_ERRORS))
		return atomic_read(&stap_error_exit);
	return atomic_read(&stap_error_count) ||
	       atomic_read(&stap_skipped_count) > MAXSKIPPED ? 1 : 0;
}

static int __init stap_module_init(void)
{
	int rc = stap_contexts_alloc();

	if (!rc)
		rc = stap_globals_alloc();
	if (!rc)
		rc = stap_transport_init();
	if (rc) {
		stap_globals_free();
		stap_contexts_free();
	}
	return rc;
}

static void __exit stap_module_exit(void)
{
	stap_core_stop();	/* stapio died without STOP: disarm */
	stap_transport_exit();
	stap_globals_free();
	stap_contexts_free();
}

module_init(stap_module_init);
module_exit(stap_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SystemTap script module");
