/*
 * process.syscall and process.syscall.return: one probe function on
 * the raw_syscalls:sys_enter tracepoint and one on sys_exit (each
 * registered only when some point needs it) run the points whose
 * process matches the calling task: every user process, those running
 * a program (matched by the inode of the exe, looked up at arm), or
 * one pid; with -c or -x only the target's process tree
 * (process_target.c).  Kernel threads never match.
 *
 * A hit passes the task's user registers (struct pt_regs) as the
 * probe's data: $syscall, $arg1..$arg6 and $return are slots of it
 * (TL_ARGUMENT, the slot numbers checked below).
 *
 * A return point whose handler uses @entry has a table of records, one
 * per task inside the call (syscall_records.c): sys_enter fills the
 * matching task's, sys_exit runs the handler on it.
 *
 * The tracepoints fire in process context, in the calling task,
 * preemptible (with an RCU read lock held on -rt);
 * stap_run_probe_data() disables preemption.  This family registers
 * its own functions on the tracepoints, beside the __syscall family's
 * if a script uses both.
 */
#include <linux/tracepoint.h>
#include <linux/ptrace.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include "syscall_regs.h"
#include "syscall_records.c"
#include "process_target.c"

/* One point: at the call's return or entry; which processes: pid, or
 * path (its inode while armed: kpath holds it), or neither; slots: the
 * entry records of a return point using @entry, allocated at arm. */
struct stap_psys_probe {
	const struct stap_probe_info *info;
	bool ret;
	int pid;
	const char *path;
	struct path kpath;
	struct inode *inode;
	struct stap_syscall_slot *slots;
};

/* One direction: its tracepoint, whether a point uses it, whether
 * the probe function is registered on it. */
struct stap_psys_tp {
	const char *name;
	struct tracepoint *tp;
	bool used;
	bool armed;
};

static struct stap_psys_probe *stap_psys_table;
static size_t stap_psys_n;
static struct stap_psys_tp stap_psys_enter_tp = { .name = "sys_enter" };
static struct stap_psys_tp stap_psys_exit_tp = { .name = "sys_exit" };


/* The inode of the current task's program, or NULL (a kernel thread).
 * The calling task's context. */
static struct inode *stap_psys_exe(void)
{
	struct mm_struct *mm = current->mm;
	struct inode *inode = NULL;
	struct file *f;

	if (!mm)
		return NULL;
	rcu_read_lock();
	f = rcu_dereference(mm->exe_file);
	if (f)
		inode = file_inode(f);
	rcu_read_unlock();
	return inode;
}

/* Runs the points of direction ret that match the current task; at
 * the entry, fills the records of the return points using @entry. */
static void stap_psys_run(struct pt_regs *regs, bool ret)
{
	struct inode *exe;
	size_t i;

	if (current->flags & PF_KTHREAD)
		return;
	exe = stap_psys_exe();
	if (!exe || !stap_process_in_target(current))
		return;
	for (i = 0; i < stap_psys_n; i++) {
		struct stap_psys_probe *p = &stap_psys_table[i];

		/* a return point using @entry also runs at the entry */
		bool here = p->ret == ret || (p->slots && !ret);

		if (!here || (p->pid && p->pid != current->tgid) ||
		    (p->inode && p->inode != exe))
			continue;
		if (!p->slots)
			stap_run_probe_data(p->info, STAP_SESSION_RUNNING, regs);
		else if (ret)
			stap_syscall_record_run(p->info, p->slots, regs);
		else
			stap_syscall_record_fill(p->info, p->slots, regs);
	}
}

static void stap_psys_enter(void *data, struct pt_regs *regs, long id)
{
	stap_psys_run(regs, false);
}

static void stap_psys_exit(void *data, struct pt_regs *regs, long ret)
{
	stap_psys_run(regs, true);
}

static void stap_psys_find(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, stap_psys_enter_tp.name))
		stap_psys_enter_tp.tp = tp;
	else if (!strcmp(tp->name, stap_psys_exit_tp.name))
		stap_psys_exit_tp.tp = tp;
}

static void stap_psys_report(const char *what, const char *name, int rc)
{
	char line[200];
	int len = scnprintf(line, sizeof(line), "ERROR: cannot probe "
			    "process system calls: %s '%s', error %d\n",
			    what, name, rc);

	stap_data_write(STAP_STREAM_STDERR, line, len);
}

static int stap_psys_register(struct stap_psys_tp *t, void *fn)
{
	int rc;

	if (!t->used)
		return 0;
	rc = t->tp ? tracepoint_probe_register(t->tp, fn, NULL) : -ENOENT;
	if (rc)
		stap_psys_report(t->tp ? "tracepoint refused" :
				 "no tracepoint raw_syscalls:", t->name, rc);
	t->armed = !rc;
	return rc;
}

static void stap_psys_unregister(struct stap_psys_tp *t, void *fn)
{
	if (t->armed)
		tracepoint_probe_unregister(t->tp, fn, NULL);
	t->armed = false;
	t->used = false;
}

/* The inodes of the points' paths (kpath holds them). */
static int stap_psys_paths(struct stap_psys_probe *points, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (!points[i].path)
			continue;
		rc = kern_path(points[i].path, LOOKUP_FOLLOW,
			       &points[i].kpath);
		if (rc) {
			stap_psys_report("cannot find program",
					 points[i].path, rc);
			return rc;
		}
		points[i].inode = d_inode(points[i].kpath.dentry);
	}
	return 0;
}

static void stap_psys_disarm(void *points, size_t n);

/* Process context.  All or nothing. */
static int stap_psys_arm(void *points, size_t n)
{
	struct stap_psys_probe *p = points;
	size_t i;
	int rc = 0;

	stap_syscall_regs_check();
	stap_psys_table = p;
	stap_psys_n = n;
	for (i = 0; i < n; i++) {
		if (p[i].ret)
			stap_psys_exit_tp.used = true;
		if (!p[i].ret || p[i].info->entry)
			stap_psys_enter_tp.used = true;
		if (p[i].ret && p[i].info->entry &&
		    !(p[i].slots = stap_syscall_records_alloc(p[i].info)))
			rc = -ENOMEM;
	}
	if (!rc)
		rc = stap_psys_paths(p, n);
	if (!rc) {
		for_each_kernel_tracepoint(stap_psys_find, NULL);
		rc = stap_psys_register(&stap_psys_enter_tp,
					(void *)stap_psys_enter);
	}
	if (!rc)
		rc = stap_psys_register(&stap_psys_exit_tp,
					(void *)stap_psys_exit);
	if (rc)
		stap_psys_disarm(points, n);
	return rc;
}

/* Process context; waits for running probe functions. */
static void stap_psys_disarm(void *points, size_t n)
{
	struct stap_psys_probe *p = points;
	size_t i;

	stap_psys_unregister(&stap_psys_enter_tp, (void *)stap_psys_enter);
	stap_psys_unregister(&stap_psys_exit_tp, (void *)stap_psys_exit);
	tracepoint_synchronize_unregister();
	for (i = 0; i < n; i++) {
		if (p[i].inode) {
			path_put(&p[i].kpath);
			p[i].inode = NULL;
		}
		vfree(p[i].slots);
		p[i].slots = NULL;
	}
}
