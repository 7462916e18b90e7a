/*
 * Preprocessor conditionals: %( COND %? TOKENS %: TOKENS %) keeps the
 * branch COND selects and drops the other.  COND compares the target
 * kernel (kernel_v, kernel_vr, arch, CONFIG_* from its build tree's
 * .config), the session (runtime, systemtap_v, systemtap_privilege,
 * guru_mode) or literals, joined by && and || and parenthesised; it is
 * read from expanded tokens, so macros may stand in it.  cond_or() and
 * friends evaluate it; plain_next() is the token layer above
 * expand_next() that resolves the conditionals.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "session.h"
#include "pp_internal.h"
#include "parser.h"

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
		return s && s->compatible ? s->compatible : "5.0";
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
	if (op != EQ && op != NE) {
		/* a name like "x86_64" has no order, as upstream rules */
		pp_error(r->loc, "%s is a name, not a version: compare it with "
			 "'==' or '!=' (a glob pattern may follow), not '%s'",
			 l->text, token_spelling(op));
		*ok = false;
		return false;
	}
	return glob_compare(op, v, r->text);
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

static void second_else(const struct token *t)
{
	pp_error(t->loc, "a preprocessor conditional takes one '%%:' at most: "
		 "nest a second %%( ... %%) for more branches");
}

static void second_then(const struct token *t)
{
	pp_error(t->loc, "a preprocessor conditional takes one '%%?': "
		 "%%( COND %%? THEN %%: ELSE %%)");
}

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
			if (depth == 0)
				second_else(&t);
			break;
		case PP_THEN:
			if (depth == 0)
				second_then(&t);
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

void plain_next(struct pp *p, struct token *t)
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
			if (!c) {
				pp_error(t->loc, "'%%:' without a matching '%%('");
				continue;
			}
			if (c->in_else) {
				second_else(t);
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
			if (c)
				second_then(t);
			else
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
