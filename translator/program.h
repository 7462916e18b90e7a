/*
 * The program model: what pass 2 makes of the parsed files and every
 * later pass reads.  Probe bodies and functions (struct pbody) with
 * their variables (struct sym), the resolved probe points (struct
 * rprobe) that run them, and the whole program (struct program).
 * elaborate/ builds it, probes/ fills in each point's family data,
 * emit/ prints it; this header depends on the AST only, so that the
 * probe families need nothing from the passes.
 */
#ifndef STAP_PROGRAM_H
#define STAP_PROGRAM_H

#include "parse/ast.h"

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
	bool ret_by_use;	/* ret comes from how a call's value is
				 * used: no `return EXPR` (types.c) */
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
	struct vec entries;	/* handlers of .return points: struct expr *,
				 * the E_ENTRY nodes whose operands are
				 * evaluated at the function's entry, in
				 * slot order (elaborate/entry.c) */
};

/* One resolved probe point. */
struct rprobe {
	int id;
	struct pbody *body;
	struct probe_point *pp;
	const struct probe_family *family;
	char *text;		/* the probe point as resolved, for messages */
	const char *pn;		/* the point as the script named it (pn()):
				 * the alias, else text */
	char *origin;		/* where it comes from, as upstream's -p2
				 * shows it: "begin,end", or for an alias
				 * "a = timer.s(1) <- a,end" */
	void *data;		/* the family's own point data (struct
				 * timer_point ...), set by its resolve
				 * hook; NULL until then */
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

#endif
