/*
 * The preprocessor's state and the functions its three files share:
 * preprocess.c (the frame stack of raw tokens, $N / @N arguments, the
 * expanded and parser-facing token layers), macros.c (@define and
 * @macro expansion) and conditions.c (%( cond %? ... %: ... %) and the
 * kernel tests its conditions make).  Nothing outside them includes it.
 */
#ifndef STAP_PP_INTERNAL_H
#define STAP_PP_INTERNAL_H

#include "util/util.h"
#include "preprocess.h"

/* A growable array of tokens: macro bodies and arguments. */
struct toklist {
	struct token *v;
	size_t n, cap;
};

struct macro {
	const char *name;
	struct srcloc loc;
	struct vec params;	/* const char * */
	bool has_parens;	/* @define name(...) */
	struct toklist body;
};

/* One @macro(args) being expanded: what its @params stand for. */
struct expansion {
	struct macro *m;
	struct toklist *args;	/* m->params.len of them */
	struct expansion *caller;	/* where the args' own @params bind */
};

/* A source of raw tokens. */
struct frame {
	struct frame *up;
	struct lexer *lx;	/* the file, or a $N argument's text */
	const struct token *toks;	/* or a macro body / argument */
	size_t n, i;
	struct expansion *exp;	/* binds @param names in these tokens */
	bool relocate;		/* $N: tokens take the location of $N */
	struct srcloc at;
	int depth;
};

/* An open %( ... %) whose true branch is being read. */
struct cond {
	struct srcloc loc;
	bool in_else;		/* reading the %: branch */
};

struct pp {
	struct session *s;
	struct arena *arena;
	struct frame *top;
	struct hash macros;	/* name -> struct macro *, this file's */
	struct vec conds;	/* struct cond * */
	struct token back;	/* one token pushed back into expand_next */
	bool has_back;
	struct token peek;	/* lookahead of pp_next (string gluing) */
	bool has_peek;
	bool collecting;	/* reading an .stpm: only @define allowed */
};

enum { MAX_DEPTH = 500 };

void pp_error(struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void placeholder(struct token *t);

/* ---- preprocess.c: the token layers ---- */
struct frame *raw_next(struct pp *p, struct token *t);
void pop_frame(struct pp *p);
bool too_deep(struct pp *p, struct srcloc loc);
void push_tokens(struct pp *p, const struct token *toks, size_t n,
		 struct expansion *exp);
void expand_next(struct pp *p, struct token *t);
void unget(struct pp *p, const struct token *t);

/* ---- macros.c ---- */
/* Handles an @name token; returns true if it is a plain token for the
 * parser (an @-builtin), false if it was consumed. */
bool at_name(struct pp *p, struct token *t, struct expansion *e);
/* @define in a macro library file (.stpm): into the shared table. */
void define_library_macro(struct pp *p, const struct token *at);
void free_macro_table(struct hash *h);

/* ---- conditions.c ---- */
/* Expanded tokens with %( %? %: %) resolved. */
void plain_next(struct pp *p, struct token *t);

#endif
