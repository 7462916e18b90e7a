/*
 * What the grammar's actions in parser.y call, and the parser state
 * they share: the AST node builders of nodes.c and the syntax-error
 * report of errors.c.  The bison header (parser.h) includes it, since
 * the semantic values below are part of YYSTYPE.
 */
#ifndef STAP_PARSE_GRAMMAR_H
#define STAP_PARSE_GRAMMAR_H

#include "ast.h"
#include "preprocess.h"

/* The parser's state, the %param of every action. */
struct parser {
	struct pp *pp;
	struct file *file;
	struct token last;	/* the lookahead when an error is found */
	bool tapset;
	bool guru;		/* -g: embedded C and @kderef allowed */
};

/* global a%[10]: what follows the name */
struct gsize {
	struct srcloc loc;	/* of the size, when given */
	int64_t size;
	bool array, wrap;
};

/* one foreach key: name and sort direction */
struct fekey {
	struct token name;
	int dir;
};

/* the sort suffix after a foreach array: + / - / @sum- ... */
struct fesort {
	int dir;
	const char *agg;
};

/* ---- nodes.c: one builder per construct ---- */

struct vec vec1(void *item);
struct vec vec_add(struct vec v, void *item);
char *tok_dup(const struct token *t);
struct expr *num_expr(const struct token *t, bool negate);
struct expr *str_expr(const struct token *t);
struct expr *var_expr(const struct token *t);
struct expr *binary(enum expr_kind kind, struct expr *a,
		    const struct token *op, struct expr *b);
struct expr *unary(const struct token *op, struct expr *a);
struct expr *incdec(const struct token *op, struct expr *a,
		    bool postfix);
struct expr *call_expr(enum expr_kind kind, const struct token *t,
		       struct vec args);
struct expr *probefn_expr(struct parser *p, const struct token *t,
			  struct vec args);
void guru_only(struct parser *p, struct srcloc loc, const char *where);
struct expr *in_expr(struct vec keys, const struct token *array);
struct expr *target_expr(const struct token *t);
struct expr *add_field(struct expr *base, const struct token *field);
struct expr *add_index(struct expr *base, struct vec args,
		       struct srcloc loc);
struct expr *add_suffix(struct expr *base, const struct token *t);
struct expr *stat_expr(const struct token *op, struct expr *a,
		       struct expr *shift);
struct expr *hist_expr(const struct token *op, struct vec args);
struct expr *cast_expr(const struct token *at, struct expr *a,
		       const struct token *type,
		       const struct token *module);
struct expr *atvar_expr(const struct token *at,
			const struct token *name,
			const struct token *module);
struct expr *unary_at(enum expr_kind kind, const struct token *at,
		      struct expr *a);
struct stmt *expr_stmt(struct expr *e);
struct stmt *simple_stmt(enum stmt_kind kind, struct srcloc loc,
			 struct expr *e);
struct stmt *if_stmt(struct srcloc loc, struct expr *cond,
		     struct stmt *then, struct stmt *els);
struct stmt *loop_stmt(enum stmt_kind kind, struct srcloc loc,
		       struct expr *e, struct stmt *body);
struct stmt *for_stmt(struct srcloc loc, struct expr *init,
		      struct expr *cond, struct expr *step,
		      struct stmt *body);
struct stmt *try_stmt(struct srcloc loc, struct stmt *body,
		      const struct token *var, struct stmt *handler);
struct stmt *block_stmt(struct srcloc loc, struct vec stmts);
struct foreach *fe_keys_new(void);
void fe_add_key(struct foreach *fe, const struct fekey *k);
struct stmt *foreach_stmt(struct srcloc loc, struct foreach *fe,
			  const struct token *value, int vdir,
			  struct expr *array, struct fesort sort,
			  struct expr *limit, struct stmt *body);
struct pp_comp *pp_comp_new(struct srcloc loc, char *name,
			    struct expr *arg);
char *pp_glue(char *name, const struct token *t);
/* Probe point patterns with braces (pp_expand.c): each a vec of
 * struct probe_point *. */
struct vec vec_concat(struct vec a, struct vec b);
struct vec pp_single(struct pp_comp *c);
struct vec pp_product(struct vec heads, struct vec tails);
struct vec pp_flagged(struct vec alts, int flag);
struct vec pp_finish(struct vec points, int flag, struct expr *cond);
void add_probe(struct parser *p, struct srcloc loc, struct vec points,
	       struct stmt *body);
void add_alias(struct parser *p, struct srcloc loc, struct vec names,
	       bool epilogue, struct vec points, struct stmt *body,
	       struct stmt *epilogue_body);
struct param *param_new(const struct token *name, enum type t);
void add_function(struct parser *p, struct srcloc loc,
		  const struct token *name, enum type ret,
		  struct vec params, const struct token *prio,
		  struct stmt *body, const struct token *code,
		  bool private_);
struct global *global_new(const struct token *name, struct gsize gs,
			  struct expr *init);
void add_globals(struct parser *p, struct vec globals, bool private_);
void add_embed(struct parser *p, const struct token *code);

/* ---- errors.c ---- */

/* "expected X, saw Y" for a syntax error at loc, given the names of the
 * n tokens the grammar expected there. */
void syntax_error(struct parser *p, struct srcloc loc,
		  const char *const *expected, int n);

#endif
