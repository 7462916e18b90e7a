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
 * Probe families with something to arm are listed in stap_families[]:
 * a new family adds one line.
 */

struct stap_family_ops {
	int (*arm)(void);
	void (*disarm)(void);
};

static const struct stap_family_ops stap_families[] = {
#ifdef STAP_HAVE_KPROBE_PROBES	/* slowest to arm: before the timers start */
	{ stap_kprobes_register, stap_kprobes_unregister },
#endif
#ifdef STAP_HAVE_TIMER_PROBES
	{ stap_timer_probes_register, stap_timer_probes_unregister },
#endif
#ifdef STAP_HAVE_PROCFS_PROBES
	{ stap_procfs_register, stap_procfs_unregister },
#endif
	{ NULL, NULL },
};

static DEFINE_MUTEX(stap_core_lock);
static int stap_armed;		/* families armed so far */

static void stap_disarm_all(void)
{
	while (stap_armed > 0)
		stap_families[--stap_armed].disarm();
}

/*
 * Process context (the ctl write handler); may sleep.  Every family is
 * armed before the begin probes run, so a probe that cannot be armed
 * (an unknown kprobe symbol, say) fails the start before any script
 * code ran; armed probes wait for RUNNING, after the begin probes.
 */
int stap_core_start(void)
{
	int rc = 0;

	mutex_lock(&stap_core_lock);
	if (atomic_read(&stap_session_state) != STAP_SESSION_LOADED) {
		rc = -EALREADY;
		goto out;
	}
	stap_globals_init();
	atomic_set(&stap_session_state, STAP_SESSION_STARTING);
	while (stap_families[stap_armed].arm) {
		rc = stap_families[stap_armed].arm();
		if (rc) {	/* the error probes still run */
			stap_disarm_all();
			atomic_set(&stap_error_exit, 1);
			atomic_set(&stap_session_state, STAP_SESSION_STOPPING);
			stap_end_probes_run();
			atomic_set(&stap_session_state, STAP_SESSION_STOPPED);
			goto out;
		}
		stap_armed++;
	}
	stap_begin_probes_run();
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
	stap_end_probes_run();
	atomic_set(&stap_session_state, STAP_SESSION_STOPPED);
	stap_report_warnings();
	stap_transport_report_counts(atomic_read(&stap_error_count),
				     atomic_read(&stap_skipped_count) +
				     atomic_read(&stap_skipped_reentrant));
out:
	mutex_unlock(&stap_core_lock);
}

int stap_core_exit_status(void)
{
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
