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
 * This file holds the frame stack, $N / @N / $# / @#, expand_next()
 * and pp_next(); macros.c holds @define and macro expansion,
 * conditions.c the %( %) conditionals and the evaluation of their
 * conditions against the target kernel described by the session.
 * pp_internal.h is what the three share.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"
#include "pp_internal.h"
#include "parser.h"

void pp_error(struct srcloc loc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag("parse error", loc, "%s", msg);
}

static void push_frame(struct pp *p, struct frame *f)
{
	f->up = p->top;
	f->depth = p->top ? p->top->depth + 1 : 0;
	p->top = f;
}

void pop_frame(struct pp *p)
{
	struct frame *f = p->top;
	p->top = f->up;
	lexer_free(f->lx);
	free(f);
}

/* The next raw token and the frame it came from (valid until the next
 * call).  The file's own lexer is never popped: it keeps giving the
 * end-of-input token. */
struct frame *raw_next(struct pp *p, struct token *t)
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

bool too_deep(struct pp *p, struct srcloc loc)
{
	if (p->top->depth < MAX_DEPTH)
		return false;
	pp_error(loc, "macro or argument expansion nested too deeply "
		 "(recursive @define?)");
	return true;
}

void push_tokens(struct pp *p, const struct token *toks, size_t n,
		 struct expansion *exp)
{
	struct frame *f = xcalloc(1, sizeof(*f));
	f->toks = toks;
	f->n = n;
	f->exp = exp;
	push_frame(p, f);
}

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
void placeholder(struct token *t)
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

void expand_next(struct pp *p, struct token *t)
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
				define_library_macro(p, t);
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

void unget(struct pp *p, const struct token *t)
{
	p->back = *t;
	p->has_back = true;
}

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

void pp_free(struct pp *p)
{
	while (p->top)
		pop_frame(p);
	free_macro_table(&p->macros);
	vec_free(&p->conds);
	free(p);
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
