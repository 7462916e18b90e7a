/*
 * Probe families.  Each family lives in one file and contributes one
 * entry to the table in table.c: how to recognise and check its probe
 * points (pass 2) and how to declare its probes to the runtime (pass 3),
 * whose side of the family is one file, runtime/linux/NAME.c.  Adding a
 * family means one new file here, one table line and that runtime file
 * (doc/adding-a-probe-family.md).  Families see the program model
 * (program.h), never the passes.
 */
#ifndef STAP_PROBES_H
#define STAP_PROBES_H

#include <stdio.h>
#include "program.h"
#include "debuginfo/tvar.h"
#include "util/util.h"

struct session;

/*
 * A target variable ($name) of one probe point, as its family
 * describes it: its type and where its value lives (the type model and
 * locations of debuginfo/), what a script may do with it, and the rule
 * to quote when it does something else.  A family's own variable (a
 * /proc file's $value) is a script string behind the family's runtime
 * accessors; DWARF and BTF fill the same description.  Pass 2 walks a use's chain from it into the typed
 * node the expression keeps (struct tvar_ref).
 */
/* What a target variable is to the probed code, for $$parms, $$locals,
 * $$return, $$vars and -L listings. */
enum target_var_class {
	TV_OWN,		/* a family's own variable ($value) */
	TV_PARAM,	/* a parameter of the probed function ($$parms) */
	TV_LOCAL,	/* a local or a global in scope ($$locals) */
	TV_RETURN,	/* $return of a .return probe ($$return) */
};

struct target_var {
	const char *name;	/* "$value" */
	const struct ctype *type;
	struct tloc loc;
	unsigned access;	/* enum target_access bits */
	const char *rule;	/* the access rule, for error messages */
	enum target_var_class class;
	const char *spelling;	/* the type as -L lists it, upstream's way
				 * ("struct file*", "size_t"); NULL: from
				 * ctype_describe */
};

struct probe_family {
	const char *name;	/* first component: "begin", "timer" ... */
	/* Checks the components and arguments of rp->pp and sets rp->data
	 * to the family's own point data (a struct of its own, allocated
	 * here); reports errors itself and returns false. */
	bool (*resolve)(struct rprobe *rp);
	/* Emits the runtime's table for this family's probes (all of them
	 * at once; the vector holds struct rprobe *).  Only called when the
	 * vector is non-empty. */
	void (*emit_table)(FILE *out, const struct vec *rprobes);
	/* The family's runtime, runtime/linux/<runtime>.c: the module
	 * includes it (once, even if families share it) before its
	 * handlers when it has probes of the family.  NULL: none. */
	const char *runtime;
	/* The family's entry in the module's stap_families[] (runtime/
	 * core.c walks it at START and STOP): a C initializer of struct
	 * stap_family_ops naming the functions of the runtime file and the
	 * table emit_table wrote; NULL: nothing to arm or run.  Entries go
	 * in arm_order, lowest first: slow families arm first, before the
	 * timers start. */
	const char *ops;
	int arm_order;
	/* Optional, called before resolve: the concrete points pp stands
	 * for (struct probe_point *, appended to out), e.g. one per kernel
	 * function a wildcard matches.  Reports errors itself and returns
	 * false; leaving out empty drops the point (an optional point that
	 * matches nothing).  Without it a point stands for itself. */
	bool (*expand)(struct session *s, struct probe_point *pp,
		       struct vec *out);
	/* Whether an unprivileged user (stap -u) may use resolved point rp;
	 * NULL: never. */
	bool (*unprivileged)(const struct rprobe *rp);
	/* The target variable `name` of rp, typed and located, or NULL
	 * when rp has none of that name (never reports an error: @defined
	 * asks too).  The same variable is the same description (points
	 * sharing a handler are compared by address).  NULL hook: the
	 * family provides no target variables. */
	const struct target_var *(*target)(const struct rprobe *rp,
					   const char *name);
	/* Every target variable of rp (const struct target_var *, appended
	 * to out) in the order upstream lists them: parameters in
	 * declaration order, then locals, then $return; for $$vars,
	 * $$parms, $$locals, $$return and stap -L.  NULL: only `target`'s
	 * lookups (no listing). */
	void (*target_list)(const struct rprobe *rp, struct vec *out);
	/* Whether target_list is all of rp's variables (their debuginfo
	 * was found): an empty list then means a function without any,
	 * whose $$parms is "" as upstream's.  NULL hook: an empty list
	 * means the family could not tell (no debuginfo). */
	bool (*lists_all)(const struct rprobe *rp);
	/* Why rp has no target variable `name`, for the error: a new
	 * string completing "unresolved target variable '$x' in probe P: "
	 * (e.g. "... has no parameter ...: install debuginfo with ...");
	 * NULL hook or result: the generic "needs debuginfo" message. */
	char *(*target_missing)(const struct rprobe *rp, const char *name);
	/* The points the family recognises, for wildcard probe point
	 * names (`ti**es(1)`): "timer.jiffies(N)", "begin", "begin(N)" ...
	 * where (N) / (S) is a number / string argument; NULL-terminated.
	 * NULL: a wildcard never matches the family. */
	const char *const *shapes;
	/* @entry(expr) and a .return probe's parameters (elaborate/
	 * entry.c): whether rp is a .return point whose runtime saves
	 * values at the function's entry; the target variable `name` as
	 * at that entry (as `target` describes it, or NULL); every
	 * variable there (as `target_list`).  NULL hooks: the family has
	 * no such points. */
	bool (*at_return)(const struct rprobe *rp);
	const struct target_var *(*entry_target)(const struct rprobe *rp,
						 const char *name);
	void (*entry_target_list)(const struct rprobe *rp, struct vec *out);
	/* The user-space file (a program or library path) whose DWARF
	 * @var("name") without a module reads in rp's handler ("the
	 * probe's module"), or NULL: the kernel's.  NULL hook: NULL. */
	const char *(*user_module)(const struct rprobe *rp);
	/* For messages: the target variables the family provides without
	 * debuginfo ("$value"), or NULL. */
	const char *own_targets;
	/* probe_type() of point rp: the low-level handler it runs from,
	 * in upstream's words ("kprobe", "kretprobe", "uprobe",
	 * "kernel_tracepoint", "hrtimer", "begin_end" ...).  NULL hook:
	 * the family's handler_type string. */
	const char *(*handler_type_of)(const struct rprobe *rp);
	const char *handler_type;
};

/* The probe_type() string of rp (its family's hooks above; "" when
 * the family names none). */
const char *probe_handler_type(const struct rprobe *rp);

/* For families every point of which is unprivileged-safe. */
bool pp_always_unprivileged(const struct rprobe *rp);

/* The family named name (or whose name starts with "name."). */
const struct probe_family *probe_family_lookup(const char *name);
/* The family of point pp: one named after its first two components
 * ("kernel.function"), else after its first ("timer"); NULL if none. */
const struct probe_family *probe_family_of(const struct probe_point *pp);
/* Every family's shapes (const char *), in table order. */
void probe_family_shapes(struct vec *out);
/* Every family name, for "did you mean". */
void probe_family_names(struct vec *out);
/* "F probes' $v" for every family that provides target variables
 * without debuginfo, joined by " and "; NULL when none does. */
char *probe_family_own_targets(int *nfamilies);

/* Helpers for families: the n-th component (or NULL), and its literal
 * numeric argument with a range check. */
struct pp_comp *pp_comp_at(const struct probe_point *pp, size_t n);
bool pp_num_arg(const struct pp_comp *c, int64_t lo, int64_t hi, int64_t *out);
bool pp_no_arg(const struct pp_comp *c);

#endif
