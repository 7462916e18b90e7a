/*
 * Macros: @define NAME(PARAMS) %( BODY %) records one, @NAME(ARGS)
 * expands it, and @PARAM inside a body stands for an argument's tokens.
 * A file's own macros live in its struct pp; the library's (tapset
 * *.stpm files, read by pp_load_library_macros()) in a table shared by
 * every parse.  at_name() also tells the @-builtins (@count, @cast ...)
 * from macros.
 */
#include <stdlib.h>
#include <string.h>
#include "pp_internal.h"
#include "session.h"
#include "parser.h"

static void toklist_push(struct toklist *l, const struct token *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *t;
}

/* Library macros from tapset *.stpm files, shared by every parse. */
static struct hash library_macros;
static struct arena library_arena;

static struct macro *find_macro(struct pp *p, const char *name)
{
	struct macro *m = hash_get(&p->macros, name);
	if (!m)
		m = hash_get(&library_macros, name);
	if (!m && !p->collecting && p->s && p->s->library_macro &&
	    p->s->library_macro(p->s, name))
		m = hash_get(&library_macros, name);
	return m;
}

/* @define NAME [(P1, P2...)] %( BODY %): records the macro. */
static void define_macro(struct pp *p, const struct token *at,
			 struct hash *table, struct arena *a)
{
	struct token t;
	struct macro *m = arena_alloc(a, sizeof(*m));
	memset(m, 0, sizeof(*m));
	m->loc = at->loc;

	raw_next(p, &t);
	if (t.kind != IDENT) {
		pp_error(t.loc, "expected macro name after @define, saw %s",
			 token_describe(&t));
		return;
	}
	m->name = arena_strndup(a, t.text, t.len);
	raw_next(p, &t);
	if (t.kind == '(') {
		m->has_parens = true;
		raw_next(p, &t);
		while (t.kind != ')') {
			if (t.kind != IDENT) {
				pp_error(t.loc, "expected macro parameter name, "
					 "saw %s", token_describe(&t));
				return;
			}
			vec_push(&m->params, arena_strndup(a, t.text, t.len));
			raw_next(p, &t);
			if (t.kind == ',')
				raw_next(p, &t);
			else if (t.kind != ')') {
				pp_error(t.loc, "expected ',' or ')' in @define "
					 "parameters, saw %s", token_describe(&t));
				return;
			}
		}
		raw_next(p, &t);
	}
	if (t.kind != PP_OPEN) {
		pp_error(t.loc, "expected '%%(' to start the body of @define %s, "
			 "saw %s", m->name, token_describe(&t));
		return;
	}
	for (int depth = 0;;) {
		raw_next(p, &t);
		if (t.kind == 0) {
			pp_error(at->loc, "unterminated @define %s: missing '%%)'",
				 m->name);
			return;
		}
		if (t.kind == PP_OPEN)
			depth++;
		if (t.kind == PP_CLOSE && depth-- == 0)
			break;
		if (a != p->arena) {	/* library macros outlive the parse */
			t.text = arena_strndup(a, t.text, t.len);
		}
		toklist_push(&m->body, &t);
	}
	if (hash_get(table, m->name) && a != p->arena)
		return;	/* the library's: the most specific file's wins */
	if (hash_get(table, m->name)) {
		pp_error(at->loc, "macro @%s is already defined", m->name);
		return;
	}
	hash_put(table, m->name, m);
}

/* Reads "(arg, arg...)" after a macro name, splitting at top-level
 * commas.  Returns the number of arguments, or -1 on error. */
static long macro_args(struct pp *p, const struct token *at,
		       struct toklist **out)
{
	struct token t;
	struct vec args = {0};
	struct toklist *cur = xcalloc(1, sizeof(*cur));
	int depth = 0;

	raw_next(p, &t);
	if (t.kind != '(') {
		pp_error(t.loc, "expected '(' after macro @%s, saw %s",
			 at->text, token_describe(&t));
		return -1;
	}
	for (;;) {
		raw_next(p, &t);
		if (t.kind == 0) {
			pp_error(at->loc, "unterminated arguments of macro @%s",
				 at->text);
			return -1;
		}
		if (depth == 0 && (t.kind == ',' || t.kind == ')')) {
			vec_push(&args, cur);
			if (t.kind == ')')
				break;
			cur = xcalloc(1, sizeof(*cur));
			continue;
		}
		if (t.kind == '(' || t.kind == '[' || t.kind == '{' ||
		    t.kind == PP_OPEN)
			depth++;
		if (t.kind == ')' || t.kind == ']' || t.kind == '}' ||
		    t.kind == PP_CLOSE)
			depth--;
		toklist_push(cur, &t);
	}
	if (args.len == 1 && ((struct toklist *)args.items[0])->n == 0)
		args.len = 0;	/* @m() */
	*out = arena_alloc(p->arena, (args.len + 1) * sizeof(**out));
	for (size_t i = 0; i < args.len; i++) {
		(*out)[i] = *(struct toklist *)args.items[i];
		free(args.items[i]);
	}
	long n = (long)args.len;
	vec_free(&args);
	return n;
}

/* Pushes the body of macro m; false (reported) if its arguments are
 * wrong. */
static bool expand_macro(struct pp *p, struct macro *m,
			 const struct token *at, struct expansion *caller)
{
	struct expansion *e = arena_alloc(p->arena, sizeof(*e));
	e->m = m;
	e->args = NULL;
	e->caller = caller;
	if (m->has_parens) {
		long n = macro_args(p, at, &e->args);
		if (n < 0)
			return false;
		if ((size_t)n != m->params.len) {
			pp_error(at->loc, "macro @%s takes %zu argument%s, "
				 "%ld given", m->name, m->params.len,
				 m->params.len == 1 ? "" : "s", n);
			return false;
		}
	}
	if (!too_deep(p, at->loc))
		push_tokens(p, m->body.v, m->body.n, e);
	return true;
}

/* If name is a parameter of the macro being expanded, pushes the
 * argument's tokens. */
static bool expand_param(struct pp *p, struct expansion *e,
			 const struct token *at)
{
	if (!e)
		return false;
	for (size_t i = 0; i < e->m->params.len; i++) {
		if (strcmp(vec_at(&e->m->params, i), at->text) == 0) {
			if (!too_deep(p, at->loc))
				push_tokens(p, e->args[i].v, e->args[i].n,
					    e->caller);
			return true;
		}
	}
	return false;
}

static const struct { const char *name; int kind; } builtins[] = {
	/* sorted for bsearch */
	{ "avg", AT_STAT }, { "cast", AT_CAST }, { "const", AT_FN },
	{ "count", AT_STAT }, { "defined", AT_DEFINED }, { "entry", AT_ENTRY },
	{ "hist_linear", AT_HIST }, { "hist_log", AT_HIST },
	{ "kderef", AT_FN }, { "kregister", AT_FN }, { "max", AT_STAT },
	{ "min", AT_STAT }, { "perf", AT_PERF }, { "probewrite", AT_FN },
	{ "sum", AT_STAT }, { "uderef", AT_FN }, { "uregister", AT_FN },
	{ "var", AT_VAR }, { "variance", AT_STAT },
};

static int builtin_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static int builtin_kind(const char *name)
{
	const void *b = bsearch(name, builtins,
				sizeof(builtins) / sizeof(builtins[0]),
				sizeof(builtins[0]), builtin_cmp);
	return b ? ((const typeof(builtins[0]) *)b)->kind : 0;
}

bool at_name(struct pp *p, struct token *t, struct expansion *e)
{
	if (expand_param(p, e, t))
		return false;
	int kind = builtin_kind(t->text);
	if (kind) {
		t->kind = kind;
		return true;
	}
	if (strcmp(t->text, "define") == 0) {
		define_macro(p, t, &p->macros, p->arena);
		return false;
	}
	struct macro *m = find_macro(p, t->text);
	if (m && expand_macro(p, m, t, e))
		return false;
	if (!m)
		pp_error(t->loc, "unknown macro or operator @%s", t->text);
	placeholder(t);
	return true;
}

void define_library_macro(struct pp *p, const struct token *at)
{
	define_macro(p, at, &library_macros, &library_arena);
}

void free_macro_table(struct hash *h)
{
	for (size_t i = 0; i < h->cap; i++) {
		struct macro *m = h->keys[i] ? h->vals[i] : NULL;
		if (m) {
			free(m->body.v);
			vec_free(&m->params);
		}
	}
	hash_free(h);
}

void pp_load_library_macros(struct session *s, const struct source *src)
{
	struct arena a = {0};
	struct pp *p = pp_new(s, src, &a);
	struct token t;

	p->collecting = true;
	for (;;) {
		plain_next(p, &t);
		if (t.kind == 0)
			break;
		pp_error(t.loc, "only @define is allowed in a macro library "
			 "file, saw %s", token_describe(&t));
		break;
	}
	while (p->top)
		pop_frame(p);
	vec_free(&p->conds);
	free(p);
	arena_free(&a);
}
