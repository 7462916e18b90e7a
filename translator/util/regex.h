/*
 * POSIX extended regular expressions (egrep's syntax, without
 * back-references) compiled into a program for the runtime's Pike VM
 * (runtime/regex.c): `expr =~ "regex"` compiles at pass 2, pass 3 writes
 * the program into the module as a table.
 */
#ifndef STAP_UTIL_REGEX_H
#define STAP_UTIL_REGEX_H

#include <stdbool.h>
#include <stddef.h>

/* The runtime's limits (runtime/regex.c has the same numbers): the
 * match state lives in each CPU's context. */
#define RE_MAX_INSTS 128
#define RE_MAX_GROUPS 10	/* group 0, the whole match, included */

enum re_op {
	RE_CHAR,	/* byte x */
	RE_ANY,		/* any byte */
	RE_CLASS,	/* a byte of set */
	RE_SPLIT,	/* go on at x, and (less preferred) at y */
	RE_JMP,		/* go on at x */
	RE_SAVE,	/* the position into capture slot x */
	RE_BOL,		/* at the start of the string */
	RE_EOL,		/* at its end */
	RE_MATCH,
};

struct re_inst {
	enum re_op op;
	int x, y;
	unsigned char set[32];	/* RE_CLASS: bit b of set[b / 8] */
};

struct re_prog {
	struct re_inst insts[RE_MAX_INSTS];
	int n;
	int ngroups;		/* capture groups, group 0 included */
};

/* The program of the n bytes of pattern, or NULL with *err set to what
 * is wrong (malloc'ed). */
struct re_prog *re_compile(const char *pattern, size_t n, char **err);

#endif
