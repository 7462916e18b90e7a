/*
 * Constructors for AST nodes (see ast.h), so that every node starts
 * zeroed with its kind and location set, and the few names that the
 * printer and diagnostics share.
 */
#include <string.h>
#include "ast.h"

struct expr *expr_new(enum expr_kind kind, struct srcloc loc)
{
	struct expr *e = xcalloc(1, sizeof(*e));
	e->kind = kind;
	e->loc = loc;
	return e;
}

struct stmt *stmt_new(enum stmt_kind kind, struct srcloc loc)
{
	struct stmt *st = xcalloc(1, sizeof(*st));
	st->kind = kind;
	st->loc = loc;
	return st;
}

struct file *file_new(struct source *src)
{
	struct file *f = xcalloc(1, sizeof(*f));
	f->src = src;
	return f;
}

const char *type_name(enum type t)
{
	switch (t) {
	case TYPE_LONG: return "long";
	case TYPE_STRING: return "string";
	case TYPE_STATS: return "stats";
	default: return "unknown";
	}
}
