/*
 * The preprocessor: between the lexer and the parser, it rewrites the
 * token stream (see preprocess.h for the constructs).  Three layers,
 * each built on the one before:
 *
 *   raw_next()     the next token from a stack of frames: the file's
 *                  lexer at the bottom, above it macro bodies, macro
 *                  arguments and $N argument texts being expanded;
 *   expand_next()  raw tokens with @define, @macro, @param, $N, @N,
 *                  $#, @# handled (macros expand before conditionals,
 *                  so that a condition may use them);
 *   plain_next()   expanded tokens with %( %? %: %) resolved;
 *   pp_next()      what the parser sees: plus adjacent-string gluing.
 *
 * Conditions are evaluated by cond_or() and friends against the target
 * kernel described by the session.  The arena and helpers for tokens
 * are at the top, the condition evaluator in the middle.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../session.h"
#include "../util/util.h"
#include "preprocess.h"
#include "parser.h"

/* ---- arena ---- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + 7) & ~(size_t)7;
	struct arena_chunk *c = a->head;
	if (!c || c->used + n > c->cap) {
		size_t cap = n > 65536 ? n : 65536;
		c = xmalloc(sizeof(*c) + cap);
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;
	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- data ---- */

/* A growable array of tokens: macro bodies and arguments. */
struct toklist {
	struct token *v;
	size_t n, cap;
};

static void toklist_push(struct toklist *l, const struct token *t)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *t;
}

struct macro {
	const char *name;
	struct srcloc loc;
	struct vec params;	/* const char * */
	bool has_parens;	/* @define name(...) */
	struct toklist body;
};

/* One @macro(args) being expanded: what its @params stand for. */
struct expansion {
	struct macro *m;
	struct toklist *args;	/* m->params.len of them */
	struct expansion *caller;	/* where the args' own @params bind */
};

/* A source of raw tokens. */
struct frame {
	struct frame *up;
	struct lexer *lx;	/* the file, or a $N argument's text */
	const struct token *toks;	/* or a macro body / argument */
	size_t n, i;
	struct expansion *exp;	/* binds @param names in these tokens */
	bool relocate;		/* $N: tokens take the location of $N */
	struct srcloc at;
	int depth;
};

/* An open %( ... %) whose true branch is being read. */
struct cond {
	struct srcloc loc;
	bool in_else;		/* reading the %: branch */
};

struct pp {
	struct session *s;
	struct arena *arena;
	struct frame *top;
	struct hash macros;	/* name -> struct macro *, this file's */
	struct vec conds;	/* struct cond * */
	struct token back;	/* one token pushed back into expand_next */
	bool has_back;
	struct token peek;	/* lookahead of pp_next (string gluing) */
	bool has_peek;
	bool collecting;	/* reading an .stpm: only @define allowed */
};

/* Library macros from tapset *.stpm files, shared by every parse. */
static struct hash library_macros;
static struct arena library_arena;

enum { MAX_DEPTH = 500 };

static void pp_error(struct srcloc loc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pp_error(struct srcloc loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("parse error", loc, "%s", msg);
}

/* ---- raw tokens: the frame stack ---- */

static void push_frame(struct pp *p, struct frame *f)
{
	f->up = p->top;
	f->depth = p->top ? p->top->depth + 1 : 0;
	p->top = f;
}

static void pop_frame(struct pp *p)
{
	struct frame *f = p->top;
	p->top = f->up;
	lexer_free(f->lx);
	free(f);
}

/* The next raw token and the frame it came from (valid until the next
 * call).  The file's own lexer is never popped: it keeps giving the
 * end-of-input token. */
static struct frame *raw_next(struct pp *p, struct token *t)
{
	for (;;) {
		struct frame *f = p->top;
		if (f->lx) {
			lexer_next(f->lx, t);
			if (t->kind == 0 && f->up) {
				pop_frame(p);
				continue;
			}
			if (f->relocate)
				t->loc = f->at;
			return f;
		}
		if (f->i < f->n) {
			*t = f->toks[f->i++];
			return f;
		}
		pop_frame(p);
	}
}

static bool too_deep(struct pp *p, struct srcloc loc)
{
	if (p->top->depth < MAX_DEPTH)
		return false;
	pp_error(loc, "macro or argument expansion nested too deeply "
		 "(recursive @define?)");
	return true;
}

static void push_tokens(struct pp *p, const struct token *toks, size_t n,
			struct expansion *exp)
{
	struct frame *f = xcalloc(1, sizeof(*f));
	f->toks = toks;
	f->n = n;
	f->exp = exp;
	push_frame(p, f);
}

/* ---- $N, @N, $#, @# ---- */

static size_t arg_count(const struct pp *p)
{
	return p->s ? p->s->script_args.len : 0;
}

/* The text of argument $N / @N, or NULL (reported) when not given. */
static const char *arg_text(struct pp *p, const struct token *t)
{
	size_t n = arg_count(p);
	if (t->num < 1 || (uint64_t)t->num > n) {
		pp_error(t->loc, "command line argument %s not given "
			 "(%zu argument%s given)", t->text, n,
			 n == 1 ? "" : "s");
		return NULL;
	}
	return vec_at(&p->s->script_args, t->num - 1);
}

/* $N: the argument's text, lexed as tokens in place of $N.  Returns
 * false (reported) if there is no such argument. */
static bool expand_arg_tokens(struct pp *p, const struct token *t)
{
	const char *text = arg_text(p, t);
	if (!text)
		return false;
	if (too_deep(p, t->loc))
		return true;
	struct source *src = arena_alloc(p->arena, sizeof(*src));
	src->name = arena_strndup(p->arena, t->text, strlen(t->text));
	src->len = strlen(text);
	src->text = arena_strndup(p->arena, text, src->len);
	struct frame *f = xcalloc(1, sizeof(*f));
	f->lx = lexer_new(src, p->arena);
	f->relocate = true;
	f->at = t->loc;
	push_frame(p, f);
	return true;
}

/* After an error, something for the parser to read instead of what
 * could not be expanded, so that one mistake gives one message. */
static void placeholder(struct token *t)
{
	t->kind = NUMBER;
	t->num = 0;
	t->text = "0";
	t->len = 1;
}

static void make_string(struct pp *p, struct token *t, const char *s)
{
	t->kind = STRING;
	t->len = strlen(s);
	t->text = arena_strndup(p->arena, s, t->len);
}

/* ---- @define and @macro ---- */

static struct macro *find_macro(struct pp *p, const char *name)
{
	struct macro *m = hash_get(&p->macros, name);
	return m ? m : hash_get(&library_macros, name);
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

/* ---- expanded tokens ---- */

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

/* Handles an @name token; returns true if it is a plain token for the
 * parser (an @-builtin), false if it was consumed. */
static bool at_name(struct pp *p, struct token *t, struct expansion *e)
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

static void expand_next(struct pp *p, struct token *t)
{
	if (p->has_back) {
		*t = p->back;
		p->has_back = false;
		return;
	}
	for (;;) {
		struct frame *f = raw_next(p, t);
		char num[32];
		const char *text;

		switch (t->kind) {
		case ARG_NUM:
			if (expand_arg_tokens(p, t))
				continue;
			placeholder(t);
			return;
		case ARG_STR:
			text = arg_text(p, t);
			make_string(p, t, text ? text : "");
			return;
		case ARG_COUNT:
			t->kind = NUMBER;
			t->num = (int64_t)arg_count(p);
			snprintf(num, sizeof(num), "%zu", arg_count(p));
			t->text = arena_strndup(p->arena, num, strlen(num));
			return;
		case ARG_COUNT_STR:
			snprintf(num, sizeof(num), "%zu", arg_count(p));
			make_string(p, t, num);
			return;
		case AT_IDENT:
			if (p->collecting && strcmp(t->text, "define") == 0) {
				define_macro(p, t, &library_macros,
					     &library_arena);
				continue;
			}
			if (at_name(p, t, f->exp))
				return;
			continue;
		default:
			return;
		}
	}
}

static void unget(struct pp *p, const struct token *t)
{
	p->back = *t;
	p->has_back = true;
}

/* ---- conditions: %( cond %? ---- */

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* The kernel version without the release suffix: "6.12.117". */
static const char *kernel_v(struct pp *p, char *buf, size_t size)
{
	const char *r = str_or_empty(p->s ? p->s->kernel_release : NULL);
	size_t n = strspn(r, "0123456789.");
	while (n > 0 && r[n - 1] == '.')
		n--;
	snprintf(buf, size, "%.*s", (int)n, r);
	return buf;
}

/* CONFIG_* values of the target's .config, read once per build tree. */
static const char *config_value(struct pp *p, const char *name)
{
	static struct hash config;
	static char *loaded_from;
	const char *tree = p->s ? p->s->kernel_build_tree : NULL;

	if (!tree)
		return "";
	if (!loaded_from || strcmp(loaded_from, tree) != 0) {
		hash_free(&config);
		free(loaded_from);
		loaded_from = xstrdup(tree);
		char *path = xasprintf("%s/.config", tree);
		char *text = read_file(path, NULL);	/* kept: keys point in */
		free(path);
		for (char *line = text; line && *line;) {
			char *eol = strchr(line, '\n');
			if (eol)
				*eol = '\0';
			char *eq = strchr(line, '=');
			if (strncmp(line, "CONFIG_", 7) == 0 && eq) {
				*eq = '\0';
				char *v = eq + 1;
				size_t n = strlen(v);
				if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
					v[n - 1] = '\0';
					v++;
				}
				hash_put(&config, line, v);
			}
			line = eol ? eol + 1 : line + strlen(line);
		}
	}
	return str_or_empty(hash_get(&config, name));
}

static bool has_wildcard(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Applies a comparison operator to the sign of a comparison result. */
static bool compare(int op, long long r)
{
	switch (op) {
	case EQ: return r == 0;
	case NE: return r != 0;
	case '<': return r < 0;
	case LE: return r <= 0;
	case '>': return r > 0;
	case GE: return r >= 0;
	}
	return false;
}

static bool glob_compare(int op, const char *value, const char *pattern)
{
	bool match = fnmatch(pattern, value, 0) == 0;
	return op == EQ ? match : !match;
}

static bool version_compare(int op, const char *value, const char *want)
{
	if ((op == EQ || op == NE) && has_wildcard(want))
		return glob_compare(op, value, want);
	return compare(op, strverscmp(value, want));
}

static bool is_cmp_op(int kind)
{
	return kind == EQ || kind == NE || kind == '<' || kind == LE ||
	       kind == '>' || kind == GE;
}

/* An operand of a condition: a name, a string or an optionally negated
 * number.  Returns false (reported) if it is none of those. */
static bool cond_operand(struct pp *p, struct token *t)
{
	expand_next(p, t);
	if (t->kind == '-') {
		struct token n;
		expand_next(p, &n);
		if (n.kind != NUMBER) {
			pp_error(n.loc, "expected number after '-' in "
				 "preprocessor condition, saw %s",
				 token_describe(&n));
			return false;
		}
		n.num = (int64_t)(0 - (uint64_t)n.num);
		n.loc = t->loc;
		*t = n;
		return true;
	}
	if (t->kind == IDENT || t->kind == STRING || t->kind == NUMBER)
		return true;
	pp_error(t->loc, "expected preprocessor condition, saw %s",
		 token_describe(t));
	return false;
}

/* The value of a named condition variable, as a string; NULL (reported)
 * when the name is unknown.  *numeric tells how to compare it. */
static const char *cond_var(struct pp *p, const struct token *name,
			    bool *version, bool *numeric, char *buf,
			    size_t size)
{
	const char *n = name->text;
	struct session *s = p->s;

	*version = *numeric = false;
	if (strcmp(n, "kernel_v") == 0) {
		*version = true;
		return kernel_v(p, buf, size);
	}
	if (strcmp(n, "kernel_vr") == 0) {
		*version = true;
		return str_or_empty(s ? s->kernel_release : NULL);
	}
	if (strcmp(n, "systemtap_v") == 0) {
		*version = true;
		return "5.0";
	}
	if (strcmp(n, "arch") == 0)
		return str_or_empty(s ? s->arch : NULL);
	if (strcmp(n, "runtime") == 0)
		return "kernel";
	if (strcmp(n, "systemtap_privilege") == 0)
		return s && s->unprivileged ? "stapusr" : "stapdev";
	if (strcmp(n, "guru_mode") == 0) {
		*numeric = true;
		return s && s->guru ? "1" : "0";
	}
	if (strncmp(n, "CONFIG_", 7) == 0)
		return config_value(p, n);
	pp_error(name->loc, "unknown preprocessor condition '%s' (expected "
		 "kernel_v, kernel_vr, arch, runtime, systemtap_v, "
		 "systemtap_privilege, guru_mode or CONFIG_...)", n);
	return NULL;
}

/* NAME op LITERAL */
static bool cond_named(struct pp *p, const struct token *l, int op,
		       const struct token *r, bool *ok)
{
	bool version, numeric;
	char buf[128];
	const char *v = cond_var(p, l, &version, &numeric, buf, sizeof(buf));

	if (!v) {
		*ok = false;
		return false;
	}
	if (r->kind == NUMBER) {
		if (version) {
			pp_error(r->loc, "%s must be compared with a version "
				 "string, like \"6.1\"", l->text);
			*ok = false;
			return false;
		}
		long long x = strtoll(v, NULL, 0);
		return compare(op, x < r->num ? -1 : x > r->num);
	}
	if (numeric) {
		pp_error(r->loc, "%s must be compared with a number", l->text);
		*ok = false;
		return false;
	}
	if (version)
		return version_compare(op, v, r->text);
	if (op == EQ || op == NE)
		return glob_compare(op, v, r->text);
	return compare(op, strcmp(v, r->text));
}

/* One comparison: NAME op LITERAL, or LITERAL op LITERAL. */
static bool cond_compare(struct pp *p, bool *ok)
{
	struct token l, op, r;

	if (!cond_operand(p, &l)) {
		*ok = false;
		return false;
	}
	expand_next(p, &op);
	if (!is_cmp_op(op.kind)) {
		pp_error(op.loc, "expected comparison operator in preprocessor "
			 "condition, saw %s", token_describe(&op));
		*ok = false;
		return false;
	}
	if (!cond_operand(p, &r)) {
		*ok = false;
		return false;
	}
	if (r.kind == IDENT) {
		pp_error(r.loc, "expected string or number after '%s', saw %s",
			 token_spelling(op.kind), token_describe(&r));
		*ok = false;
		return false;
	}
	if (l.kind == IDENT)
		return cond_named(p, &l, op.kind, &r, ok);
	if (l.kind != r.kind) {
		pp_error(r.loc, "cannot compare a string with a number in "
			 "preprocessor condition");
		*ok = false;
		return false;
	}
	if (l.kind == NUMBER)
		return compare(op.kind, l.num < r.num ? -1 : l.num > r.num);
	return compare(op.kind, strcmp(l.text, r.text));
}

static bool cond_or(struct pp *p, bool *ok);

static bool cond_term(struct pp *p, bool *ok)
{
	struct token t;
	expand_next(p, &t);
	if (t.kind != '(') {
		unget(p, &t);
		return cond_compare(p, ok);
	}
	bool v = cond_or(p, ok);
	expand_next(p, &t);
	if (t.kind != ')' && *ok) {
		pp_error(t.loc, "expected ')' in preprocessor condition, saw %s",
			 token_describe(&t));
		*ok = false;
	}
	return v;
}

static bool cond_and(struct pp *p, bool *ok)
{
	bool v = cond_term(p, ok);
	struct token t;
	for (;;) {
		expand_next(p, &t);
		if (t.kind != ANDAND || !*ok)
			break;
		bool r = cond_term(p, ok);
		v = v && r;
	}
	unget(p, &t);
	return v;
}

static bool cond_or(struct pp *p, bool *ok)
{
	bool v = cond_and(p, ok);
	struct token t;
	for (;;) {
		expand_next(p, &t);
		if (t.kind != OROR || !*ok)
			break;
		bool r = cond_and(p, ok);
		v = v || r;
	}
	unget(p, &t);
	return v;
}

/* ---- conditionals: plain tokens ---- */

/* Skips a branch not taken, up to the %: (if stop_at_else) or the %)
 * that ends it, and returns which one ended it (0 at end of input). */
static int skip_branch(struct pp *p, bool stop_at_else)
{
	struct token t;
	int depth = 0;

	if (p->has_back) {
		t = p->back;
		p->has_back = false;
		goto have;
	}
	for (;;) {
		raw_next(p, &t);
have:
		switch (t.kind) {
		case 0:
			return 0;
		case PP_OPEN:
			depth++;
			break;
		case PP_CLOSE:
			if (depth-- == 0)
				return PP_CLOSE;
			break;
		case PP_ELSE:
			if (depth == 0 && stop_at_else)
				return PP_ELSE;
			break;
		}
	}
}

static void push_cond(struct pp *p, struct srcloc loc, bool in_else)
{
	struct cond *c = arena_alloc(p->arena, sizeof(*c));
	c->loc = loc;
	c->in_else = in_else;
	vec_push(&p->conds, c);
}

static void unterminated(struct pp *p, struct srcloc loc)
{
	pp_error(loc, "unterminated preprocessor conditional: missing '%%)'");
}

/* %( cond %? ...: evaluates cond and positions the stream in the branch
 * it selects. */
static void open_cond(struct pp *p, const struct token *open)
{
	bool ok = true;
	bool v = cond_or(p, &ok);
	struct token t;

	expand_next(p, &t);
	if (t.kind != PP_THEN) {
		if (ok)
			pp_error(t.loc, "expected '%%?' after preprocessor "
				 "condition, saw %s", token_describe(&t));
		while (t.kind != PP_THEN && t.kind != PP_CLOSE && t.kind != 0)
			raw_next(p, &t);
		if (t.kind != PP_THEN) {
			if (t.kind == 0)
				unterminated(p, open->loc);
			return;
		}
		v = false;
	}
	if (v) {
		push_cond(p, open->loc, false);
		return;
	}
	switch (skip_branch(p, true)) {
	case PP_ELSE:
		push_cond(p, open->loc, true);
		break;
	case 0:
		unterminated(p, open->loc);
		break;
	}
}

static void plain_next(struct pp *p, struct token *t)
{
	for (;;) {
		expand_next(p, t);
		struct cond *c = p->conds.len ?
			vec_at(&p->conds, p->conds.len - 1) : NULL;

		switch (t->kind) {
		case PP_OPEN:
			open_cond(p, t);
			continue;
		case PP_ELSE:
			if (!c || c->in_else) {
				pp_error(t->loc, "'%%:' without a matching '%%('");
				continue;
			}
			if (skip_branch(p, false) == 0)
				unterminated(p, c->loc);
			p->conds.len--;
			continue;
		case PP_CLOSE:
			if (!c)
				pp_error(t->loc, "'%%)' without a matching '%%('");
			else
				p->conds.len--;
			continue;
		case PP_THEN:
			pp_error(t->loc, "'%%?' outside a preprocessor "
				 "conditional");
			continue;
		case 0:
			if (c) {
				unterminated(p, c->loc);
				p->conds.len = 0;
			}
			return;
		default:
			return;
		}
	}
}

/* ---- the parser's view ---- */

void pp_next(struct pp *p, struct token *t)
{
	if (p->has_peek) {
		*t = p->peek;
		p->has_peek = false;
	} else {
		plain_next(p, t);
	}
	if (t->kind != STRING)
		return;
	for (;;) {
		struct token n;
		plain_next(p, &n);
		if (n.kind != STRING) {
			p->peek = n;
			p->has_peek = true;
			return;
		}
		char *glued = arena_alloc(p->arena, t->len + n.len + 1);
		memcpy(glued, t->text, t->len);
		memcpy(glued + t->len, n.text, n.len + 1);
		t->text = glued;
		t->len += n.len;
	}
}

struct pp *pp_new(struct session *s, const struct source *src,
		  struct arena *a)
{
	struct pp *p = xcalloc(1, sizeof(*p));
	p->s = s;
	p->arena = a;
	struct frame *f = xcalloc(1, sizeof(*f));
	f->lx = lexer_new(src, a);
	push_frame(p, f);
	return p;
}

bool pp_lex_failed(const struct pp *p)
{
	const struct frame *f = p->top;
	while (f->up)
		f = f->up;
	return lexer_failed(f->lx);
}

static void free_macro_table(struct hash *h)
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

void pp_free(struct pp *p)
{
	while (p->top)
		pop_frame(p);
	free_macro_table(&p->macros);
	vec_free(&p->conds);
	free(p);
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

const char *token_describe(const struct token *t)
{
	static char buf[160];
	struct strbuf sb = {0};
	const char *sp = token_spelling(t->kind);

	switch (t->kind) {
	case 0:
		return "end of input";
	case IDENT:
	case TARGET:
	case SUFFIX:
		snprintf(buf, sizeof(buf), "identifier '%.100s'", t->text);
		break;
	case NUMBER:
		snprintf(buf, sizeof(buf), "number '%.100s'", t->text);
		break;
	case STRING:
		quote_string(&sb, t->text, t->len > 60 ? 60 : t->len);
		snprintf(buf, sizeof(buf), "string %s%s", sb.buf,
			 t->len > 60 ? "..." : "");
		sb_free(&sb);
		break;
	case EMBEDDED:
		return "embedded C code '%{ ... %}'";
	case AT_IDENT: case AT_STAT: case AT_HIST: case AT_CAST: case AT_VAR:
	case AT_DEFINED: case AT_ENTRY: case AT_PERF: case AT_FN:
		snprintf(buf, sizeof(buf), "'@%.100s'", t->text);
		break;
	case ARG_NUM: case ARG_STR:
		snprintf(buf, sizeof(buf), "'%.100s'", t->text);
		break;
	default:
		if (t->kind >= PROBE && t->kind <= LONG_KW)
			snprintf(buf, sizeof(buf), "keyword '%s'", sp);
		else
			snprintf(buf, sizeof(buf), "'%s'", sp ? sp : "?");
	}
	return buf;
}
