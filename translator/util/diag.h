/*
 * Diagnostics: every message that points into a script goes through
 * here, so that all of them look alike:
 *
 *   parse error: expected ';', saw identifier 'x'
 *           at foo.stp:3:14
 *    source: probe begin { x = 1 x }
 *                                ^
 *
 * Errors are counted; a pass fails when the count is non-zero, and the
 * run stops at DIAG_MAX_ERRORS.
 */
#ifndef STAP_DIAG_H
#define STAP_DIAG_H

#include <stdbool.h>
#include "man_hint.h"	/* STAP_MAN_HINT("error::pass2") */

/* A script text, kept whole so that diagnostics can quote its lines. */
struct source {
	char *name;		/* file name, or "<input>" for -e */
	char *text;		/* NUL-terminated contents */
	size_t len;
};

/* A position in a source.  line and col count from 1. */
struct srcloc {
	const struct source *src;
	int line, col;
};

/* kind is the message's first word(s): "parse error", "semantic error",
 * "warning" ... */
void diag(const char *kind, struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_error(struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));	/* "semantic error" */
void diag_warn(struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A message not tied to a script location: "stap: ..." on stderr. */
void fatal_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "Pass N: WHAT failed.  [man error::passN]" on stderr, as upstream
 * ends a failed pass (also under -q): the page says what the user can
 * do about a failure of that pass. */
void diag_pass_failed(int pass);

/* The run stops (exit 1) at this many errors. */
#define DIAG_MAX_ERRORS 20

extern int diag_errors;		/* errors reported so far */
/* While non-zero, diag_error() neither prints nor counts: pass 2 tries
 * the points a wildcard probe point name matches and drops quietly the
 * ones that do not resolve. */
extern int diag_quiet;
extern int diag_warnings;
extern bool diag_suppress_warnings;	/* -w */
extern bool diag_warnings_are_errors;	/* -W */

#endif
