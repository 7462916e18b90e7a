/*
 * __syscall probes: the family under the syscall.* and nd_syscall.*
 * aliases (tapsets/syscalls*.stp).  `__syscall("NAME")` fires when a
 * task enters system call NAME, `__syscall("NAME").return` when it
 * returns from it; `__syscall` and `__syscall.return` on every call.
 * No debuginfo: the runtime (runtime/linux/syscall.c) puts one probe
 * function on each of the raw_syscalls:sys_enter and sys_exit
 * tracepoints and dispatches by the call's number.
 *
 * NAME's number comes from the target's build tree
 * (arch/x86/include/generated/uapi/asm/unistd_64.h, read once per run:
 * a few hundred lines), so a call the kernel lacks is a pass-2 error
 * when named, and leaves the alias out when a wildcard (syscall.*)
 * matched it.
 *
 * Target variables, slots of the task's saved user registers (the
 * hit's data is its struct pt_regs): $arg1..$arg6 (rdi, rsi, rdx, r10,
 * r8, r9: the x86-64 system call convention), $id (orig_ax, the
 * number) and, in .return, $return (ax).  All are longs; the aliases
 * cut them to the argument's C type.  @entry(expr) in a .return point
 * is evaluated when the task entered the call (the runtime keeps the
 * record per task until it returns).
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "syscall_regs.h"
#include "session.h"
#include "util/diag.h"
#include "util/suggest.h"

/* One __syscall point: nr -1 for every call. */
struct syscall_point {
	int nr;
	bool ret;
};

/* The target's system calls: name -> number + 1 (0 is "none"). */
static struct hash syscall_nrs;
static struct vec syscall_names;	/* char *, for "did you mean" */
static bool syscall_loaded;
static char *syscall_header;		/* the header read, or NULL */

static struct session *syscall_session;

/* Reads `#define __NR_name nr` lines of the target's unistd_64.h. */
static void load_syscalls(struct session *s)
{
	char line[256], name[128];
	FILE *f;
	int nr;

	if (syscall_loaded)
		return;
	syscall_loaded = true;
	if (!s->kernel_build_tree)
		return;
	syscall_header = xasprintf("%s/arch/x86/include/generated/uapi/asm/"
				   "unistd_64.h", s->kernel_build_tree);
	f = fopen(syscall_header, "r");
	if (!f) {
		free(syscall_header);
		syscall_header = NULL;
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "#define __NR_%127s %d", name, &nr) == 2 &&
		    nr >= 0 && strcmp(name, "syscalls") != 0) {	/* count */
			char *key = xstrdup(name);
			hash_put(&syscall_nrs, key, (void *)(intptr_t)(nr + 1));
			vec_push(&syscall_names, key);
		}
	fclose(f);
}

static bool expand_syscall(struct session *s, struct probe_point *pp,
			   struct vec *out)
{
	syscall_session = s;
	vec_push(out, pp);
	return true;
}

/* The number of call name in the target; reports a missing one. */
static bool syscall_nr(const struct rprobe *rp, const struct expr *arg,
		       int *nr)
{
	intptr_t v;
	const char *near;

	load_syscalls(syscall_session);
	if (!syscall_header) {
		diag_error(arg->loc, "cannot resolve system call '%s': no "
			   "unistd_64.h in the kernel build tree %s",
			   arg->str, syscall_session->kernel_build_tree ?
			   syscall_session->kernel_build_tree : "(none)");
		return false;
	}
	v = (intptr_t)hash_get(&syscall_nrs, arg->str);
	if (v) {
		*nr = (int)v - 1;
		return true;
	}
	if (rp->pp->from_wildcard)
		return false;	/* syscall.*: not in this kernel */
	near = suggest(arg->str, &syscall_names);
	/* at the point the script named (syscall.NAME), if an alias's */
	diag_error(rp->body->probe && rp->body->probe->origin ?
		   rp->body->probe->origin->loc : arg->loc, "probe point mismatch: kernel %s has no system "
		   "call '%s' (%s)%s%s%s", syscall_session->kernel_release,
		   arg->str, syscall_header, near ? "; did you mean '" : "",
		   near ? near : "", near ? "'?" : "");
	return false;
}

static bool resolve_syscall(struct rprobe *rp)
{
	const struct pp_comp *c = pp_comp_at(rp->pp, 0);
	const struct pp_comp *r = pp_comp_at(rp->pp, 1);
	struct syscall_point *pt;
	int nr = -1;

	if (c->arg && (c->arg->kind != E_STR || !c->arg->len)) {
		diag_error(c->arg->loc, "__syscall takes a system call name, "
			   "as in __syscall(\"openat\")");
		return false;
	}
	if (r && (strcmp(r->name, "return") != 0 || !pp_no_arg(r) ||
		  rp->pp->comps.len > 2)) {
		const struct pp_comp *x = strcmp(r->name, "return") == 0 ?
			pp_comp_at(rp->pp, 2) : r;
		if (x)
			diag_error(x->loc, "unexpected '.%s' after __syscall: "
				   "only .return may follow", x->name);
		return false;
	}
	if (c->arg && !syscall_nr(rp, c->arg, &nr))
		return false;
	rp->data = pt = xcalloc(1, sizeof(*pt));
	pt->nr = nr;
	pt->ret = r != NULL;
	return true;
}

/* ---- target variables ------------------------------------------------ */

static struct target_var syscall_vars[8];	/* $arg1..6, $id, $return */

static void init_vars(void)
{
	if (syscall_vars[0].name)
		return;
	for (int i = 0; i < 6; i++)
		syscall_reg_var(&syscall_vars[i], syscall_arg_names[i],
				syscall_arg_slots[i], TV_PARAM, "long int");
	syscall_reg_var(&syscall_vars[6], "$id", SLOT_ORIG_AX, TV_OWN,
			"long int");
	syscall_reg_var(&syscall_vars[7], "$return", SLOT_AX, TV_RETURN,
			"long int");
}

static const struct target_var *syscall_target(const struct rprobe *rp,
					       const char *name)
{
	const struct syscall_point *pt = rp->data;

	init_vars();
	for (int i = 0; i < 8; i++)
		if (strcmp(syscall_vars[i].name, name) == 0)
			return i == 7 && !pt->ret ? NULL : &syscall_vars[i];
	return NULL;
}

static void syscall_target_list(const struct rprobe *rp, struct vec *out)
{
	const struct syscall_point *pt = rp->data;

	init_vars();
	for (int i = 0; i < (pt->ret ? 8 : 7); i++)
		vec_push(out, &syscall_vars[i]);
}

/* @entry in a .return point: the call's registers at its entry, where
 * the runtime fills the record (runtime/linux/syscall.c): the
 * arguments and the number, not $return. */
static bool syscall_at_return(const struct rprobe *rp)
{
	const struct syscall_point *pt = rp->data;

	return pt && pt->ret;
}

static const struct target_var *syscall_entry_target(const struct rprobe *rp,
						     const char *name)
{
	init_vars();
	for (int i = 0; i < 7; i++)
		if (strcmp(syscall_vars[i].name, name) == 0)
			return &syscall_vars[i];
	return NULL;
}

static void syscall_entry_target_list(const struct rprobe *rp,
				      struct vec *out)
{
	init_vars();
	for (int i = 0; i < 6; i++)	/* the parameters */
		vec_push(out, &syscall_vars[i]);
}

static char *syscall_target_missing(const struct rprobe *rp,
				    const char *name)
{
	const struct syscall_point *pt = rp->data;

	return xasprintf("a system call probe has $arg1..$arg6 and $id%s",
			 pt->ret ? " and $return" : " ($return only in "
			 ".return)");
}

/* ---- pass 3 ---------------------------------------------------------- */

/* Entry points first, then return points; "any" first, then by nr;
 * within a number, the return points using @entry last (the runtime
 * takes them as one range at the call's entry). */
static int by_dispatch(const void *a, const void *b)
{
	const struct rprobe *ra = *(struct rprobe *const *)a;
	const struct rprobe *rb = *(struct rprobe *const *)b;
	const struct syscall_point *x = ra->data, *y = rb->data;
	int ex = ra->body->entries.len > 0, ey = rb->body->entries.len > 0;

	if (x->ret != y->ret)
		return x->ret - y->ret;
	if (x->nr != y->nr)
		return (x->nr > y->nr) - (x->nr < y->nr);
	if (ex != ey)
		return ex - ey;
	return ra->id - rb->id;
}

static void emit_syscall(FILE *out, const struct vec *rps)
{
	const struct rprobe **sorted = xmalloc(rps->len * sizeof(*sorted));

	for (size_t i = 0; i < rps->len; i++)
		sorted[i] = vec_at(rps, i);
	qsort(sorted, rps->len, sizeof(*sorted), by_dispatch);
	fputs("static struct stap_syscall_probe stap_syscall_probes[] = {\n",
	      out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct syscall_point *pt = sorted[i]->data;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .nr = %d, "
			".ret = %d },\n", sorted[i]->id, pt->nr, pt->ret);
	}
	fputs("};\n", out);
	free(sorted);
}

const struct probe_family syscall_family = {
	.name = "__syscall", .expand = expand_syscall,
	.resolve = resolve_syscall, .target = syscall_target,
	.target_list = syscall_target_list,
	.target_missing = syscall_target_missing,
	.at_return = syscall_at_return, .entry_target = syscall_entry_target,
	.entry_target_list = syscall_entry_target_list,
	.emit_table = emit_syscall, .runtime = "syscall", .arm_order = 1,
	.handler_type = "kernel_tracepoint",	/* raw_syscalls:sys_* */
	.ops = "{ .arm = stap_syscall_arm, .disarm = stap_syscall_disarm, "
	       ".points = stap_syscall_probes, "
	       ".n = ARRAY_SIZE(stap_syscall_probes) }",
};
