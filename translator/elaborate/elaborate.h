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
#include "parse/ast.h"

struct session;
struct probe_family;

enum sym_kind { SYM_LOCAL, SYM_GLOBAL };

/* A variable: a probe body's local or a script global. */
struct sym {
	enum sym_kind kind;
	char *name;
	enum type type;
	struct srcloc decl;	/* first mention, for messages */
	struct global *global;	/* SYM_GLOBAL */
	int index;		/* position among its body's locals / globals */
	bool written;		/* assigned (or <<<) anywhere */
	bool read;		/* globals: read as a value somewhere (`in`
				 * does not count): one written but never
				 * read is printed at the end, as upstream
				 * does (autoprint.c) */

	/* globals that are arrays or statistics */
	int nkeys;		/* -1 not yet known, 0 scalar, 1..9 indexes */
	enum type key_types[9];
	int foreach_sites;	/* foreach statements over this array */
	int sites_emitted;	/* pass 3: the next site number */
	int hist;		/* histogram read: 0 none, 1 log, 2 linear */
	int64_t hist_start, hist_stop, hist_interval;
	bool variance;		/* @variance read */
	int bit_shift;		/* @variance(x, N) */
};

/*
 * A body of code with its own frame of locals: a probe handler (shared
 * by all points of `probe p1, p2 {}`) or a script function.  A
 * function's parameters are its first nparams locals.
 */
struct pbody {
	int id;
	struct probe *probe;	/* a probe's body, or NULL */
	struct function *fn;	/* a function's, or NULL */
	struct stmt *stmts;	/* the code (NULL: embedded-C function) */
	struct vec locals;	/* struct sym * */
	size_t nparams;
	enum type ret;		/* functions: the return type */
	struct pbody *next_overload;	/* functions: where `next` in this
					 * one goes (the next function of
					 * the same name and arity, by
					 * priority), or NULL */
	struct vec globals_used;	/* struct sym *; for handlers, also
					 * those of every function called */
	struct vec globals_written;	/* struct sym *: the subset of
					 * globals_used the body locks for
					 * writing: it assigns or deletes
					 * them, or reads shared scratch
					 * (statistics, foreach snapshots) */
	struct vec callees;	/* struct pbody *: functions called */
	int string_temps;	/* scratch string buffers emit needs */
	int iters;		/* foreach iterators emit needs */
};

/* One resolved probe point. */
struct rprobe {
	int id;
	struct pbody *body;
	struct probe_point *pp;
	const struct probe_family *family;
	char *text;		/* the probe point as resolved, for messages */
	char *origin;		/* where it comes from, as upstream's -p2
				 * shows it: "begin,end", or for an alias
				 * "a = timer.s(1) <- a,end" */
	int64_t param[3];	/* family-specific: priority, period ns ... */
	struct pbody *cond;	/* `if (expr)`: a body holding only the
				 * condition (in cond->probe's first point),
				 * which may read globals only; or NULL */
};

struct program {
	struct vec rprobes;	/* struct rprobe * */
	struct vec bodies;	/* struct pbody *: probe handlers */
	struct vec functions;	/* struct pbody *: functions called, in
				 * order of first call */
	struct vec globals;	/* struct sym * (SYM_GLOBAL), declaration order */
	struct vec embeds;	/* struct embed *: file-level %{ %} (guru) */
	struct vec conditions;	/* struct expr *: probe conditions, to type */
};

/* Whether pp may stand for nothing: "p?" and "p!" points. */
static inline bool pp_optional(const struct probe_point *pp)
{
	return pp->optional || pp->sufficient;
}

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
 * reporting what is wrong. */
void resolve_target(const struct program *prog, const struct pbody *body,
		    struct expr *e, unsigned access, const char *op);
/* @defined(e): 1 or 0 when e holds target variables, @cast or @var,
 * -1 when it holds none (it is then defined if it resolves).  Silent
 * but for points of one handler that disagree. */
int target_defined(const struct program *prog, const struct pbody *body,
		   const struct expr *e);

/* warnings.c: never-assigned variables, unused functions and globals. */
void warn_unused(struct program *prog, struct file *user);

/* types.c: infers the types of every expression of the program. */
void infer_types(struct program *prog);

/* print.c: -p2 listing; bodies with -v. */
void print_program(FILE *out, const struct program *prog, bool bodies);
/* print.c: -l listing: every resolved probe point, sorted, each once. */
void print_probe_points(FILE *out, const struct program *prog);

/* The printed form of a probe point, e.g. "timer.ms(200)". */
char *probe_point_text(const struct probe_point *pp);

#endif
