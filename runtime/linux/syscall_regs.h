/*
 * The slots of struct pt_regs that the raw-syscall families' target
 * variables name (TL_ARGUMENT, translator/probes/syscall_regs.h): a
 * build-time check, for syscall.c and process_syscall.c.
 */
#ifndef STAP_LINUX_SYSCALL_REGS_H
#define STAP_LINUX_SYSCALL_REGS_H

#include <linux/build_bug.h>
#include <asm/ptrace.h>

static inline void stap_syscall_regs_check(void)
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

#endif
