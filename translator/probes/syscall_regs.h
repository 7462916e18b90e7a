/*
 * A system call's registers as target variables, for the families on
 * the raw syscall tracepoints (syscall.c's __syscall, process_syscall.c's
 * process.syscall): a hit's data is the calling task's struct pt_regs,
 * whose slots (x86-64) hold the call's number, its six arguments and its
 * return value.  runtime/linux/syscall_regs.h checks the slot numbers.
 */
#ifndef STAP_PROBES_SYSCALL_REGS_H
#define STAP_PROBES_SYSCALL_REGS_H

#include "probes.h"

/* Slots of struct pt_regs, in longs. */
enum { SLOT_R10 = 7, SLOT_R9 = 8, SLOT_R8 = 9, SLOT_AX = 10, SLOT_DX = 12,
       SLOT_SI = 13, SLOT_DI = 14, SLOT_ORIG_AX = 15 };

/* $arg1..$arg6 and the slots of rdi, rsi, rdx, r10, r8, r9. */
extern const char *const syscall_arg_names[6];
extern const int syscall_arg_slots[6];

/* Makes v the read-only long `name` at slot, of class, listed by -L as
 * spelling ("long" or "long int", as upstream lists each family). */
void syscall_reg_var(struct target_var *v, const char *name, int slot,
		     enum target_var_class class, const char *spelling);

#endif
