/*
 * __syscall probes, under the syscall.* and nd_syscall.* aliases: one
 * probe function on the raw_syscalls:sys_enter tracepoint and one on
 * sys_exit, whatever the number of points, dispatching a system call
 * to the points on its number through an index built at arm time.
 *
 * The translator writes the table sorted: entry points before return
 * points, and within each, the points on any call (__syscall) first,
 * then by number.  stap_syscall_arm() turns it into two ranges of
 * "any" points and, per number, a range of the table, so a hit costs
 * one bounds check and one load before the points it runs.
 *
 * A hit passes the task's user registers (struct pt_regs) as the
 * probe's data: $arg1..$arg6, $id and $return are slots of it
 * (TL_ARGUMENT, the slot numbers checked below).  The tracepoints fire
 * in process context, in the calling task, preemptible (with an RCU
 * read lock held on -rt); stap_run_probe_data() disables preemption.
 */
#include <linux/tracepoint.h>
#include <linux/ptrace.h>

/* Numbers at or above this (x32's, negative ones) only reach the
 * points on any call. */
#define STAP_SYSCALL_NR 512

/* One point: nr, or -1 for any call; ret: on the call's return. */
struct stap_syscall_probe {
	const struct stap_probe_info *info;
	int nr;
	bool ret;
};

/* Points [first, first + n) of the table. */
struct stap_syscall_range {
	u16 first, n;
};

/* The dispatch index, one per direction: built by arm, read by the
 * hits (which only run once arm returned and the session runs). */
struct stap_syscall_index {
	struct stap_syscall_range any;
	struct stap_syscall_range at[STAP_SYSCALL_NR];
	bool used;		/* any point: the tracepoint is registered */
	struct tracepoint *tp;
};

static struct stap_syscall_probe *stap_syscall_table;
static struct stap_syscall_index stap_syscall_enter_ix, stap_syscall_exit_ix;

/* The slots of struct pt_regs the translator's TL_ARGUMENT locations
 * name (translator/probes/syscall.c). */
static inline void stap_syscall_check_layout(void)
{
	BUILD_BUG_ON(offsetof(struct pt_regs, di) != 14 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, si) != 13 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, dx) != 12 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, r10) != 7 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, r8) != 9 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, r9) != 8 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, orig_ax) != 15 * 8);
	BUILD_BUG_ON(offsetof(struct pt_regs, ax) != 10 * 8);
}

/* The probe path: the points on any call, then those on nr. */
static __always_inline void stap_syscall_dispatch(
	const struct stap_syscall_index *ix, struct pt_regs *regs, long nr)
{
	const struct stap_syscall_range *r = &ix->any;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		stap_run_probe_data(stap_syscall_table[r->first + i].info,
				    STAP_SESSION_RUNNING, regs);
	if ((unsigned long)nr >= STAP_SYSCALL_NR)
		return;
	r = &ix->at[nr];
	for (i = 0; i < r->n; i++)
		stap_run_probe_data(stap_syscall_table[r->first + i].info,
				    STAP_SESSION_RUNNING, regs);
}

static void stap_syscall_enter(void *data, struct pt_regs *regs, long id)
{
	stap_syscall_dispatch(&stap_syscall_enter_ix, regs, id);
}

/* ret is regs->ax; the number is the entry's, in orig_ax. */
static void stap_syscall_exit(void *data, struct pt_regs *regs, long ret)
{
	stap_syscall_dispatch(&stap_syscall_exit_ix, regs, regs->orig_ax);
}

/* Fills the index from the sorted table. */
static void stap_syscall_index_build(struct stap_syscall_probe *points,
				     size_t n)
{
	size_t i;

	memset(&stap_syscall_enter_ix, 0, sizeof(stap_syscall_enter_ix));
	memset(&stap_syscall_exit_ix, 0, sizeof(stap_syscall_exit_ix));
	for (i = 0; i < n; i++) {
		struct stap_syscall_index *ix = points[i].ret ?
			&stap_syscall_exit_ix : &stap_syscall_enter_ix;
		struct stap_syscall_range *r = points[i].nr < 0 ? &ix->any :
			&ix->at[points[i].nr];

		if (!r->n)
			r->first = i;
		r->n++;
		ix->used = true;
	}
}

static void stap_syscall_find(struct tracepoint *tp, void *priv)
{
	if (strcmp(tp->name, "sys_enter") == 0)
		stap_syscall_enter_ix.tp = tp;
	else if (strcmp(tp->name, "sys_exit") == 0)
		stap_syscall_exit_ix.tp = tp;
}

static int stap_syscall_register(struct stap_syscall_index *ix, void *fn,
				 const char *name)
{
	char line[160];
	int rc, len;

	if (!ix->used)
		return 0;
	if (!ix->tp)
		rc = -ENOENT;
	else
		rc = tracepoint_probe_register(ix->tp, fn, NULL);
	if (!rc)
		return 0;
	len = scnprintf(line, sizeof(line), "ERROR: cannot probe system "
			"calls: tracepoint 'raw_syscalls:%s' %s, error %d\n",
			name, ix->tp ? "refused" : "not in the kernel", rc);
	stap_data_write(STAP_STREAM_STDERR, line, len);
	ix->used = false;
	return rc;
}

static void stap_syscall_unregister(struct stap_syscall_index *ix, void *fn)
{
	if (ix->used)
		tracepoint_probe_unregister(ix->tp, fn, NULL);
	ix->used = false;
}

static void stap_syscall_disarm(void *points, size_t n);

/* Process context.  All or nothing. */
static int stap_syscall_arm(void *points, size_t n)
{
	int rc;

	stap_syscall_check_layout();
	stap_syscall_table = points;
	stap_syscall_index_build(points, n);
	for_each_kernel_tracepoint(stap_syscall_find, NULL);
	rc = stap_syscall_register(&stap_syscall_enter_ix,
				   (void *)stap_syscall_enter, "sys_enter");
	if (!rc)
		rc = stap_syscall_register(&stap_syscall_exit_ix,
					   (void *)stap_syscall_exit,
					   "sys_exit");
	if (rc)
		stap_syscall_disarm(points, n);
	return rc;
}

/* Process context; waits for running probe functions. */
static void stap_syscall_disarm(void *points, size_t n)
{
	stap_syscall_unregister(&stap_syscall_enter_ix,
				(void *)stap_syscall_enter);
	stap_syscall_unregister(&stap_syscall_exit_ix,
				(void *)stap_syscall_exit);
	tracepoint_synchronize_unregister();
}
