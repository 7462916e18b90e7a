/*
 * The abstract syntax tree of a SystemTap script, as pass 1 builds it
 * and pass 2 annotates it.
 *
 * One `struct file` per parsed script or tapset.  Its top-level items
 * are probes, probe aliases, functions, globals and embedded-C blocks.
 * Statements and expressions are tagged unions; every node carries the
 * location of its first token, which is what diagnostics point at.
 *
 * Invariants:
 *  - every `struct vec` below holds pointers of the type named in its
 *    comment, never NULL;
 *  - strings are NUL-terminated; string literals keep their decoded
 *    bytes in `str` with the length in `len` (they may hold NULs);
 *  - the parser never leaves a node half built: on a syntax error the
 *    enclosing item is dropped and parsing resumes at the next item.
 */
#ifndef STAP_AST_H
#define STAP_AST_H

#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"
#include "util/diag.h"

/* Types, as pass 2 infers them.  TYPE_UNKNOWN until then. */
enum type { TYPE_UNKNOWN, TYPE_LONG, TYPE_STRING, TYPE_STATS };

/* ---- expressions ---- */

enum expr_kind {
	E_NUM,		/* num; pass 1 folds a '-' before a literal in */
	E_STR,		/* str, len */
	E_VAR,		/* name: a local, global or array name */
	E_INDEX,	/* base (E_VAR array, or E_HIST for a bucket),
			 * args: index expressions (E_WILDCARD allowed) */
	E_CALL,		/* name(args) */
	E_UNARY,	/* op in { '-', '+', '!', '~' } applied to a */
	E_INCDEC,	/* op "++"/"--", postfix: a++ vs ++a; a is an lvalue */
	E_BINARY,	/* a op b: * / % + - << >> & ^ | */
	E_LOGICAL,	/* a && b, a || b */
	E_COMPARE,	/* a op b: < > <= >= == != */
	E_REGEX,	/* a =~ b, a !~ b (b is an E_STR) */
	E_CONCAT,	/* a . b */
	E_TERNARY,	/* a ? b : c */
	E_ASSIGN,	/* a op b: = += -= *= /= %= <<= >>= &= ^= |= .= */
	E_STAT_ADD,	/* a <<< b */
	E_IN,		/* [args] in base, or args[0] in base; base is an
			 * E_VAR */
	E_STAT_OP,	/* @count/@sum/@min/@max/@avg/@variance(a [, b]) : name */
	E_HIST,		/* @hist_linear(a, args...) / @hist_log(a) : name */
	E_TARGET,	/* $name or $$vars/$$parms/$$locals/$$return: name
			 * (spelled with its '$'s: "$fd", "$$parms"),
			 * comps, suffix ("$" / "$$" / NULL) */
	E_CAST,		/* @cast(a, type_str, module_str?) comps suffix */
	E_ATVAR,	/* @var("name@file", module_str?) comps suffix;
			 * the name string is in str */
	E_DEFINED,	/* @defined(a) */
	E_ENTRY,	/* @entry(a); pass 2: num is a's slot in its
			 * handler's entry record (pbody entries) */
	E_PERF,		/* @perf("name") */
	E_ADDROF,	/* &a, a an E_TARGET/E_CAST/E_ATVAR */
	E_PROBEFN,	/* @probewrite/@const/@kderef/@uderef/@kregister/
			 * @uregister(args): name (without '@'), args */
	/* added by pass 1: */
	E_AUTOCAST,	/* a->comps on any other expression, e.g.
			 * task_current()->pid: a, comps, suffix */
	E_EMBEDDED,	/* %{ code %} as an expression: str = code */
	E_WILDCARD,	/* '*' as an index: delete a[*, 1], [*, 2] in a,
			 * foreach ([k] in a[*, 1]) */
};

/* One component of a target-variable path: ->field, .field, [index]. */
enum comp_kind { COMP_FIELD, COMP_INDEX_NUM, COMP_INDEX_EXPR };
struct comp {
	enum comp_kind kind;
	struct srcloc loc;
	char *field;		/* COMP_FIELD */
	int64_t num;		/* COMP_INDEX_NUM */
	struct expr *index;	/* COMP_INDEX_EXPR */
};

struct re_prog;

struct expr {
	enum expr_kind kind;
	struct srcloc loc;
	enum type type;		/* pass 2 */
	const char *op;		/* operator spelling, e.g. "+=", "<<" */
	bool postfix;		/* E_INCDEC */
	int64_t num;		/* E_NUM */
	char *str;		/* E_STR bytes; also E_CAST's type string */
	size_t len;		/* E_STR length */
	char *name;		/* E_VAR, E_CALL, E_TARGET, E_STAT_OP, E_HIST */
	char *suffix;		/* E_TARGET/E_CAST/E_ATVAR/E_AUTOCAST: "$",
				 * "$$" or NULL */
	char *module;		/* E_CAST / E_ATVAR module string, or NULL */
	struct expr *a, *b, *c;
	struct expr *base;	/* E_INDEX, E_IN: the array */
	struct vec args;	/* struct expr *: call args, indexes, hist args */
	struct vec comps;	/* struct comp *: E_TARGET/E_CAST/E_ATVAR */
	struct sym *sym;	/* pass 2: what E_VAR/E_INDEX names */
	const struct builtin *builtin;	/* pass 2: the builtin E_CALL calls
					 * when it calls no script function
					 * (elaborate/builtins.h) */
	struct format *format;	/* pass 2: printf/sprintf's format, parsed
				 * (elaborate/format.h) */
	struct pbody *callee;	/* pass 2: the script function E_CALL calls */
	struct re_prog *regex;	/* pass 2: E_REGEX's compiled pattern */
	const struct tvar_ref *target;	/* pass 2: what E_TARGET is, typed
					 * (debuginfo/tvar.h) */
	bool at_entry;		/* pass 2: an E_TARGET inside @entry: the
				 * variable as at the probed function's
				 * entry */
};

/* ---- statements ---- */

enum stmt_kind {
	S_BLOCK,	/* { body } */
	S_NULL,		/* ; */
	S_EXPR,		/* e ; */
	S_IF,		/* if (e) then [else els] */
	S_WHILE,	/* while (e) body */
	S_FOR,		/* for (init; e; step) body ; each part optional */
	S_FOREACH,	/* see struct foreach */
	S_DELETE,	/* delete e */
	S_NEXT, S_BREAK, S_CONTINUE,
	S_RETURN,	/* return [e] */
	S_TRY,		/* try body catch [(var)] handler */
	S_EMBEDDED,	/* %{ code %} as a statement (probe or function
			 * body) */
};

/* foreach ([k1, k2] in a+ limit n), foreach (v = [k] in a), ... */
struct foreach {
	struct vec keys;	/* struct expr * (E_VAR) */
	struct expr *value;	/* the "v =" variable, or NULL */
	struct expr *array;	/* E_VAR, or E_HIST for foreach over a histogram,
				 * or E_INDEX of an E_VAR for a slice
				 * (foreach ([k] in a[*, 3])) */
	int sort_key;		/* 0: no sort; 1..n: sort by key n; -1 by value */
	int sort_dir;		/* +1 ascending, -1 descending, 0 none */
	char *sort_agg;		/* by value of a stats array: "count", "sum",
				 * "min", "max", "avg" (a @sum-), else NULL */
	struct expr *limit;	/* or NULL */
};

struct stmt {
	enum stmt_kind kind;
	struct srcloc loc;
	struct expr *e;		/* S_EXPR, S_IF/S_WHILE/S_FOR cond, S_DELETE,
				 * S_RETURN value */
	struct stmt *body;	/* S_WHILE, S_FOR, S_FOREACH, S_TRY */
	struct stmt *then, *els;	/* S_IF */
	struct stmt *init, *step;	/* S_FOR: S_EXPR or NULL */
	struct stmt *handler;	/* S_TRY catch block */
	struct expr *catch_var;	/* S_TRY: E_VAR or NULL */
	struct foreach *fe;	/* S_FOREACH */
	struct vec stmts;	/* S_BLOCK: struct stmt * */
	char *code;		/* S_EMBEDDED */
};

/* ---- probe points ---- */

/* One dotted component: name, name(arg), wildcard names like "sys*". */
struct pp_comp {
	struct srcloc loc;
	char *name;
	struct expr *arg;	/* E_NUM or E_STR literal, or NULL */
};

struct probe_point {
	struct srcloc loc;
	struct vec comps;	/* struct pp_comp * */
	bool optional;		/* trailing ? */
	bool sufficient;	/* trailing ! */
	struct expr *cond;	/* if (cond), or NULL */
	bool from_wildcard;	/* one of the points a family expanded a
				 * wildcard to (pass 2): armed best-effort */
};

/* probe p1, p2 { body } */
struct probe {
	struct srcloc loc;
	struct vec points;	/* struct probe_point * */
	struct stmt *body;	/* S_BLOCK */
	bool privileged;	/* declared in a tapset */
	const struct probe_point *origin;	/* pass 2: for a probe made by
						 * expanding an alias, the
						 * point the user wrote */
	char *origin_text;	/* pass 2, for -p2: an expanded probe's
				 * "alias = points <- user's points" */
	char *script_pp;	/* pass 2: an expanded probe's point as the
				 * script named it, wildcards expanded
				 * ("syscall.read" for syscall.*): pn() */
};

/* probe name = p1, p2 { prologue }   /   probe name += p { epilogue } */
struct alias {
	struct srcloc loc;
	struct vec names;	/* struct probe_point *: the alias names */
	struct vec points;	/* struct probe_point *: what they expand to */
	bool epilogue;		/* += */
	struct stmt *body;
	struct stmt *epilogue_body;	/* "= p { prologue }, { epilogue }":
					 * the second block, else NULL */
};

/* ---- functions and globals ---- */

struct param {
	struct srcloc loc;
	char *name;
	enum type type;		/* declared :long / :string, else UNKNOWN */
};

/* Embedded-C pragmas found in comments of the function's code. */
enum { PRAGMA_PURE = 1, PRAGMA_UNPRIVILEGED = 2,
	PRAGMA_MYPROC_UNPRIVILEGED = 4, PRAGMA_GURU = 8,
	PRAGMA_STABLE = 16, PRAGMA_UNMODIFIED_FNARGS = 32 };

struct function {
	struct srcloc loc;
	char *name;
	enum type ret;		/* declared return type, else UNKNOWN */
	struct vec params;	/* struct param * */
	struct stmt *body;	/* S_BLOCK, or NULL when embedded */
	char *embedded;		/* %{ code %} body, or NULL */
	unsigned pragmas;	/* PRAGMA_* */
	int64_t priority;	/* function f():N overload priority */
	bool has_priority;	/* N was given */
	bool private_;		/* "private function" in a tapset */
};

struct global {
	struct srcloc loc;
	char *name;
	struct expr *init;	/* E_NUM / E_STR literal, or NULL */
	bool is_array;		/* declared with [N] */
	int64_t maxsize;	/* [N], 0 when not given */
	bool wrap;		/* global a% or a[N]% */
	bool private_;
	enum type type;		/* pass 2 */
};

/* %{ ... %} at file level */
struct embed {
	struct srcloc loc;
	char *code;
};

struct file {
	struct source *src;
	bool tapset;		/* from the tapset library: privileged */
	struct vec probes;	/* struct probe * */
	struct vec aliases;	/* struct alias * */
	struct vec functions;	/* struct function * */
	struct vec globals;	/* struct global * */
	struct vec embeds;	/* struct embed * */
};

/* ast.c: constructors, so that nodes are never half initialised. */
struct expr *expr_new(enum expr_kind kind, struct srcloc loc);
struct stmt *stmt_new(enum stmt_kind kind, struct srcloc loc);

/* visit.c: fn on each direct child of e (NULL ones included), and on
 * each top-level expression of st's tree (NULL ones included). */
void expr_each_child(const struct expr *e,
		     void (*fn)(const struct expr *, void *), void *arg);
void stmt_each_expr(const struct stmt *st,
		    void (*fn)(const struct expr *, void *), void *arg);

/* Deep copies, unannotated (clone.c); NULL for NULL. */
struct expr *expr_clone(const struct expr *e);
struct stmt *stmt_clone(const struct stmt *st);
struct file *file_new(struct source *src);
const char *type_name(enum type t);

#endif
