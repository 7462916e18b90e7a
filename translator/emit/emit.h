/*
 * Pass 3: C generation.  emit.c lays out the module (globals, locals,
 * handlers, probe tables); stmt.c and expr.c translate bodies; format.c
 * prints the printf formats pass 2 parsed.  The C produced calls only the
 * runtime (runtime/runtime_core.h) and is built by kbuild in pass 4.
 */
#ifndef STAP_EMIT_H
#define STAP_EMIT_H

#include <stdio.h>
#include "elaborate/elaborate.h"
#include "util/cstring.h"

struct session;

struct emitter {
	FILE *out;
	struct pbody *body;	/* the handler being written */
	int temps;		/* string temporaries it needs so far */
	int labels;		/* unique label / name counter */
	int iters;		/* foreach iterators the handler needs */
	struct vec loop_continue;	/* char *: label for `continue` */
	int actions;		/* statements counted, not yet charged to
				 * the MAXACTION budget (stmt.c) */
	bool regex;		/* a =~ was written: the contexts need the
				 * matcher's state (STAP_NEED_REGEX) */
};

/* The pass-3 entry point: the whole module's C source. */
char *emit_program(struct session *s, struct program *prog);

/* expr.c */
void emit_expr(struct emitter *em, const struct expr *e);
/* A C string literal describing loc for runtime errors:
 * "<what> at file:line:col". */
void emit_loc(FILE *out, const char *what, struct srcloc loc);
/* The C lvalue of a variable symbol. */
void emit_var(struct emitter *em, const struct sym *s);

/* The C for `a_text op b`, a_text being C code of type s64. */
void emit_arith_text(struct emitter *em, const char *op, const struct expr *e,
		     const char *a_text, const struct expr *b);

/* arrays.c: arrays and statistics */
enum agg_kind { AGG_NONE, AGG_MAP, AGG_STAT, AGG_PMAP };
enum agg_kind agg_kind(const struct sym *g);
void emit_aggregate_globals(FILE *out, const struct program *prog);
void emit_keys(struct emitter *em, const struct sym *g, const struct vec *args);
/* Bit i set: index i + 1 is not a '*'. */
unsigned key_mask(const struct vec *args);
void emit_index_read(struct emitter *em, const struct expr *e);
void emit_index_assign(struct emitter *em, const struct expr *e);
void emit_index_incdec(struct emitter *em, const struct expr *e);
void emit_in(struct emitter *em, const struct expr *e);
void emit_stat_add(struct emitter *em, const struct expr *e);
void emit_stat_op(struct emitter *em, const struct expr *e);
void emit_hist_print(struct emitter *em, const char *sb, const struct expr *h);
void emit_hist_source(struct emitter *em, const struct expr *h);
void emit_delete(struct emitter *em, const struct expr *x);

/* entry.c: @entry's record and entry handler for handler body b
 * (nothing without @entry), an E_ENTRY's read of its slot, and the
 * entry fields of b's stap_probe_info initializer. */
void emit_entry_fn(struct emitter *em, struct pbody *b);
void emit_entry_read(struct emitter *em, const struct expr *e);
void emit_entry_info(FILE *out, const struct pbody *b);

/* stmt.c */
void emit_stmt(struct emitter *em, const struct stmt *st);
/* emit.c: the names guru-mode embedded C in body b may use */
void emit_embedded_names(FILE *out, const struct pbody *b, bool undef);

/* format.c: emit_format() writes the statements that append the
 * formatted arguments of a printf/sprintf call, whose format pass 2
 * parsed (call->format), to the stap_sb named by `sb` (C of type
 * struct stap_sb *). */
void emit_format(struct emitter *em, const char *sb, const struct expr *call);

#endif
