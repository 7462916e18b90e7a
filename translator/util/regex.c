/*
 * The regex compiler: a recursive-descent parser of POSIX EREs into a
 * tree, then the tree into Pike VM instructions (regex.h).  Bounded
 * repetition {m,n} is written out, so the program size, not the
 * pattern's, meets RE_MAX_INSTS.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "regex.h"
#include "util.h"

enum node_kind { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT,
		 N_REPEAT, N_GROUP };

/* A tree node; N_REPEAT repeats a min to max times (max -1: no bound). */
struct node {
	enum node_kind kind;
	int c;
	unsigned char set[32];
	struct node *a, *b;
	int min, max;
	int group;
};

struct parser {
	const char *start, *s, *end;
	int ngroups;
	char *err;
};

static struct node *mk(enum node_kind kind, struct node *a, struct node *b)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = kind;
	n->a = a;
	n->b = b;
	return n;
}

static void free_tree(struct node *n)
{
	if (!n)
		return;
	free_tree(n->a);
	free_tree(n->b);
	free(n);
}

static bool fail(struct parser *p, const char *what)
{
	if (!p->err)
		p->err = xasprintf("%s (at offset %d)", what,
				   (int)(p->s - p->start));
	return false;
}

static void set_bit(unsigned char *set, int c)
{
	set[(unsigned char)c / 8] |= 1u << ((unsigned char)c % 8);
}

/* [:name:] inside a bracket: adds the class's bytes. */
static bool named_class(struct parser *p, unsigned char *set)
{
	static const struct { const char *name; int (*is)(int); } classes[] = {
		{ "alpha", isalpha }, { "digit", isdigit }, { "alnum", isalnum },
		{ "upper", isupper }, { "lower", islower }, { "space", isspace },
		{ "blank", isblank }, { "punct", ispunct }, { "print", isprint },
		{ "graph", isgraph }, { "cntrl", iscntrl }, { "xdigit", isxdigit },
	};
	const char *close = strstr(p->s, ":]");
	if (!close || close >= p->end)
		return fail(p, "unterminated [: in a bracket expression");
	size_t len = (size_t)(close - p->s);
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) != len ||
		    strncmp(classes[i].name, p->s, len) != 0)
			continue;
		for (int c = 1; c < 256; c++)
			if (classes[i].is(c))
				set_bit(set, c);
		p->s = close + 2;
		return true;
	}
	p->err = xasprintf("unknown character class [:%.*s:]", (int)len, p->s);
	return false;
}

/* After '[': the set up to the closing ']'. */
static struct node *bracket(struct parser *p)
{
	struct node *n = mk(N_CLASS, NULL, NULL);
	bool negate = false, first = true;

	if (p->s < p->end && *p->s == '^') {
		negate = true;
		p->s++;
	}
	for (;;) {
		if (p->s >= p->end) {
			fail(p, "unterminated bracket expression");
			free(n);
			return NULL;
		}
		int c = (unsigned char)*p->s;
		if (c == ']' && !first) {
			p->s++;
			break;
		}
		first = false;
		if (c == '[' && p->s + 1 < p->end && p->s[1] == ':') {
			p->s += 2;
			if (!named_class(p, n->set)) {
				free(n);
				return NULL;
			}
			continue;
		}
		p->s++;
		if (p->s + 1 < p->end && *p->s == '-' && p->s[1] != ']') {
			int hi = (unsigned char)p->s[1];
			if (hi < c) {
				fail(p, "invalid range in a bracket expression");
				free(n);
				return NULL;
			}
			for (int b = c; b <= hi; b++)
				set_bit(n->set, b);
			p->s += 2;
		} else {
			set_bit(n->set, c);
		}
	}
	if (negate)
		for (int i = 0; i < 32; i++)
			n->set[i] = ~n->set[i];
	n->set[0] &= ~1u;	/* never the terminating NUL */
	return n;
}

static struct node *alternation(struct parser *p);

static struct node *atom(struct parser *p)
{
	struct node *n;
	int c = (unsigned char)*p->s++;

	switch (c) {
	case '(': {
		int group = p->ngroups++;
		struct node *in = alternation(p);
		if (!in)
			return NULL;
		if (p->s >= p->end || *p->s != ')') {
			free_tree(in);
			fail(p, "unmatched (");
			return NULL;
		}
		p->s++;
		n = mk(N_GROUP, in, NULL);
		n->group = group;
		return n;
	}
	case '[':
		return bracket(p);
	case '.':
		return mk(N_ANY, NULL, NULL);
	case '^':
		return mk(N_BOL, NULL, NULL);
	case '$':
		return mk(N_EOL, NULL, NULL);
	case '\\':
		if (p->s >= p->end) {
			fail(p, "trailing backslash");
			return NULL;
		}
		if (isdigit((unsigned char)*p->s)) {
			fail(p, "back-references (\\N) are not supported");
			return NULL;
		}
		c = (unsigned char)*p->s++;
		break;
	case '*': case '+': case '?':
		p->s--;
		fail(p, "repetition operator with nothing to repeat");
		return NULL;
	}
	n = mk(N_CHAR, NULL, NULL);
	n->c = c;
	return n;
}

/* {m}, {m,}, {m,n} after an atom; false if p->s holds none (then '{' is
 * taken as a literal, as egrep does). */
static bool bound(struct parser *p, int *min, int *max)
{
	const char *s = p->s + 1;
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	long lo = strtol(s, &end, 10), hi = lo;
	if (*end == ',') {
		s = end + 1;
		hi = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (hi < 0)
			end = (char *)s;
	}
	if (*end != '}' || end >= p->end)
		return false;
	if (lo > 255 || hi > 255 || (hi >= 0 && hi < lo))
		return fail(p, "invalid repetition count");
	*min = (int)lo;
	*max = (int)hi;
	p->s = end + 1;
	return true;
}

static struct node *repetition(struct parser *p)
{
	struct node *n = atom(p);

	while (n && p->s < p->end) {
		int min, max;
		char c = *p->s;
		if (c == '*') {
			min = 0, max = -1, p->s++;
		} else if (c == '+') {
			min = 1, max = -1, p->s++;
		} else if (c == '?') {
			min = 0, max = 1, p->s++;
		} else if (c == '{' && bound(p, &min, &max)) {
		} else {
			break;
		}
		if (n->kind == N_BOL || n->kind == N_EOL) {
			free_tree(n);
			fail(p, "repetition of an anchor");
			return NULL;
		}
		struct node *r = mk(N_REPEAT, n, NULL);
		r->min = min;
		r->max = max;
		n = r;
	}
	if (p->err) {
		free_tree(n);
		return NULL;
	}
	return n;
}

static struct node *concatenation(struct parser *p)
{
	struct node *n = mk(N_EMPTY, NULL, NULL);

	while (p->s < p->end && *p->s != '|' && *p->s != ')') {
		struct node *r = repetition(p);
		if (!r) {
			free_tree(n);
			return NULL;
		}
		n = n->kind == N_EMPTY ? (free(n), r) : mk(N_CAT, n, r);
	}
	return n;
}

static struct node *alternation(struct parser *p)
{
	struct node *n = concatenation(p);

	while (n && p->s < p->end && *p->s == '|') {
		p->s++;
		struct node *b = concatenation(p);
		if (!b) {
			free_tree(n);
			return NULL;
		}
		n = mk(N_ALT, n, b);
	}
	return n;
}

/* ---- code generation ------------------------------------------------- */

static int emit(struct re_prog *prog, enum re_op op, int x, int y)
{
	if (prog->n >= RE_MAX_INSTS)
		return -1;
	struct re_inst *in = &prog->insts[prog->n];
	memset(in, 0, sizeof(*in));
	in->op = op;
	in->x = x;
	in->y = y;
	return prog->n++;
}

static bool gen(struct re_prog *prog, const struct node *n);

/* n's subject once more, optional (x?), or any number of times (x*). */
static bool gen_optional(struct re_prog *prog, const struct node *a, bool star)
{
	int split = emit(prog, RE_SPLIT, 0, 0);
	if (split < 0)
		return false;
	prog->insts[split].x = prog->n;
	if (!gen(prog, a))
		return false;
	if (star && emit(prog, RE_JMP, split, 0) < 0)
		return false;
	prog->insts[split].y = prog->n;
	return true;
}

static bool gen(struct re_prog *prog, const struct node *n)
{
	int i, at;

	switch (n->kind) {
	case N_EMPTY:
		return true;
	case N_CHAR:
		return emit(prog, RE_CHAR, n->c, 0) >= 0;
	case N_ANY:
		return emit(prog, RE_ANY, 0, 0) >= 0;
	case N_BOL:
		return emit(prog, RE_BOL, 0, 0) >= 0;
	case N_EOL:
		return emit(prog, RE_EOL, 0, 0) >= 0;
	case N_CLASS:
		if ((at = emit(prog, RE_CLASS, 0, 0)) < 0)
			return false;
		memcpy(prog->insts[at].set, n->set, sizeof(n->set));
		return true;
	case N_CAT:
		return gen(prog, n->a) && gen(prog, n->b);
	case N_ALT: {
		int split = emit(prog, RE_SPLIT, 0, 0), jmp;
		if (split < 0)
			return false;
		prog->insts[split].x = prog->n;
		if (!gen(prog, n->a) || (jmp = emit(prog, RE_JMP, 0, 0)) < 0)
			return false;
		prog->insts[split].y = prog->n;
		if (!gen(prog, n->b))
			return false;
		prog->insts[jmp].x = prog->n;
		return true;
	}
	case N_GROUP:
		return emit(prog, RE_SAVE, 2 * n->group, 0) >= 0 &&
		       gen(prog, n->a) &&
		       emit(prog, RE_SAVE, 2 * n->group + 1, 0) >= 0;
	case N_REPEAT:
		for (i = 0; i < n->min; i++)
			if (!gen(prog, n->a))
				return false;
		if (n->max < 0)
			return gen_optional(prog, n->a, true);
		for (i = n->min; i < n->max; i++)
			if (!gen_optional(prog, n->a, false))
				return false;
		return true;
	}
	return false;
}

struct re_prog *re_compile(const char *pattern, size_t n, char **err)
{
	struct parser p = { .start = pattern, .s = pattern, .end = pattern + n,
			    .ngroups = 1 };
	struct node *tree = alternation(&p);

	*err = NULL;
	if (tree && p.s < p.end)	/* a ')' with no '(' */
		fail(&p, "unmatched )");
	if (!tree || p.err) {
		free_tree(tree);
		*err = p.err ? p.err : xstrdup("invalid regular expression");
		return NULL;
	}
	if (p.ngroups > RE_MAX_GROUPS) {
		free_tree(tree);
		*err = xasprintf("more than %d groups", RE_MAX_GROUPS - 1);
		return NULL;
	}
	struct re_prog *prog = xcalloc(1, sizeof(*prog));
	prog->ngroups = p.ngroups;
	bool ok = emit(prog, RE_SAVE, 0, 0) >= 0 && gen(prog, tree) &&
		  emit(prog, RE_SAVE, 1, 0) >= 0 &&
		  emit(prog, RE_MATCH, 0, 0) >= 0;
	free_tree(tree);
	if (!ok) {
		free(prog);
		*err = xasprintf("it compiles to more than %d instructions",
				 RE_MAX_INSTS);
		return NULL;
	}
	return prog;
}
