/*
 * process.begin / .end / .thread.begin / .thread.end: one callback on
 * each of the scheduler's tracepoints sched_process_fork, _exec and
 * _exit (found by name with for_each_kernel_tracepoint: they are not
 * exported) dispatches to every point of the table.
 *
 * A handler runs in the context of the process or thread it is about:
 *   - a new process or thread (fork/clone) gets its begin when it first
 *     returns to user space, through a task_work queued on it at fork
 *     from a fixed pool (STP_PROCESS_WORKS; an exhausted pool counts a
 *     skipped probe);
 *   - process("PATH").begin fires at the exec of PATH (or of a script
 *     whose interpreter is PATH), in the new image;
 *   - the -c target, created before the module started, gets the plain
 *     process.begin at its exec;
 *   - end and thread.end fire in the exiting task (sched_process_exit):
 *     .end when the last thread of the group exits, .thread.end for
 *     the others;
 *   - processes (and threads) running when the module starts get their
 *     begin (and thread.begin) as upstream gives them: a work queued on
 *     each at arm, run in it as soon as it next returns to user space
 *     (TWA_SIGNAL wakes a sleeping one; its system call restarts).  The
 *     -c target, a child of stapio waiting to exec, is left to its exec.
 *
 * A PATH is matched by inode (kern_path at arm).  The exiting task has
 * no mm left to match by, so processes that exec'ed a probed PATH (and
 * their forks) are remembered by tgid (STP_PROCESS_TRACKED of them).
 * With -c or -x, only the target's process tree is seen: the task or
 * one of its ancestors is the target.
 *
 * The tracepoint callbacks run with preemption disabled in the forking,
 * exec'ing or exiting task; the task_work callbacks in process context.
 *
 * process("PATH").function(...) points are uprobes (uprobe.c, in this
 * file's family): the translator wrote one entry per function, at its
 * offset in PATH.
 */
#include <linux/tracepoint.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/task_work.h>
#include <linux/binfmts.h>
#include <linux/namei.h>
#include <linux/delay.h>
#include "process_target.c"
#include "uprobe.c"

#ifndef STP_PROCESS_WORKS
#define STP_PROCESS_WORKS 256
#endif
#ifndef STP_PROCESS_TRACKED
#define STP_PROCESS_TRACKED 1024
#endif

enum stap_process_event {
	STAP_PROCESS_BEGIN, STAP_PROCESS_END, STAP_THREAD_BEGIN,
	STAP_THREAD_END,
};

/* One point: the event; which processes (path, or pid, or neither:
 * all); the path's inode while armed (kpath holds it). */
struct stap_process_probe {
	const struct stap_probe_info *info;
	enum stap_process_event event;
	int pid;
	const char *path;
	struct inode *inode;
	struct path kpath;
};

/* A begin queued on a new task: busy while queued. */
struct stap_process_work {
	struct callback_head cb;
	atomic_t busy;
	bool thread;
	bool existing;		/* queued at arm on a running task */
	struct inode *exe;	/* the new task's program, or NULL */
};

/* A process that exec'ed a probed path: tgid 0 is a free slot. */
struct stap_process_tracked {
	atomic_t tgid;
	struct inode *inode;
};

/* The family's tables (emitted as stap_process_all): the event points
 * and the uprobes. */
struct stap_process_tables {
	struct stap_process_probe *events;
	size_t n_events;
	struct stap_uprobe *uprobes;
	size_t n_uprobes;
};

static struct stap_process_probe *stap_process_table;
static size_t stap_process_n;
static bool stap_process_paths;		/* some point has a path */
static struct stap_process_work stap_process_works[STP_PROCESS_WORKS];
static atomic_t stap_process_pending;	/* works queued, not yet run */
static struct stap_process_tracked stap_process_tracked[STP_PROCESS_TRACKED];
static atomic_t stap_process_target_begun;

/* ---- which tasks ------------------------------------------------------ */

/* The inode remembered for tgid, or NULL. */
static struct inode *stap_process_tracked_inode(int tgid)
{
	size_t i;

	for (i = 0; i < STP_PROCESS_TRACKED; i++)
		if (atomic_read(&stap_process_tracked[i].tgid) == tgid)
			return READ_ONCE(stap_process_tracked[i].inode);
	return NULL;
}

static void stap_process_track(int tgid, struct inode *inode)
{
	size_t i;

	for (i = 0; i < STP_PROCESS_TRACKED; i++) {
		struct stap_process_tracked *t = &stap_process_tracked[i];

		if (atomic_read(&t->tgid) == 0 &&
		    atomic_cmpxchg(&t->tgid, 0, -1) == 0) {
			WRITE_ONCE(t->inode, inode);
			atomic_set(&t->tgid, tgid);
			return;
		}
	}
}

static void stap_process_untrack(int tgid)
{
	size_t i;

	for (i = 0; i < STP_PROCESS_TRACKED; i++)
		if (atomic_read(&stap_process_tracked[i].tgid) == tgid)
			atomic_set(&stap_process_tracked[i].tgid, 0);
}

/* Whether a probed path has this inode. */
static bool stap_process_probed_inode(struct inode *inode)
{
	size_t i;

	for (i = 0; i < stap_process_n; i++)
		if (stap_process_table[i].inode == inode)
			return true;
	return false;
}

/* Runs the points of event whose target matches a task of process tgid
 * running program exe (NULL: unknown).  The current task's context. */
static void stap_process_fire(enum stap_process_event event, int tgid,
			      struct inode *exe)
{
	size_t i;

	for (i = 0; i < stap_process_n; i++) {
		struct stap_process_probe *p = &stap_process_table[i];

		if (p->event != event || (p->pid && p->pid != tgid) ||
		    (p->path && p->inode != exe))
			continue;
		stap_run_probe(p->info, STAP_SESSION_RUNNING);
	}
}

/* ---- the events ------------------------------------------------------- */

/* A new task's first return to user space.  Process context. */
static void stap_process_work_run(struct callback_head *cb)
{
	struct stap_process_work *w =
		container_of(cb, struct stap_process_work, cb);
	int waited = 0;

	/* a running task woken at arm may get here while the begin
	 * probes still run: its begin waits for the session to run */
	while (w->existing && waited++ < 10000 &&
	       atomic_read(&stap_session_state) <= STAP_SESSION_STARTING)
		msleep(1);
	stap_process_fire(w->thread ? STAP_THREAD_BEGIN : STAP_PROCESS_BEGIN,
			  current->tgid, w->exe);
	atomic_set(&w->busy, 0);
	atomic_dec(&stap_process_pending);
}

static void stap_process_fork(void *data, struct task_struct *parent,
			      struct task_struct *child)
{
	bool thread = child->pid != child->tgid;
	struct inode *exe = NULL;
	size_t i;

	/* a kernel thread or an io_uring worker never returns to user
	 * space: a work queued on it would hold disarm forever */
	if ((child->flags & (PF_KTHREAD | PF_IO_WORKER)) ||
	    !stap_process_in_target(child))
		return;
	if (stap_process_paths) {
		exe = stap_process_tracked_inode(parent->tgid);
		if (exe && !thread)
			stap_process_track(child->tgid, exe);
	}
	for (i = 0; i < STP_PROCESS_WORKS; i++) {
		struct stap_process_work *w = &stap_process_works[i];

		if (atomic_read(&w->busy) || atomic_cmpxchg(&w->busy, 0, 1))
			continue;
		w->thread = thread;
		w->existing = false;
		w->exe = exe;
		init_task_work(&w->cb, stap_process_work_run);
		atomic_inc(&stap_process_pending);
		if (task_work_add(child, &w->cb, TWA_RESUME)) {
			atomic_dec(&stap_process_pending);
			atomic_set(&w->busy, 0);
		}
		return;
	}
	stap_skip_probe();	/* the pool is exhausted */
}

static void stap_process_exec(void *data, struct task_struct *p,
			      pid_t old_pid, struct linux_binprm *bprm)
{
	struct inode *inode = file_inode(bprm->file);

	if (!stap_process_in_target(p))
		return;
	if (stap_process_paths) {
		stap_process_untrack(p->tgid);
		if (stap_process_probed_inode(inode)) {
			stap_process_track(p->tgid, inode);
			stap_process_fire(STAP_PROCESS_BEGIN, p->tgid, inode);
		}
	}
	if (p->tgid == stap_transport_target_pid() &&
	    atomic_cmpxchg(&stap_process_target_begun, 0, 1) == 0)
		stap_process_fire(STAP_PROCESS_BEGIN, p->tgid, NULL);
}

static void stap_process_exit(void *data, struct task_struct *p)
{
	bool group_dead = atomic_read(&p->signal->live) == 0;
	struct inode *exe = NULL;

	if (!stap_process_in_target(p))
		return;
	if (stap_process_paths)
		exe = stap_process_tracked_inode(p->tgid);
	stap_process_fire(group_dead ? STAP_PROCESS_END : STAP_THREAD_END,
			  p->tgid, exe);
	if (group_dead && exe)
		stap_process_untrack(p->tgid);
}

/* The program current runs, or NULL.  Under rcu_read_lock; the inode
 * is only compared. */
static struct inode *stap_process_exe_of(struct task_struct *t)
{
	struct inode *exe = NULL;
	struct file *f;

	task_lock(t);
	if (t->mm && (f = rcu_dereference(t->mm->exe_file)))
		exe = file_inode(f);
	task_unlock(t);
	return exe;
}

/* Whether a point waits for this begin of a task running exe. */
static bool stap_process_wants(bool thread, int tgid, struct inode *exe)
{
	enum stap_process_event e = thread ? STAP_THREAD_BEGIN
					   : STAP_PROCESS_BEGIN;
	size_t i;

	for (i = 0; i < stap_process_n; i++) {
		struct stap_process_probe *p = &stap_process_table[i];

		if (p->event == e && (!p->pid || p->pid == tgid) &&
		    (!p->path || p->inode == exe))
			return true;
	}
	return false;
}

/* Queues the begins of the tasks running at arm (see the top), and
 * remembers those running a probed path for their end.  Process
 * context, after the tracepoints are registered. */
static void stap_process_existing(void)
{
	struct task_struct *g, *t;
	size_t next = 0;

	rcu_read_lock();
	for_each_process_thread(g, t) {
		bool thread = t->pid != t->tgid;
		struct inode *exe;
		struct stap_process_work *w = NULL;

		if ((t->flags & (PF_KTHREAD | PF_IO_WORKER | PF_EXITING)) ||
		    rcu_dereference(t->real_parent)->tgid == current->tgid ||
		    !stap_process_in_target(t))
			continue;
		exe = stap_process_exe_of(t);
		if (!exe)
			continue;
		if (stap_process_paths && !thread &&
		    stap_process_probed_inode(exe))
			stap_process_track(t->tgid, exe);
		if (!stap_process_wants(thread, t->tgid, exe))
			continue;
		while (next < STP_PROCESS_WORKS && !w) {
			w = &stap_process_works[next++];
			if (atomic_read(&w->busy) ||
			    atomic_cmpxchg(&w->busy, 0, 1))
				w = NULL;
		}
		if (!w) {
			stap_skip_probe();	/* the pool is exhausted */
			continue;
		}
		w->thread = thread;
		w->existing = true;
		w->exe = exe;
		init_task_work(&w->cb, stap_process_work_run);
		atomic_inc(&stap_process_pending);
		if (task_work_add(t, &w->cb, TWA_SIGNAL)) {
			atomic_dec(&stap_process_pending);
			atomic_set(&w->busy, 0);
		}
	}
	rcu_read_unlock();
}

/* ---- arming ----------------------------------------------------------- */

/* The tracepoints, found by name at arm. */
static struct stap_process_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	bool registered;
} stap_process_tps[] = {
	{ "sched_process_fork", stap_process_fork },
	{ "sched_process_exec", stap_process_exec },
	{ "sched_process_exit", stap_process_exit },
};

static void stap_process_find_tp(struct tracepoint *tp, void *priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stap_process_tps); i++)
		if (strcmp(tp->name, stap_process_tps[i].name) == 0)
			stap_process_tps[i].tp = tp;
}

static void stap_process_report(const char *what, const char *name, int rc)
{
	char line[200];
	int n = scnprintf(line, sizeof(line), "ERROR: process probes: %s "
			  "'%s': error %d\n", what, name, rc);

	stap_data_write(STAP_STREAM_STDERR, line, n);
}

static void stap_process_events_disarm(void *points, size_t n);

/* Process context.  All or nothing. */
static int stap_process_events_arm(void *points, size_t n)
{
	size_t i;
	int rc;

	if (!n)
		return 0;

	stap_process_table = points;
	stap_process_n = n;
	for (i = 0; i < n; i++) {
		struct stap_process_probe *p = &stap_process_table[i];

		if (!p->path)
			continue;
		rc = kern_path(p->path, LOOKUP_FOLLOW, &p->kpath);
		if (rc) {
			stap_process_report("cannot find", p->path, rc);
			goto fail;
		}
		p->inode = d_inode(p->kpath.dentry);
		stap_process_paths = true;
	}
	for_each_kernel_tracepoint(stap_process_find_tp, NULL);
	for (i = 0; i < ARRAY_SIZE(stap_process_tps); i++) {
		struct stap_process_tp *t = &stap_process_tps[i];

		rc = t->tp ? tracepoint_probe_register(t->tp, t->probe, NULL)
			   : -ENOENT;
		if (rc) {
			stap_process_report("cannot register tracepoint",
					    t->name, rc);
			goto fail;
		}
		t->registered = true;
	}
	stap_process_existing();
	return 0;
fail:
	stap_process_events_disarm(points, n);
	return rc;
}

/* Process context: after it, no callback or queued work runs module
 * code (it waits for the works, which run at the latest when their
 * task returns to user space or exits). */
static void stap_process_events_disarm(void *points, size_t n)
{
	bool any = false;
	size_t i;
	int waited = 0;

	for (i = 0; i < ARRAY_SIZE(stap_process_tps); i++) {
		struct stap_process_tp *t = &stap_process_tps[i];

		if (t->registered)
			tracepoint_probe_unregister(t->tp, t->probe, NULL);
		any |= t->registered;
		t->registered = false;
	}
	if (any)
		tracepoint_synchronize_unregister();
	while (atomic_read(&stap_process_pending) > 0) {
		if (waited++ == 500)
			stap_process_report("waiting for new tasks to run",
					    "begin", -EBUSY);
		msleep(10);
	}
	msleep(1);	/* the last work's return from stap_process_work_run */
	for (i = 0; i < n; i++) {
		struct stap_process_probe *p =
			(struct stap_process_probe *)points + i;

		if (p->inode)
			path_put(&p->kpath);
		p->inode = NULL;
	}
	stap_process_paths = false;
}

/* The family's hooks: the events, then the uprobes.  Process context. */
static int stap_process_arm(void *points, size_t n)
{
	struct stap_process_tables *t = points;
	int rc = stap_process_events_arm(t->events, t->n_events);

	if (rc)
		return rc;
	rc = stap_uprobes_arm(t->uprobes, t->n_uprobes);
	if (rc)
		stap_process_events_disarm(t->events, t->n_events);
	return rc;
}

static void stap_process_disarm(void *points, size_t n)
{
	struct stap_process_tables *t = points;

	stap_uprobes_disarm(t->uprobes, t->n_uprobes);
	stap_process_events_disarm(t->events, t->n_events);
}
