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
 * (TL_ARGUMENT, the slot numbers checked below).
 *
 * A return point whose handler uses @entry has a table of records,
 * one per task inside the call (syscall_records.c): sys_enter fills
 * the calling task's, sys_exit runs the handler on it.  The
 * tracepoints fire in process context, in the calling task,
 * preemptible (with an RCU read lock held on -rt);
 * stap_run_probe_data() disables preemption.
 */
#include <linux/tracepoint.h>
#include <linux/ptrace.h>
#include <linux/vmalloc.h>
#include "syscall_regs.h"
#include "syscall_records.c"

/* Numbers at or above this (x32's, negative ones) only reach the
 * points on any call. */
#define STAP_SYSCALL_NR 512

/* One point: nr, or -1 for any call; ret: on the call's return; slots
 * (syscall_records.c): a return point using @entry, allocated at arm. */
struct stap_syscall_probe {
	const struct stap_probe_info *info;
	int nr;
	bool ret;
	struct stap_syscall_slot *slots;
};

/* sys_enter of a return point using @entry: its record, filled. */
static void stap_syscall_entry(struct stap_syscall_probe *p,
			       struct pt_regs *regs)
{
	stap_syscall_record_fill(p->info, p->slots, regs);
}

/* sys_exit of a return point using @entry: the handler on the task's
 * record. */
static void stap_syscall_return(struct stap_syscall_probe *p,
				struct pt_regs *regs)
{
	stap_syscall_record_run(p->info, p->slots, regs);
}

/* Points [first, first + n) of the table. */
struct stap_syscall_range {
	u16 first, n;
};

/* The dispatch index, one per direction: built by arm, read by the
 * hits (which only run once arm returned and the session runs). */
struct stap_syscall_index {
	struct stap_syscall_range any;
	struct stap_syscall_range at[STAP_SYSCALL_NR];
	/* the return points using @entry (contiguous: the table sorts
	 * them after the others of their number) */
	struct stap_syscall_range any_entry;
	struct stap_syscall_range at_entry[STAP_SYSCALL_NR];
	bool entries;		/* any such point */
	bool used;		/* any point: the tracepoint is registered */
	struct tracepoint *tp;
};

static struct stap_syscall_probe *stap_syscall_table;
static struct stap_syscall_index stap_syscall_enter_ix, stap_syscall_exit_ix;


/* The points of range r: at the call's entry (entry: the records of
 * the return points that use @entry) or its return. */
static __always_inline void stap_syscall_run(
	const struct stap_syscall_range *r, struct pt_regs *regs, bool entry)
{
	unsigned int i;

	for (i = 0; i < r->n; i++) {
		struct stap_syscall_probe *p = &stap_syscall_table[r->first + i];

		if (entry)
			stap_syscall_entry(p, regs);
		else if (p->slots)
			stap_syscall_return(p, regs);
		else
			stap_run_probe_data(p->info, STAP_SESSION_RUNNING,
					    regs);
	}
}

/* The probe path: the points on any call, then those on nr. */
static __always_inline void stap_syscall_dispatch(
	const struct stap_syscall_index *ix, struct pt_regs *regs, long nr,
	bool entry)
{
	stap_syscall_run(entry ? &ix->any_entry : &ix->any, regs, entry);
	if ((unsigned long)nr >= STAP_SYSCALL_NR)
		return;
	stap_syscall_run(entry ? &ix->at_entry[nr] : &ix->at[nr], regs, entry);
}

static void stap_syscall_enter(void *data, struct pt_regs *regs, long id)
{
	stap_syscall_dispatch(&stap_syscall_enter_ix, regs, id, false);
	if (stap_syscall_exit_ix.entries)
		stap_syscall_dispatch(&stap_syscall_exit_ix, regs, id, true);
}

/* ret is regs->ax; the number is the entry's, in orig_ax. */
static void stap_syscall_exit(void *data, struct pt_regs *regs, long ret)
{
	stap_syscall_dispatch(&stap_syscall_exit_ix, regs, regs->orig_ax,
			      false);
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
		if (points[i].slots) {
			r = points[i].nr < 0 ? &ix->any_entry :
				&ix->at_entry[points[i].nr];
			if (!r->n)
				r->first = i;
			r->n++;
			ix->entries = true;
			/* the records are filled at sys_enter */
			stap_syscall_enter_ix.used = true;
		}
	}
}

/* The record tables of the return points using @entry.  Process
 * context. */
static int stap_syscall_slots_alloc(struct stap_syscall_probe *points,
				    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct stap_syscall_probe *p = &points[i];

		if (!p->ret || !p->info->entry)
			continue;
		p->slots = stap_syscall_records_alloc(p->info);
		if (!p->slots)
			return -ENOMEM;
	}
	return 0;
}

static void stap_syscall_slots_free(struct stap_syscall_probe *points,
				    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		vfree(points[i].slots);
		points[i].slots = NULL;
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

	stap_syscall_regs_check();
	stap_syscall_table = points;
	rc = stap_syscall_slots_alloc(points, n);
	if (rc) {
		stap_syscall_slots_free(points, n);
		return rc;
	}
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
	stap_syscall_slots_free(points, n);
}
