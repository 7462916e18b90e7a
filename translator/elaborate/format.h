/*
 * printf-style format strings, parsed once in pass 2.  A literal format
 * becomes a list of pieces: runs of literal text and conversions
 *
 *	%[flags][width][.precision][length]conversion
 *
 * flags: - + space # 0; width and precision: digits or `*` (taken from
 * the next argument, a long); length modifiers (l, ll, h...) are
 * accepted and ignored, every number being 64 bits; conversions:
 * d i u x X o c p b m M (a long), s (a string), %% (no argument).
 *
 * types.c parses the format of each printf/sprintf call, checks the
 * arguments against it (a mismatch is a translation error at the script
 * location; an untyped variable takes its type from the format) and
 * keeps it on the call node (expr->format).  Pass 3 only prints the
 * pieces.
 */
#ifndef STAP_FORMAT_H
#define STAP_FORMAT_H

#include "parse/ast.h"

struct format_conv {
	char conv;		/* 'd', 's' ... ('%' never: that is literal) */
	unsigned flags;		/* runtime STAP_F_* bits, in the order of
				 * "-+ #0" */
	int width, prec;	/* -1: none */
	bool width_star, prec_star;
	size_t start, end;	/* the conversion is the format's bytes
				 * [start, end) */
};

/* A literal run (literal) or a conversion.  "%%" ends a literal run
 * with its first '%'; the pieces are in format order. */
struct format_piece {
	bool literal;
	size_t start, len;	/* literal: the format's bytes
				 * [start, start + len) */
	struct format_conv cv;	/* a conversion */
	size_t argi;		/* a conversion: its first argument (a '*'
				 * width, a '*' precision, then the value),
				 * 0 being the one after the format */
};

struct format {
	const char *text;	/* the format's bytes: its E_STR's str */
	struct vec pieces;	/* struct format_piece * */
	size_t nargs;		/* the arguments it takes */
	enum type *arg_types;	/* [nargs]: the type each must have */
};

/* The parsed format of fmt (an E_STR) for nargs arguments, or NULL
 * after reporting (if report) a malformed format or a wrong number of
 * arguments. */
struct format *format_parse(const struct expr *fmt, size_t nargs,
			    bool report);
/* What takes argument argi, for messages: "format conversion '%-5s'",
 * "the '*' width of '%*d'".  Free it. */
char *format_arg_what(const struct format *f, size_t argi);

#endif
