/*
 * Wildcards in probe point names (stapprobes(3stap)): in a component
 * name `*` matches any characters but '.', `**` any characters across
 * components, `?` one character, `[...]` one of a set.  A point whose
 * names hold one stands for every point it matches among the probe
 * families' shapes ("timer.jiffies(N)") and the alias names known;
 * `ti**es(1)` is timer.jiffies(1).  A pattern component with an
 * argument matches only where the shape takes one there, and gives it
 * its argument.  An alias name may match the start of the pattern:
 * what follows, free of wildcards, is the alias's suffix
 * (`a*.randomize(1)`).
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include "elaborate.h"
#include "aliases.h"
#include "probes/probes.h"
#include "wildcards.h"

enum { MAX_COMPS = 16 };

/* A point that a wildcard may match: its component names and whether
 * each takes an argument: 0 none, 'N' a number, 'S' a string, 'A' an
 * alias name's literal (any). */
struct shape {
	size_t n;
	const char *names[MAX_COMPS];
	char args[MAX_COMPS];
	bool alias;		/* may be followed by a suffix */
};

bool pp_has_wildcard(const struct probe_point *pp)
{
	for (size_t i = 0; i < pp->comps.len; i++)
		if (strpbrk(((struct pp_comp *)vec_at(&pp->comps, i))->name, "*?["))
			return true;
	return false;
}

/* [set] at p against character c; *end is past the ']'.  Not a set
 * (no ']'): false with *end NULL. */
static bool match_set(const char *p, char c, const char **end)
{
	const char *q = p + 1;
	if (*q == '!' || *q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']')
		q++;
	if (!*q) {
		*end = NULL;
		return false;
	}
	*end = q + 1;
	char *set = xstrndup(p, (size_t)(q + 1 - p));
	char str[2] = { c, '\0' };
	bool ok = fnmatch(set, str, 0) == 0;
	free(set);
	return ok;
}

/* pat against s, where s may be several components joined by '.'. */
static bool glob(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (p[0] == '*' && p[1] == '*') {
			while (*p == '*')
				p++;
			for (;; s++) {
				if (glob(p, s))
					return true;
				if (!*s)
					return false;
			}
		}
		if (*p == '*') {
			for (p++;; s++) {
				if (glob(p, s))
					return true;
				if (!*s || *s == '.')
					return false;
			}
		}
		if (!*s || *s == '.')
			return false;
		if (*p == '[') {
			const char *end;
			bool ok = match_set(p, *s, &end);
			if (end) {
				if (!ok)
					return false;
				p = end - 1;
				continue;
			}
		}
		if (*p != '?' && *p != *s)
			return false;
	}
	return !*s;
}

bool wildcard_first_may_match(const struct probe_point *pp, const char *first)
{
	const char *name = ((struct pp_comp *)vec_at(&pp->comps, 0))->name;
	const char *stars = strstr(name, "**");
	if (!stars)
		return glob(name, first);
	/* "*sys**pen": the first component is whatever "*sys*" matches */
	char *head = xasprintf("%.*s*", (int)(stars - name), name);
	bool ok = glob(head, first);
	free(head);
	return ok;
}

static bool arg_fits(const struct expr *arg, char kind)
{
	switch (kind) {
	case 0: return !arg;
	case 'N': return arg && arg->kind == E_NUM;
	case 'S': return arg && arg->kind == E_STR;
	default: return arg != NULL;
	}
}

/* One way pattern pp matches shape sh: where each pattern component's
 * run of shape components ends, and where a suffix starts. */
struct match {
	const struct probe_point *pp;
	const struct shape *sh;
	size_t ends[MAX_COMPS];
	size_t suffix;		/* pattern index of the suffix, or pp's length */
};

static bool match_from(struct match *m, size_t i, size_t j)
{
	size_t np = m->pp->comps.len;
	if (i == np)
		return j == m->sh->n;
	if (j == m->sh->n) {	/* an alias's suffix: written out */
		m->suffix = i;
		for (size_t k = i; k < np; k++)
			if (strpbrk(((struct pp_comp *)vec_at(&m->pp->comps,
							      k))->name, "*?["))
				return false;
		return m->sh->alias && j > 0;
	}
	const struct pp_comp *c = vec_at(&m->pp->comps, i);
	size_t last = strstr(c->name, "**") ? m->sh->n : j + 1;
	char joined[512] = "";
	for (size_t k = j; k < last; k++) {
		if (k > j) {
			if (m->sh->args[k - 1])	/* an argument inside a run */
				break;
			strncat(joined, ".", sizeof(joined) - strlen(joined) - 1);
		}
		strncat(joined, m->sh->names[k], sizeof(joined) - strlen(joined) - 1);
		if (!arg_fits(c->arg, m->sh->args[k]) || !glob(c->name, joined))
			continue;
		m->ends[i] = k;
		m->suffix = np;
		if (match_from(m, i + 1, k + 1))
			return true;
	}
	return false;
}

/* The concrete point of a match: the shape's names, the pattern's
 * arguments, then the suffix. */
static struct probe_point *matched_point(const struct match *m)
{
	const struct probe_point *pp = m->pp;
	struct probe_point *cp = xmalloc(sizeof(*cp));
	*cp = *pp;
	cp->cond = expr_clone(pp->cond);
	memset(&cp->comps, 0, sizeof(cp->comps));
	size_t j = 0;
	for (size_t i = 0; i < m->suffix; i++) {
		const struct pp_comp *c = vec_at(&pp->comps, i);
		for (; j <= m->ends[i]; j++) {
			struct pp_comp *nc = xcalloc(1, sizeof(*nc));
			nc->loc = c->loc;
			nc->name = xstrdup(m->sh->names[j]);
			nc->arg = j == m->ends[i] ? c->arg : NULL;
			vec_push(&cp->comps, nc);
		}
	}
	for (size_t i = m->suffix; i < pp->comps.len; i++)
		vec_push(&cp->comps, vec_at(&pp->comps, i));
	return cp;
}

/* "timer.ms(N).randomize(N)" as a shape. */
static bool parse_shape(const char *text, struct shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	char *copy = xstrdup(text), *save = NULL;
	for (char *c = strtok_r(copy, ".", &save); c && sh->n < MAX_COMPS;
	     c = strtok_r(NULL, ".", &save)) {
		char *paren = strchr(c, '(');
		if (paren) {
			sh->args[sh->n] = paren[1];
			*paren = '\0';
		}
		sh->names[sh->n++] = xstrdup(c);
	}
	free(copy);
	return sh->n > 0;
}

static void alias_shape(const struct probe_point *name, struct shape *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->alias = true;
	for (size_t i = 0; i < name->comps.len && i < MAX_COMPS; i++) {
		const struct pp_comp *c = vec_at(&name->comps, i);
		sh->names[sh->n] = c->name;
		sh->args[sh->n++] = c->arg ? 'A' : 0;
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds sh's match of pp to out (text -> point), once per text. */
static void try_shape(const struct probe_point *pp, const struct shape *sh,
		      struct hash *seen, struct vec *texts)
{
	struct match m = { .pp = pp, .sh = sh, .suffix = pp->comps.len };
	if (pp->comps.len > MAX_COMPS || !match_from(&m, 0, 0))
		return;
	struct probe_point *cp = matched_point(&m);
	char *text = probe_point_text(cp);
	if (hash_get(seen, text)) {
		free(text);
		return;
	}
	hash_put(seen, text, cp);
	vec_push(texts, text);
}

void wildcard_points(const struct probe_point *pp, const struct vec *alias_names,
		     struct vec *out)
{
	struct hash seen = {0};
	struct vec texts = {0}, shapes = {0};
	struct shape sh;

	probe_family_shapes(&shapes);
	for (size_t i = 0; i < shapes.len; i++)
		if (parse_shape(vec_at(&shapes, i), &sh))
			try_shape(pp, &sh, &seen, &texts);
	for (size_t i = 0; i < alias_names->len; i++) {
		alias_shape(vec_at(alias_names, i), &sh);
		try_shape(pp, &sh, &seen, &texts);
	}
	if (texts.len)
		qsort(texts.items, texts.len, sizeof(void *), by_text);
	for (size_t i = 0; i < texts.len; i++)
		vec_push(out, hash_get(&seen, vec_at(&texts, i)));
	for (size_t i = 0; i < texts.len; i++)
		free(vec_at(&texts, i));
	vec_free(&shapes);
	vec_free(&texts);
	hash_free(&seen);
}
