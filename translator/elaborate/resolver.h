/*
 * The state of pass 2's resolution, shared by the files it is split
 * into: elaborate.c (the entry), scope.c (names and what files define),
 * walk.c (statements and expressions), calls.c (calls and overloads),
 * defined.c (@defined folding) and points.c (probe points and aliases).
 * Nothing outside elaborate/ includes it.
 */
#ifndef STAP_RESOLVER_H
#define STAP_RESOLVER_H

#include "elaborate.h"

struct resolver {
	struct session *s;
	struct file *user;	/* the script */
	struct program *prog;
	struct hash globals;	/* name -> struct sym *; a tapset's private
				 * globals under private_key() */
	struct hash functions;	/* name -> struct vec * of struct function *:
				 * every overload, any arity, in order of
				 * registration */
	struct hash fn_bodies;	/* "%p" of a struct function -> its struct
				 * pbody *, once called */
	struct vec aliases;	/* struct alias *, of every file loaded */
	struct hash alias_index;	/* an alias name's components joined
					 * ("syscall.openat", no arguments) ->
					 * struct vec * of the struct alias *
					 * with that name, in order: the only
					 * candidates of a whole-name match */
	size_t aliases_indexed;	/* aliases[0 .. this) are in it */
	struct tapsets *ts;	/* the library, loaded as names need it */
	struct vec tapset_probes;	/* struct probe *: resolved last, as
					 * a body may be mid-walk when its
					 * tapset is loaded */
	size_t tapset_probes_done;
	struct pbody *body;	/* the body being walked */
	struct hash locals;	/* of that body */
	int loop_depth;
	bool in_entry;		/* walking @entry's operand (entry.c) */
};

/* scope.c */
void register_files(struct resolver *r, struct vec *v);
void register_file(struct resolver *r, struct file *f);
struct sym *sym_new(enum sym_kind kind, const char *name, struct srcloc loc,
		    int index);
void vec_add_unique(struct vec *v, void *item);
struct sym *lookup_var(struct resolver *r, const char *name,
		       struct srcloc loc);
void note_exclusive(struct resolver *r, struct sym *g);
void note_arity(struct sym *s, int n, struct srcloc loc);
struct sym *resolve_aggregate(struct resolver *r, struct expr *e, bool lock);

/* pretty.c: $$vars, $$parms, $$locals, $$return and $var$ / $var$$
 * become the sprintf of their parts (true: e was rewritten, resolve it
 * again); &$var becomes the address of the variable's location. */
bool target_pretty(struct resolver *r, struct expr *e);
void target_addrof(struct resolver *r, struct expr *e);

/* atvar.c: @var e, for access (enum target_access), becomes the
 * E_TARGET of the kernel's or module's variable; and @defined of it. */
void resolve_atvar(struct resolver *r, struct expr *e, unsigned access);

/* entry.c: @entry(e->a) in a .return probe's handler, and a target
 * variable there other than $return, which stands for @entry of
 * itself (entry_implicit: true when e was rewritten into an E_ENTRY,
 * resolved already). */
void resolve_entry(struct resolver *r, struct expr *e);
bool entry_implicit(struct resolver *r, struct expr *e);
/* entry.c: after dead stores were dropped, each handler keeps (and
 * numbers) only the @entry values a statement still reads, so that an
 * alias's unused entry variables cost nothing at the entry. */
void prune_dead_entries(struct program *prog);

/* walk.c */
void unsupported(struct srcloc loc, const char *what);
void resolve_body(struct resolver *r, struct pbody *body);
void resolve_expr(struct resolver *r, struct expr *e);
void resolve_args(struct resolver *r, struct expr *e);

/* calls.c */
void resolve_call(struct resolver *r, struct expr *e);
void register_functions(struct resolver *r, struct file *f);

/* defined.c */
void fold_defined(struct resolver *r, struct expr *e);
int defined_condition(struct resolver *r, struct expr *cond);
bool fold_defined_ternary(struct resolver *r, struct expr *e);
bool fold_defined_logical(struct resolver *r, struct expr *e);

/* points.c */
void resolve_probe(struct resolver *r, struct probe *p, int depth);

#endif
