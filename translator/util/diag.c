/*
 * Diagnostics with script locations: the message, "at FILE:LINE:COL",
 * the quoted source line and a caret under the column.  After
 * DIAG_MAX_ERRORS errors the run stops, as compilers stop: past that
 * point the messages are mostly echoes of the first ones.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "diag.h"

int diag_errors;
int diag_quiet;
int diag_warnings;
bool diag_suppress_warnings;
bool diag_warnings_are_errors;

/* Prints the source line that loc points into, and a caret under it. */
static void quote_line(struct srcloc loc)
{
	if (!loc.src || !loc.src->text || loc.line < 1)
		return;
	const char *p = loc.src->text, *end = p + loc.src->len;
	for (int line = 1; line < loc.line && p < end; p++)
		if (*p == '\n')
			line++;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	if (!eol)
		eol = end;
	fprintf(stderr, "        source: %.*s\n", (int)(eol - p), p);
	fprintf(stderr, "                ");
	for (int i = 1; i < loc.col && p + i - 1 < eol; i++)
		fputc(p[i - 1] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

static void vdiag(const char *kind, struct srcloc loc, const char *fmt,
		  va_list ap)
{
	fprintf(stderr, "%s: ", kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (loc.src)
		fprintf(stderr, "        at %s:%d:%d\n", loc.src->name,
			loc.line, loc.col);
	quote_line(loc);
}

/* Counts one error; stops the run at the limit. */
static void count_error(void)
{
	if (++diag_errors < DIAG_MAX_ERRORS)
		return;
	fatal_msg("too many errors (%d), stopping here: fix these and run "
		  "again", diag_errors);
	fflush(stderr);
	exit(1);
}

void diag(const char *kind, struct srcloc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(kind, loc, fmt, ap);
	va_end(ap);
	count_error();
}

void diag_error(struct srcloc loc, const char *fmt, ...)
{
	va_list ap;
	if (diag_quiet)
		return;
	va_start(ap, fmt);
	vdiag("semantic error", loc, fmt, ap);
	va_end(ap);
	count_error();
}

void diag_warn(struct srcloc loc, const char *fmt, ...)
{
	if (diag_suppress_warnings && !diag_warnings_are_errors)
		return;
	va_list ap;
	va_start(ap, fmt);
	vdiag(diag_warnings_are_errors ? "error" : "WARNING", loc, fmt, ap);
	va_end(ap);
	if (diag_warnings_are_errors)
		count_error();
	else
		diag_warnings++;
}

void fatal_msg(const char *fmt, ...)
{
	va_list ap;
	fputs("stap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void diag_pass_failed(int pass)
{
	static const char *const what[] = { NULL, "parse", "analysis",
		"translation", "compilation", "run" };
	static const char *const page[] = { NULL,
		STAP_MAN_HINT("error::pass1"), STAP_MAN_HINT("error::pass2"),
		STAP_MAN_HINT("error::pass3"), STAP_MAN_HINT("error::pass4"),
		STAP_MAN_HINT("error::pass5") };

	if (pass < 1 || pass > 5)
		return;
	fprintf(stderr, "Pass %d: %s failed.  %s\n", pass, what[pass],
		page[pass]);
}
