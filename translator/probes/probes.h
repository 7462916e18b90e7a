/*
 * Probe families.  Each family lives in one file and contributes one
 * entry to the table in table.c: how to recognise and check its probe
 * points (pass 2) and how to declare its probes to the runtime (pass 3).
 * Adding a family means one new file and one table line.
 */
#ifndef STAP_PROBES_H
#define STAP_PROBES_H

#include <stdio.h>
#include "elaborate/elaborate.h"
#include "debuginfo/tvar.h"

/*
 * A target variable ($name) of one probe point, as its family
 * describes it: its type and where its value lives (the type model and
 * locations of debuginfo/), what a script may do with it, and the rule
 * to quote when it does something else.  procfs's $value is a script
 * string behind the family's runtime accessors; DWARF and BTF fill the
 * same description.  Pass 2 walks a use's chain from it into the typed
 * node the expression keeps (struct tvar_ref).
 */
struct target_var {
	const char *name;	/* "$value" */
	const struct ctype *type;
	struct tloc loc;
	unsigned access;	/* enum target_access bits */
	const char *rule;	/* the access rule, for error messages */
};

struct probe_family {
	const char *name;	/* first component: "begin", "timer" ... */
	/* Checks the components and arguments of rp->pp, filling rp->param;
	 * reports errors itself and returns false. */
	bool (*resolve)(struct rprobe *rp);
	/* Emits the runtime's table for this family's probes (all of them
	 * at once; the vector holds struct rprobe *).  Only called when the
	 * vector is non-empty. */
	void (*emit_table)(FILE *out, const struct vec *rprobes);
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
};

/* For families every point of which is unprivileged-safe. */
bool pp_always_unprivileged(const struct rprobe *rp);

const struct probe_family *probe_family_lookup(const char *name);
/* Every family name, for "did you mean". */
void probe_family_names(struct vec *out);

/* Helpers for families: the n-th component (or NULL), and its literal
 * numeric argument with a range check. */
struct pp_comp *pp_comp_at(const struct probe_point *pp, size_t n);
bool pp_num_arg(const struct pp_comp *c, int64_t lo, int64_t hi, int64_t *out);
bool pp_no_arg(const struct pp_comp *c);

extern const struct probe_family begin_family, end_family, error_family,
	never_family, timer_family, kprobe_family, procfs_family;

#endif
