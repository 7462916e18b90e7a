/*
 * A system call's registers as target variables (syscall_regs.h).
 */
#include "syscall_regs.h"
#include "debuginfo/ctype.h"

const char *const syscall_arg_names[6] = {
	"$arg1", "$arg2", "$arg3", "$arg4", "$arg5", "$arg6",
};
const int syscall_arg_slots[6] = {
	SLOT_DI, SLOT_SI, SLOT_DX, SLOT_R10, SLOT_R8, SLOT_R9,
};

void syscall_reg_var(struct target_var *v, const char *name, int slot,
		     enum target_var_class class, const char *spelling)
{
	v->name = name;
	v->type = ctype_int(8, true);
	v->loc.kind = TL_ARGUMENT;
	v->loc.argno = slot;
	v->access = TARGET_READ;
	v->rule = "system call registers are read-only";
	v->class = class;
	v->spelling = spelling;
}
