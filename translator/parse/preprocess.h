/*
 * Pass 1's token layer: the lexer (lexer.l) turns text into tokens, the
 * preprocessor (preprocess.c) sits between it and the parser and
 * rewrites the token stream:
 *
 *   %( cond %? tokens %: tokens %)   keeps one branch, drops the other;
 *   @define name(params) %( body %) records a macro, @name(args) expands it;
 *   $N / @N / $# / @#               become the command-line argument's
 *                                    tokens, a string, a number;
 *   "a" "b"                          adjacent string literals are glued.
 *
 * The parser only ever sees plain tokens.  Token kinds are bison's
 * (parser.h); text lives in an arena owned by one parse, so that the
 * lexer does not malloc per token.  The AST copies what it keeps.
 */
#ifndef STAP_PREPROCESS_H
#define STAP_PREPROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/arena.h"
#include "util/diag.h"

struct session;

struct token {
	int kind;		/* a yytokentype from parser.h; 0 at end */
	struct srcloc loc;	/* first character */
	const char *text;	/* spelling (identifiers, numbers, keywords,
				 * operators); decoded bytes for strings;
				 * code for %{ %}; name without '@' for @x */
	size_t len;		/* strlen(text), or the string's byte count */
	int64_t num;		/* NUMBER, $N / @N index */
	bool spaced;		/* whitespace or a comment came before it */
};

/* ---- lexer.l ---- */
struct lexer;
/* Tokens of src; text is allocated in a. */
struct lexer *lexer_new(const struct source *src, struct arena *a);
/* The next raw token; kind 0 at the end of the text.  Lexical errors
 * are reported here and the offending character skipped. */
void lexer_next(struct lexer *lx, struct token *t);
/* True once the lexer met an unterminated comment or %{ block: the
 * parser then stays quiet about the unexpected end of input. */
bool lexer_failed(const struct lexer *lx);
void lexer_free(struct lexer *lx);
/* How a token kind is written: "probe", "<<=", ";" ... or NULL for
 * kinds that have no fixed spelling (identifiers, literals). */
const char *token_spelling(int kind);

/* ---- preprocess.c (with macros.c and conditions.c) ---- */
struct pp;
struct pp *pp_new(struct session *s, const struct source *src,
		  struct arena *a);
/* The next token for the parser, with all preprocessing done. */
void pp_next(struct pp *p, struct token *t);
bool pp_lex_failed(const struct pp *p);
void pp_free(struct pp *p);
/* "identifier 'foo'", "string \"x\"", "end of input" ...: what the
 * parser's "saw X" says.  Returns a static buffer. */
const char *token_describe(const struct token *t);

/* print.c: appends s as a double-quoted, escaped string literal that
 * the lexer reads back as the same bytes. */
struct strbuf;
void quote_string(struct strbuf *sb, const char *s, size_t len);

/* Reads the @define's of a library macro file (tapset *.stpm) into a
 * table shared by every later parse.  src must live as long as the
 * process (macro bodies point into it). */
void pp_load_library_macros(struct session *s, const struct source *src);

#endif
