/*
 * Entry records of system call return points whose handler uses
 * @entry (the __syscall family's syscall.c and process_syscall.c): a
 * table of STAP_SYSCALL_SLOTS records per point, one per task inside
 * the call.  At sys_enter the calling task claims its slot and fills
 * its record (the @entry values, info->entry); at sys_exit the handler
 * runs on it, and the slot is free again.  A return with no record
 * (the table was full, the entry could not run, or the call began
 * before the probe was armed) is skipped, as a kretprobe's missed
 * entry is.  A task that never returns (exit) leaves its record, which
 * the next task at the same address takes over.  Both tracepoints fire
 * in the calling task, so a task's slot is only raced for by others
 * claiming a free one (cmpxchg).
 */
#ifndef STAP_SYSCALL_RECORDS_C
#define STAP_SYSCALL_RECORDS_C
#include <linux/hash.h>
#include <linux/vmalloc.h>

#define STAP_SYSCALL_SLOTS 256

/* A task's entry record of one return point; the records follow the
 * table of slots, ALIGN(info->entry_size, 8) bytes each. */
struct stap_syscall_slot {
	struct task_struct *task;	/* NULL: free */
	bool filled;
};

/* The slots and records of a return point of info, zeroed, or NULL
 * (out of memory).  Process context. */
static struct stap_syscall_slot *stap_syscall_records_alloc(
	const struct stap_probe_info *info)
{
	return vzalloc(STAP_SYSCALL_SLOTS * (sizeof(struct stap_syscall_slot) +
					     ALIGN(info->entry_size, 8)));
}

static void *stap_syscall_record(const struct stap_probe_info *info,
				 struct stap_syscall_slot *slots,
				 unsigned int i)
{
	return (char *)(slots + STAP_SYSCALL_SLOTS) +
	       (size_t)i * ALIGN(info->entry_size, 8);
}

/* The slot of the current task (claiming a free one when claim), or
 * -1. */
static int stap_syscall_slot(struct stap_syscall_slot *slots, bool claim)
{
	unsigned int start = hash_ptr(current, 8), i;

	for (i = 0; i < STAP_SYSCALL_SLOTS; i++) {
		unsigned int k = (start + i) % STAP_SYSCALL_SLOTS;
		struct task_struct *t = READ_ONCE(slots[k].task);

		if (t == current)
			return k;
		if (claim && !t && cmpxchg(&slots[k].task, NULL,
					   current) == NULL)
			return k;
	}
	return -1;
}

/* sys_enter: the current task's record, filled (regs: its user
 * registers, the hit's data). */
static void stap_syscall_record_fill(const struct stap_probe_info *info,
				     struct stap_syscall_slot *slots,
				     struct pt_regs *regs)
{
	int k = stap_syscall_slot(slots, true);

	if (k < 0)
		return;
	slots[k].filled = stap_run_fn(info, STAP_SESSION_RUNNING, regs, NULL,
				      stap_syscall_record(info, slots, k),
				      info->entry);
	if (!slots[k].filled)
		WRITE_ONCE(slots[k].task, NULL);
}

/* sys_exit: the handler on the current task's record, which is then
 * free. */
static void stap_syscall_record_run(const struct stap_probe_info *info,
				    struct stap_syscall_slot *slots,
				    struct pt_regs *regs)
{
	int k = stap_syscall_slot(slots, false);

	if (k < 0)
		return;
	if (slots[k].filled)
		stap_run_fn(info, STAP_SESSION_RUNNING, regs, NULL,
			    stap_syscall_record(info, slots, k), info->handler);
	slots[k].filled = false;
	WRITE_ONCE(slots[k].task, NULL);
}
#endif
