/*
 * Which tasks the process families see: with -c or -x, only the
 * target's process tree.  Included by process.c and process_syscall.c
 * (once, whichever comes first).
 */
#ifndef STAP_PROCESS_TARGET_C
#define STAP_PROCESS_TARGET_C

/* Whether task is in the -c/-x target's process tree (always, without
 * a target).  Any context. */
static bool stap_process_in_target(struct task_struct *task)
{
	int target = stap_transport_target_pid();
	int depth = 0;
	bool in = false;

	if (!target)
		return true;
	rcu_read_lock();
	while (task && task->pid > 1 && depth++ < 64) {
		if (task->tgid == target) {
			in = true;
			break;
		}
		task = rcu_dereference(task->real_parent);
	}
	rcu_read_unlock();
	return in;
}

#endif
