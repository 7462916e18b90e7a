/*
 * The builtin functions, in one table.  Pass 2 looks a call's name up
 * here (calls.c), checks its arguments against the entry, types the call
 * from it (types.c) and records the entry on the call node
 * (expr->builtin); pass 3 reads the node and never looks a name up.
 */
#ifndef STAP_BUILTINS_H
#define STAP_BUILTINS_H

#include "parse/ast.h"

/* The print family: print/println (values), printd/printdln (values
 * between a literal delimiter), printf (a literal format); each has an
 * sprint* twin that returns the text as a string.  Then exit and error. */
enum builtin_id { BI_PRINT, BI_PRINTLN, BI_PRINTD, BI_PRINTDLN,
	BI_PRINTF, BI_SPRINT, BI_SPRINTLN, BI_SPRINTD, BI_SPRINTDLN,
	BI_SPRINTF, BI_EXIT, BI_ERROR };

/* What a builtin's arguments are, for typing them. */
enum builtin_args {
	BI_ARGS_NONE,		/* exit */
	BI_ARGS_VALUES,		/* print*: any value but a statistic */
	BI_ARGS_FORMAT,		/* printf: the format's conversions decide */
	BI_ARGS_STRING,		/* error: a string */
};

struct builtin {
	const char *name;
	enum builtin_id id;
	enum builtin_id printer;	/* the print family: the twin that
					 * prints (itself for the printing
					 * ones); others: id */
	enum type ret;		/* a string for the sprint* twins */
	enum builtin_args args;
	int min_args, max_args;	/* max_args -1: any number */
	bool literal_first;	/* the first argument is a string literal
				 * (printf's format, printd's delimiter) */
	const char *usage;	/* the error when the arguments do not fit
				 * (%s: the name), or NULL if any do */
};

/* The builtin called name, or NULL. */
const struct builtin *builtin_lookup(const char *name);
/* Appends every builtin's name (const char *) to out, in table order. */
void builtin_names(struct vec *out);
/* Whether call's arguments fit b (else b->usage says why). */
bool builtin_args_fit(const struct builtin *b, const struct expr *call);

#endif
