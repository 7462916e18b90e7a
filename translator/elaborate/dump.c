/*
 * --dump-functions and --dump-probe-aliases: the tapset library's
 * public functions with their signatures and its probe aliases with
 * what they expand to, as upstream lists them (names starting with "_"
 * and private functions left out, sorted):
 *
 *   execname:string ()
 *   signal.send = kernel.trace("signal:signal_generate")
 *
 * With -v, an alias's line goes on with the variables its body sets:
 * " # name:string sig:long ...".
 *
 * Every file of the search path is parsed (pass 1 only, a few ms); no
 * kernel is needed.  Types come from the declarations; an untyped
 * function's result, and an alias variable, get the type of what is
 * assigned to them when that is evident from the expression alone (a
 * literal, arithmetic, a call of a typed function or builtin, a target
 * variable), else "unknown", as upstream prints unresolved ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "elaborate.h"
#include "session.h"
#include "tapsets.h"

/* The library's functions by name (struct function *, first wins). */
static struct hash lib_functions;

static bool internal(const char *name)
{
	return name[0] == '_';
}

/* The type e evidently has, given the typed names in vars
 * (name -> (void *)(uintptr_t)type). */
static enum type type_of(const struct expr *e, const struct hash *vars)
{
	const struct function *fn;
	const struct builtin *b;

	switch (e->kind) {
	case E_STR:
	case E_CONCAT:
		return TYPE_STRING;
	case E_VAR:
		return (enum type)(uintptr_t)hash_get(vars, e->name);
	case E_CALL:
		if ((fn = hash_get(&lib_functions, e->name)))
			return fn->ret;
		b = builtin_lookup(e->name);
		return b ? b->ret : TYPE_UNKNOWN;
	case E_TERNARY:
		return type_of(e->b, vars) ? type_of(e->b, vars)
					   : type_of(e->c, vars);
	case E_ASSIGN:
		return type_of(e->b, vars);
	case E_ENTRY:
		return type_of(e->a, vars);
	case E_INDEX:
	case E_EMBEDDED:
	case E_WILDCARD:
	case E_HIST:
	case E_PROBEFN:
		return TYPE_UNKNOWN;
	default:	/* numbers, arithmetic, comparisons, $vars, @cast */
		return TYPE_LONG;
	}
}

/* Records `name = expr` assignments of st (and nested blocks) in vars,
 * in order of first appearance in names. */
static void assignments(const struct stmt *st, struct hash *vars,
			struct vec *names)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++)
			assignments(vec_at(&st->stmts, i), vars, names);
		break;
	case S_IF:
		assignments(st->then, vars, names);
		assignments(st->els, vars, names);
		break;
	case S_TRY:
		assignments(st->body, vars, names);
		assignments(st->handler, vars, names);
		break;
	case S_EXPR:
		if (st->e->kind != E_ASSIGN || st->e->a->kind != E_VAR)
			break;
		const char *name = st->e->a->name;
		enum type t = (enum type)(uintptr_t)hash_get(vars, name);
		if (!t)
			t = type_of(st->e, vars);
		if (!hash_get(vars, name) && !internal(name)) {
			bool seen = false;
			for (size_t i = 0; i < names->len; i++)
				seen |= !strcmp(vec_at(names, i), name);
			if (!seen)
				vec_push(names, (void *)name);
		}
		hash_put(vars, name, (void *)(uintptr_t)t);
		break;
	default:
		break;
	}
}

/* The type of the first `return EXPR` of st, or unknown. */
static enum type return_type(const struct stmt *st, const struct hash *vars)
{
	enum type t = TYPE_UNKNOWN;
	if (!st)
		return t;
	if (st->kind == S_RETURN && st->e)
		return type_of(st->e, vars);
	for (size_t i = 0; st->kind == S_BLOCK && i < st->stmts.len && !t; i++)
		t = return_type(vec_at(&st->stmts, i), vars);
	if (st->kind == S_IF) {
		t = return_type(st->then, vars);
		if (!t)
			t = return_type(st->els, vars);
	}
	return t;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints and frees the sorted, deduplicated lines. */
static void print_lines(FILE *out, struct vec *lines)
{
	qsort(lines->items, lines->len, sizeof(void *), by_string);
	for (size_t i = 0; i < lines->len; i++) {
		char *l = vec_at(lines, i);
		if (!i || strcmp(l, vec_at(lines, i - 1)))
			fprintf(out, "%s\n", l);
	}
	for (size_t i = 0; i < lines->len; i++)
		free(vec_at(lines, i));
}

static char *function_line(const struct function *fn)
{
	struct strbuf sb = {0};
	struct hash params = {0};
	enum type ret = fn->ret;

	for (size_t j = 0; j < fn->params.len; j++) {
		const struct param *p = vec_at(&fn->params, j);
		hash_put(&params, p->name, (void *)(uintptr_t)p->type);
	}
	if (!ret && fn->body)
		ret = return_type(fn->body, &params);
	sb_printf(&sb, "%s:%s (", fn->name, type_name(ret));
	for (size_t j = 0; j < fn->params.len; j++) {
		const struct param *p = vec_at(&fn->params, j);
		sb_printf(&sb, "%s%s:%s", j ? ", " : "", p->name,
			  type_name(p->type));
	}
	sb_puts(&sb, ")");
	hash_free(&params);
	return sb_steal(&sb);
}

/* "name = p1!, p2?" as upstream prints an alias (+= for an epilogue
 * alias); with vars, then the variables its body sets, typed. */
static void alias_lines(const struct alias *a, bool vars_too,
			struct vec *lines)
{
	struct hash vars = {0};
	struct vec names = {0};

	assignments(a->body, &vars, &names);
	qsort(names.items, names.len, sizeof(void *), by_string);
	for (size_t i = 0; i < a->names.len; i++) {
		struct strbuf sb = {0};
		char *text = probe_point_text(vec_at(&a->names, i));
		if (internal(text)) {
			free(text);
			continue;
		}
		sb_puts(&sb, text);
		free(text);
		sb_puts(&sb, a->epilogue ? " +=" : " =");
		for (size_t j = 0; j < a->points.len; j++) {
			const struct probe_point *pp = vec_at(&a->points, j);
			text = probe_point_text(pp);
			sb_printf(&sb, "%s %s%s%s", j ? "," : "", text,
				  pp->sufficient ? "!" : "",
				  pp->optional ? "?" : "");
			free(text);
		}
		for (size_t j = 0; vars_too && j < names.len; j++) {
			const char *v = vec_at(&names, j);
			sb_printf(&sb, "%s%s:%s", j ? " " : " # ", v,
				  type_name((enum type)(uintptr_t)
					    hash_get(&vars, v)));
		}
		vec_push(lines, sb_steal(&sb));
	}
	free(names.items);
	hash_free(&vars);
}

int dump_library(struct session *s, FILE *out)
{
	struct tapsets *t = tapsets_open(s);
	struct vec files = {0}, lines = {0};

	tapsets_parse_all(t, &files);
	for (size_t i = 0; i < files.len; i++) {
		const struct file *f = vec_at(&files, i);
		for (size_t j = 0; j < f->functions.len; j++) {
			struct function *fn = vec_at(&f->functions, j);
			if (!hash_get(&lib_functions, fn->name))
				hash_put(&lib_functions, fn->name, fn);
		}
	}
	for (size_t i = 0; i < files.len; i++) {
		const struct file *f = vec_at(&files, i);
		if (s->dump_functions) {
			for (size_t j = 0; j < f->functions.len; j++) {
				const struct function *fn =
					vec_at(&f->functions, j);
				if (!fn->private_ && !internal(fn->name))
					vec_push(&lines, function_line(fn));
			}
		} else {
			for (size_t j = 0; j < f->aliases.len; j++)
				alias_lines(vec_at(&f->aliases, j),
					    s->verbose > 0, &lines);
		}
	}
	print_lines(out, &lines);
	free(lines.items);
	free(files.items);
	tapsets_close(t);
	return diag_errors ? 1 : 0;
}
