/*
 * Pass 1's interface: turn a script or tapset text into a `struct file`,
 * and print a parsed file back in a stable, re-parseable form (-p1).
 *
 * The preprocessor (%( cond %? a %: b %), @define macros, $N / @N
 * command-line arguments) runs between the lexer and the parser, so the
 * tree never contains unexpanded conditionals or macros.  Its
 * conditions are evaluated against the session's target kernel.
 */
#ifndef STAP_PARSE_H
#define STAP_PARSE_H

#include <stdio.h>
#include "ast.h"

struct session;

/* Parses src.  Errors are reported through diag() (kind "parse error")
 * and counted in diag_errors; the returned file holds every item that
 * parsed cleanly.  tapset: the file comes from the tapset library
 * (embedded C and privileged constructs allowed). */
struct file *parse_source(struct session *s, struct source *src, bool tapset);

/* Reads path ("-" for stdin) and parses it; NULL if unreadable (the
 * error is already reported). */
struct file *parse_path(struct session *s, const char *path, bool tapset);

/* script.c: pass 1's entry, the user's script: the -e text (a source
 * named "<input>") or the FILE (or "-") given on the command line.
 * NULL when it could not be read; parse errors are counted in
 * diag_errors, as parse_source does. */
struct file *parse_user_script(struct session *s);

/* -p1 output: every item of f, in source order per kind. */
void print_file(FILE *out, const struct file *f);
void print_expr(FILE *out, const struct expr *e);
void print_stmt(FILE *out, const struct stmt *st, int indent);
void print_probe_point(FILE *out, const struct probe_point *pp);

#endif
