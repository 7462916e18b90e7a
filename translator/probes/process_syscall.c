/*
 * process.syscall and process.syscall.return, for every process, for
 * the processes running one program (process("PATH").syscall) or for
 * one process (process(PID).syscall): a user task entering, or
 * returning from, any system call.  No debuginfo: the runtime
 * (runtime/linux/process_syscall.c) puts one probe function on each of
 * the raw_syscalls:sys_enter and sys_exit tracepoints and runs the
 * points whose process matches.  With -c or -x only the target's
 * process tree is seen, as for process.begin.
 *
 * Target variables, as upstream has them, all longs read from the
 * task's saved user registers (the hit's data is its struct pt_regs):
 * $syscall (orig_ax, the call's number) everywhere, $arg1..$arg6 (rdi,
 * rsi, rdx, r10, r8, r9) at the entry, $return (ax) at the return.
 * In process.syscall.return, @entry($arg1) and the other entry
 * variables are read when the task entered the call (the runtime keeps
 * a record per task until it returns, runtime/linux/syscall_records.c);
 * $arg1 there stands for @entry($arg1), as in other .return probes.
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "syscall_regs.h"
#include "util/diag.h"
#include "util/cstring.h"
#include "process_dwarf.h"

/* One point: which processes (path: absolute, resolved; pid; or
 * neither: all), and whether at the call's return. */
struct psys_point {
	char *path;
	int64_t pid;
	bool ret;
};

/* process("NAME").syscall names the program by its resolved path, as
 * upstream shows it; a program not found is left to resolve_psys. */
static bool expand_psys(struct session *s, struct probe_point *pp,
			struct vec *out)
{
	const struct pp_comp *c0 = pp_comp_at(pp, 0);
	char *path;

	if (c0->arg && c0->arg->kind == E_STR && c0->arg->len &&
	    (path = process_find_program(c0->arg->str)) &&
	    strcmp(path, c0->arg->str)) {
		vec_push(out, process_point_with(pp, 0, path));
		free(path);
		return true;
	}
	vec_push(out, pp);
	return true;
}

static bool resolve_psys(struct rprobe *rp)
{
	const struct pp_comp *c0 = pp_comp_at(rp->pp, 0);
	const struct pp_comp *c1 = pp_comp_at(rp->pp, 1);
	const struct pp_comp *r = pp_comp_at(rp->pp, 2);
	struct psys_point *pt = xcalloc(1, sizeof(*pt));

	rp->data = pt;
	if (!pp_no_arg(c1))
		return false;
	if (r && (strcmp(r->name, "return") || !pp_no_arg(r) ||
		  rp->pp->comps.len > 3)) {
		const struct pp_comp *x = strcmp(r->name, "return") ? r :
			pp_comp_at(rp->pp, 3);
		if (x)
			diag_error(x->loc, "unexpected '.%s' after "
				   "process.syscall: only .return may follow",
				   x->name);
		return false;
	}
	pt->ret = r != NULL;
	return process_resolve_arg(c0, &pt->path, &pt->pid);
}

/* ---- target variables ------------------------------------------------ */

/* $syscall, $arg1..$arg6, $return: upstream's order for -L. */
static struct target_var psys_vars[8];

static void init_vars(void)
{
	if (psys_vars[0].name)
		return;
	syscall_reg_var(&psys_vars[0], "$syscall", SLOT_ORIG_AX, TV_OWN,
			"long");
	for (int i = 0; i < 6; i++)
		syscall_reg_var(&psys_vars[i + 1], syscall_arg_names[i],
				syscall_arg_slots[i], TV_PARAM, "long");
	syscall_reg_var(&psys_vars[7], "$return", SLOT_AX, TV_RETURN, "long");
}

/* Whether variable i exists at point pt: $syscall everywhere, the
 * arguments at the entry, $return at the return. */
static bool psys_has(const struct psys_point *pt, int i)
{
	return i == 0 || (i == 7) == pt->ret;
}

static const struct target_var *psys_target(const struct rprobe *rp,
					    const char *name)
{
	init_vars();
	for (int i = 0; i < 8; i++)
		if (!strcmp(psys_vars[i].name, name))
			return psys_has(rp->data, i) ? &psys_vars[i] : NULL;
	return NULL;
}

static void psys_target_list(const struct rprobe *rp, struct vec *out)
{
	init_vars();
	for (int i = 0; i < 8; i++)
		if (psys_has(rp->data, i))
			vec_push(out, &psys_vars[i]);
}

/* @entry in a .return point: the registers at the call's entry,
 * $syscall and the arguments (not listed by -L, which shows what
 * upstream's process.syscall.return has: $return and $syscall). */
static bool psys_at_return(const struct rprobe *rp)
{
	const struct psys_point *pt = rp->data;

	return pt && pt->ret;
}

static const struct target_var *psys_entry_target(const struct rprobe *rp,
						  const char *name)
{
	init_vars();
	for (int i = 0; i < 7; i++)
		if (!strcmp(psys_vars[i].name, name))
			return &psys_vars[i];
	return NULL;
}

static char *psys_target_missing(const struct rprobe *rp, const char *name)
{
	const struct psys_point *pt = rp->data;

	return xstrdup(pt->ret ? "process.syscall.return has $syscall and "
		       "$return, and @entry($arg1..$arg6)" :
		       "process.syscall has $syscall and $arg1..$arg6");
}

/* ---- pass 3 ---------------------------------------------------------- */

static void emit_psys(FILE *out, const struct vec *rps)
{
	fputs("static struct stap_psys_probe stap_psys_probes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct psys_point *pt = rp->data;

		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .ret = %d, "
			".pid = %lld", rp->id, pt->ret, (long long)pt->pid);
		if (pt->path) {
			fputs(", .path = ", out);
			emit_cstring(out, pt->path, strlen(pt->path));
		}
		fputs(" },\n", out);
	}
	fputs("};\n", out);
}

static const char *const psys_shapes[] = {
	"process.syscall", "process.syscall.return",
	"process(S).syscall", "process(S).syscall.return",
	"process(N).syscall", "process(N).syscall.return", NULL
};

const struct probe_family process_syscall_family = {
	.name = "process.syscall", .shapes = psys_shapes,
	.expand = expand_psys, .resolve = resolve_psys, .target = psys_target,
	.target_list = psys_target_list,
	.target_missing = psys_target_missing,
	.at_return = psys_at_return, .entry_target = psys_entry_target,
	.emit_table = emit_psys, .runtime = "process_syscall", .arm_order = 1,
	.handler_type = "utrace",	/* upstream's name for these */
	.ops = "{ .arm = stap_psys_arm, .disarm = stap_psys_disarm, "
	       ".points = stap_psys_probes, "
	       ".n = ARRAY_SIZE(stap_psys_probes) }",
};
