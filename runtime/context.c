/*
 * Probe contexts and the session state.
 *
 * Each CPU has one `struct context`: the scratch space of the probe
 * running on it (locals, string temporaries, the print buffer, the
 * error slot).  A probe that fires while another runs on the same CPU
 * (an interrupt, say) finds the context busy and is skipped, counted
 * apart from the probes skipped on a contended global lock (lock.c).
 * So a context, and the CPU's data buffer, has one writer at a time.
 *
 * Included after the generated code has defined `union stap_locals`.
 */

enum stap_session_state {
	STAP_SESSION_LOADED,	/* module loaded, stapio not started us */
	STAP_SESSION_STARTING,	/* begin probes run */
	STAP_SESSION_RUNNING,	/* every probe runs */
	STAP_SESSION_STOPPING,	/* exit() or error: only end probes run */
	STAP_SESSION_STOPPED,
};

/* What the runtime knows of one probe point. */
struct context;
struct stap_probe_info {
	const char *pp;		/* "timer.ms(200)" */
	void (*handler)(struct context *c);
	/* A .return probe whose handler uses @entry: run at the probed
	 * function's entry, it fills the entry record (entry_size bytes at
	 * c->entry_data) that the handler reads at the return.  NULL: no
	 * record. */
	void (*entry)(struct context *c);
	size_t entry_size;
	const char *pn;		/* the point as the script named it, an
				 * alias's name ("syscall.read"), or NULL */
	const char *type;	/* probe_type(): "kprobe", "hrtimer" ... */
};

struct context {
	atomic_t busy;
	const struct stap_probe_info *probe;
	void *probe_data;		/* what the family passes the hit,
					 * e.g. a file's buffer */
	void *entry_data;		/* a .return hit's entry record (the
					 * info's entry fills it), or NULL */
	struct pt_regs *regs;		/* the probed code's registers (kprobe
					 * families), or NULL: target variables
					 * in registers and frames read them */
	const char *last_error;		/* set: the probe stops */
	const char *last_loc;		/* "identifier 'x' at f:1:2" */
	long actions_left;		/* statements the hit may still run:
					 * MAXACTION, or MAXACTION_INTERRUPTIBLE
					 * for begin, end and error probes */
	bool interruptible;		/* a begin, end or error probe */
	/* error()'s message, or a formatted runtime error's */
	char error_msg[MAXSTRINGLEN > 128 ? MAXSTRINGLEN : 128];
	struct stap_sb out;		/* print buffer, drains to stdout */
	char out_buf[STAP_PRINT_BUF_SIZE];
	int nesting;			/* function call depth, vs MAXNESTING */
	bool next_overload;		/* `next` ran in the function just
					 * called: its caller runs the next
					 * overload */
	union stap_locals locals[MAXNESTING + 1];	/* [0]: the handler's
							 * frame, [n]: depth n */
#ifdef STAP_NEED_REGEX
	struct stap_re_state re;	/* =~ and matched() */
#endif
};

static atomic_t stap_session_state = ATOMIC_INIT(STAP_SESSION_LOADED);
static atomic_t stap_error_count = ATOMIC_INIT(0);
static atomic_t stap_skipped_count = ATOMIC_INIT(0);	/* lock timeouts */
static atomic_t stap_skipped_reentrant = ATOMIC_INIT(0);
static atomic_t stap_exit_signalled = ATOMIC_INIT(0);
static atomic_t stap_error_exit = ATOMIC_INIT(0);	/* the session ends
							 * because of errors:
							 * error probes run,
							 * not end probes */
static struct context **stap_contexts;	/* [nr_cpu_ids] */

static void stap_print_flush(struct stap_sb *sb)
{
	if (sb->len)
		stap_data_write(STAP_STREAM_STDOUT, sb->buf, sb->len);
	sb->len = 0;
}

/* Allocates every possible CPU's context.  Process context. */
static int stap_contexts_alloc(void)
{
	int cpu;

	stap_contexts = kcalloc(nr_cpu_ids, sizeof(*stap_contexts),
				GFP_KERNEL);
	if (!stap_contexts)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct context *c = vzalloc(sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->out.buf = c->out_buf;
		c->out.cap = sizeof(c->out_buf);
		c->out.flush = stap_print_flush;
		stap_contexts[cpu] = c;
	}
	return 0;
}

static void stap_contexts_free(void)
{
	int cpu;

	if (!stap_contexts)
		return;
	for_each_possible_cpu(cpu)
		vfree(stap_contexts[cpu]);
	kfree(stap_contexts);
	stap_contexts = NULL;
}

/* Ends the session from any context: stapio will send STOP. */
static void stap_request_exit(void)
{
	int s = atomic_read(&stap_session_state);
	if (s == STAP_SESSION_STARTING || s == STAP_SESSION_RUNNING)
		atomic_cmpxchg(&stap_session_state, s, STAP_SESSION_STOPPING);
	if (!atomic_xchg(&stap_exit_signalled, 1))
		stap_transport_request_exit();
}

/* Ends the session because of errors (too many, too many skipped
 * probes, a probe that could not be armed). */
static void stap_request_error_exit(void)
{
	atomic_set(&stap_error_exit, 1);
	stap_request_exit();
}

/* abort()'s mark in last_error: the probe stops at once, as on an
 * error, but nothing is reported and no try catches it. */
static const char stap_abort_mark[] = "abort()";

/* A runtime error in the probe running in c; it stops at once. */
static void stap_error(struct context *c, const char *msg, const char *loc)
{
	if (c->last_error)
		return;
	c->last_error = msg;
	c->last_loc = loc;
}

/* stap_error with a message formatted into the context's error_msg. */
static void stap_errorf(struct context *c, const char *loc,
			const char *fmt, ...)
{
	va_list ap;

	if (c->last_error)
		return;
	va_start(ap, fmt);
	vscnprintf(c->error_msg, sizeof(c->error_msg), fmt, ap);
	va_end(ap);
	stap_error(c, c->error_msg, loc);
}

/* Writes "ERROR: msg near loc" and ends the session when the error
 * budget is spent.  Under STAP_SUPPRESS_HANDLER_ERRORS (stap
 * --suppress-handler-errors) the error is only counted, as upstream
 * does: the count is reported at the end.  Probe context, at the end
 * of the probe. */
static void stap_report_error(struct context *c)
{
	char line[256];
	int n;

#ifdef STAP_SUPPRESS_HANDLER_ERRORS
	atomic_inc(&stap_error_count);
	return;
#endif

	if (c->last_loc)
		n = scnprintf(line, sizeof(line), "ERROR: %s near %s\n",
			      c->last_error, c->last_loc);
	else
		n = scnprintf(line, sizeof(line), "ERROR: %s\n",
			      c->last_error);
	stap_data_write(STAP_STREAM_STDERR, line, n);
	if (atomic_inc_return(&stap_error_count) > MAXERRORS)
		stap_request_error_exit();
}

/*
 * A probe hit that did not run because a global's lock stayed
 * contended (lock.c).  MAXSKIPPED of them end the run with an error
 * (not under STAP_SUPPRESS_HANDLER_ERRORS: they are only counted).
 */
static void stap_skip_probe(void)
{
	if (atomic_inc_return(&stap_skipped_count) == MAXSKIPPED + 1 &&
	    !IS_ENABLED(STAP_SUPPRESS_HANDLER_ERRORS)) {
		static const char msg[] = "ERROR: Skipped too many probes, "
			"check MAXSKIPPED or try again with stap -t for "
			"more details (raise the limit with -D MAXSKIPPED=N)\n";
		stap_data_write(STAP_STREAM_STDERR, msg, sizeof(msg) - 1);
		stap_request_error_exit();
	}
}

/*
 * Runs fn (info's handler, or its entry function) for one probe hit if
 * the session is in `state`, with `data` in c->probe_data for the
 * handler's family-specific accessors, `regs` (or NULL) in c->regs for
 * target variables and `entry_data` (or NULL) in c->entry_data, a
 * .return hit's @entry record.  True when fn ran and ended without an
 * error.  Any context; it disables preemption itself so that the CPU's
 * context stays ours.
 */
static bool stap_run_fn(const struct stap_probe_info *info, int state,
			void *data, struct pt_regs *regs, void *entry_data,
			void (*fn)(struct context *c))
{
	struct context *c;
	bool ok = false;

	if (atomic_read(&stap_session_state) != state)
		return false;
	preempt_disable();
	c = stap_contexts[smp_processor_id()];
	if (atomic_inc_return(&c->busy) != 1) {
		/* a probe hit inside another on this CPU: counted apart,
		 * not against MAXSKIPPED (upstream's INTERRUPTIBLE=1) */
		atomic_inc(&stap_skipped_reentrant);
		goto out;
	}
	c->probe = info;
	c->probe_data = data;
	c->entry_data = entry_data;
	c->regs = regs;
	c->last_error = NULL;
	c->last_loc = NULL;
	c->interruptible = state != STAP_SESSION_RUNNING;
	c->actions_left = c->interruptible ? MAXACTION_INTERRUPTIBLE
					   : MAXACTION;
	c->nesting = 0;
	c->out.len = 0;
	fn(c);
	stap_print_flush(&c->out);
	if (c->last_error && c->last_error != stap_abort_mark)
		stap_report_error(c);
	ok = !c->last_error;
out:
	atomic_dec(&c->busy);
	preempt_enable();
	return ok;
}

static void stap_run_probe_hit(const struct stap_probe_info *info, int state,
			       void *data, struct pt_regs *regs)
{
	stap_run_fn(info, state, data, regs, NULL, info->handler);
}

/*
 * A .return probe's entry (kretprobe entry handler): fills the hit's
 * entry record `rec` (info->entry_size bytes) with the @entry values,
 * regs being the registers at the function's entry.  False when the
 * record could not be filled (the session is not running, the CPU's
 * context is busy, or a read failed: reported), and the return handler
 * must then not run.  Any context, as stap_run_probe_hit.
 */
static bool stap_run_probe_entry(const struct stap_probe_info *info,
				 struct pt_regs *regs, void *rec)
{
	return stap_run_fn(info, STAP_SESSION_RUNNING, NULL, regs, rec,
			   info->entry);
}

/* A .return probe's hit at the return, its entry record rec (or
 * NULL when the probe has none). */
static void stap_run_probe_return(const struct stap_probe_info *info,
				  struct pt_regs *regs, void *rec)
{
	stap_run_fn(info, STAP_SESSION_RUNNING, NULL, regs, rec,
		    info->handler);
}

static void stap_run_probe_data(const struct stap_probe_info *info, int state,
				void *data)
{
	stap_run_probe_hit(info, state, data, NULL);
}

static void stap_run_probe(const struct stap_probe_info *info, int state)
{
	stap_run_probe_hit(info, state, NULL, NULL);
}

/* A hit of a probe on kernel code: its registers in c->regs. */
static void stap_run_probe_regs(const struct stap_probe_info *info, int state,
				struct pt_regs *regs)
{
	stap_run_probe_hit(info, state, NULL, regs);
}

/* A kprobe's hit at addr: the probe sees the probed address in the
 * registers' ip (addr(), backtraces), not where the breakpoint or
 * ftrace left it, as upstream's do; the ip is restored after. */
static void stap_run_probe_at(const struct stap_probe_info *info,
			      struct pt_regs *regs, unsigned long addr)
{
	unsigned long ip = instruction_pointer(regs);

	instruction_pointer_set(regs, addr);
	stap_run_probe_regs(info, STAP_SESSION_RUNNING, regs);
	instruction_pointer_set(regs, ip);
}

/*
 * Charges n statements to the hit's budget; false when it is spent.  As
 * upstream charges, the charge that brings the budget to 0 fails, so
 * MAXACTION - 1 statements run.  The translator writes a charge where
 * control flow needs one (translator/emit/stmt.c), not per statement.
 */
static inline bool stap_actions(struct context *c, int n, const char *loc)
{
#ifdef STAP_SUPPRESS_TIME_LIMITS_ENABLE
	return true;
#else
	c->actions_left -= n;
	if (likely(c->actions_left > 0))
		return true;
	if (c->interruptible)
		stap_error(c, "MAXACTION exceeded (raise it with "
			   "-D MAXACTION_INTERRUPTIBLE=N)", loc);
	else
		stap_error(c, "MAXACTION exceeded (raise it with "
			   "-D MAXACTION=N)", loc);
	return false;
#endif
}

/* ---- arithmetic that can fail ---- */

static s64 stap_div(struct context *c, s64 a, s64 b, const char *loc)
{
	if (unlikely(b == 0)) {
		stap_error(c, "division by 0", loc);
		return 0;
	}
	if (unlikely(b == -1))
		return (s64)(-(u64)a);	/* S64_MIN / -1 wraps */
	return div64_s64(a, b);
}

static s64 stap_mod(struct context *c, s64 a, s64 b, const char *loc)
{
	if (unlikely(b == 0)) {
		stap_error(c, "division by 0", loc);
		return 0;
	}
	if (unlikely(b == -1))
		return 0;
	return a - div64_s64(a, b) * b;
}

static inline s64 stap_shl(s64 a, s64 b)
{
	return (s64)((u64)a << (b & 63));
}

static inline s64 stap_shr(s64 a, s64 b)
{
	return a >> (b & 63);
}
