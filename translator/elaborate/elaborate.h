/*
 * Pass 2: from parsed files to a resolved program.
 *
 * Every probe point is matched against the probe family table
 * (probes/table.c); every variable becomes a symbol (a probe's local or
 * a global); every call is checked against the builtins; every
 * expression gets a type.  Constructs the later passes cannot translate
 * yet are rejected here, at their location, with "not supported yet".
 */
#ifndef STAP_ELABORATE_H
#define STAP_ELABORATE_H

#include <stdio.h>
#include "program.h"

struct session;

/* The pass-2 entry point; NULL after errors (already reported). */
struct program *elaborate(struct session *s, struct file *user);

/* privilege.c: guru mode and -u checks, with upstream's messages.
 * script_embedded_allowed() checks embedded C written in the script;
 * what names it for the guru-mode message ("function 'f'", "code in a
 * script"...); false after reporting. */
bool script_embedded_allowed(const struct session *s, struct srcloc loc,
			     const char *what, bool expression);
void check_probe_privilege(const struct session *s, const struct rprobe *rp);
void check_call_privilege(const struct session *s, const struct expr *call,
			  const struct function *fn, bool from_script);

/* autoprint.c: whether global g is written but never read, and the
 * end probe that prints it (to be resolved like a script's). */
bool autoprinted(const struct sym *g);
struct probe *autoprint_probe(const struct sym *g);

/* elide.c: whether evaluating e only yields a value (a statement of
 * it can be dropped).  Needs calls resolved. */
bool side_effect_free(const struct expr *e);
/* targets.c: resolves the target variable e ($name) used in body for
 * access (enum target_access; 0 for another modifying operator op),
 * reporting what is wrong; writing the probed code's memory or
 * registers needs guru mode. */
void resolve_target(const struct program *prog, const struct pbody *body,
		    struct expr *e, unsigned access, const char *op, bool guru);
struct rprobe;
/* Whether two points' variables are read the same way (targets.c). */
struct target_var;
bool same_var(const struct target_var *a, const struct target_var *b);
/* target_groups.c: gives each group of body's points that read the
 * target variables body names differently a copy of the statements of
 * its own (appended to prog->bodies and to added). */
void split_by_targets(struct program *prog, struct pbody *body,
		      struct vec *added);
/* -L's line for rp: its text and each variable it can read, upstream's
 * way: " $return:long int $file:struct file*" (a new string). */
char *target_listing(const struct rprobe *rp);
/* The target variable `name` every point of body agrees on (NULL: some
 * lack it or they differ); *rp the first point.  And every variable of
 * body's first point, as its family lists them (probes.h target_list). */
const struct target_var *target_lookup(const struct program *prog,
					const struct pbody *body,
					const char *name, bool entry,
					const struct rprobe **rp);
/* target_vars is false when the point's family could not list its
 * variables (no debuginfo), true when it did, even none. */
bool target_vars(const struct program *prog, const struct pbody *body,
		 bool entry, struct vec *out);
/* Whether every point of body is a .return point that can save values
 * at its function's entry (@entry); with entry, target_lookup and
 * target_vars describe the variables as at that entry. */
bool target_at_return(const struct program *prog, const struct pbody *body);
/* @defined(e): 1 or 0 when e holds target variables, @cast or @var,
 * -1 when it holds none (it is then defined if it resolves).  Silent
 * but for points of one handler that disagree. */
struct session;
int atvar_defined(struct session *s, const struct expr *e);
int target_defined(struct session *s, const struct program *prog,
		   const struct pbody *body, const struct expr *e);
/* targets.c: @cast(e->a, "type", "module")->chain: the type looked up
 * (debuginfo/types.h), e->target set to the typed read of the object at
 * the address e->a computes; reports what is wrong.  e->a is resolved
 * already. */
void resolve_cast(struct session *s, struct expr *e);

/* warnings.c: never-assigned variables, unused functions and globals. */
void warn_unused(struct program *prog, struct file *user);
/* deadstore.c: drops a tapset's assignments to probe locals nothing
 * reads whose values have no effect (an alias's unused variables). */
void elide_dead_stores(struct program *prog, const struct file *user);

/* types.c: infers the types of every expression of the program. */
void infer_types(struct program *prog);

/* Whether st holds a `return EXPR` (types.c). */
bool returns_value(const struct stmt *st);

/* print.c: -p2 listing; bodies with -v. */
void print_program(FILE *out, const struct program *prog, bool bodies);
/* print.c: the name -l and -L list rp by: the alias point the user's
 * point matched (syscall.openat), else the family's point. */
char *probe_listing_name(const struct rprobe *rp);
/* print.c: -l listing: every resolved probe point, sorted, each once. */
void print_probe_points(FILE *out, const struct program *prog, bool vars);

/* dump.c: --dump-functions / --dump-probe-aliases, printed to out;
 * the exit status. */
int dump_library(struct session *s, FILE *out);

/* The printed form of a probe point, e.g. "timer.ms(200)". */
char *probe_point_text(const struct probe_point *pp);

#endif
