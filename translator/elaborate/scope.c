/*
 * Pass 2's names: what each file defines becomes known (globals,
 * functions, aliases, embedded C, a tapset's own probes), and a name in
 * a body becomes a symbol: a local of that body, else a global (a
 * tapset's private globals first, in its own file; a tapset's public
 * global loads its file), else a new local.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "resolver.h"
#include "tapsets.h"

/* Registers whatever the tapset files in v (struct file *) define. */
void register_files(struct resolver *r, struct vec *v)
{
	for (size_t i = 0; i < v->len; i++)
		register_file(r, vec_at(v, i));
	vec_free(v);
}

struct sym *sym_new(enum sym_kind kind, const char *name,
			   struct srcloc loc, int index)
{
	struct sym *s = xcalloc(1, sizeof(*s));
	s->kind = kind;
	s->name = xstrdup(name);
	s->decl = loc;
	s->index = index;
	s->nkeys = -1;
	return s;
}

void vec_add_unique(struct vec *v, void *item)
{
	for (size_t i = 0; i < v->len; i++)
		if (vec_at(v, i) == item)
			return;
	vec_push(v, item);
}

/* The key of a private global of src in the globals table. */
static char *private_key(const struct source *src, const char *name)
{
	return xasprintf("%p/%s", (const void *)src, name);
}

/* Whether loc is in a tapset's own code: not the script's, nor a
 * macro's expansion (a .stpm macro such as @this names its library's
 * globals on the script's behalf). */
static bool tapset_code(const struct resolver *r, struct srcloc loc)
{
	size_t n = loc.src && loc.src->name ? strlen(loc.src->name) : 0;

	return loc.src != r->user->src &&
	       !(n > 5 && !strcmp(loc.src->name + n - 5, ".stpm"));
}

/* The global name means at loc: a private one of loc's file, else a
 * public one, else NULL.  Code in a tapset sees the script's globals
 * and its own file's, not another tapset's: a local of an alias named
 * like a library global (syscall.execveat's argv, argv.stp's argv)
 * stays a local, whichever file pass 2 loaded first. */
static struct sym *find_global(struct resolver *r, const char *name,
			       struct srcloc loc)
{
	bool in_tapset = tapset_code(r, loc);
	char *key = private_key(loc.src, name);
	struct sym *s = hash_get(&r->globals, key);
	free(key);
	if (!s)
		s = hash_get(&r->globals, name);
	if (s && in_tapset && s->decl.src != loc.src &&
	    s->decl.src != r->user->src)
		return NULL;
	if (!s && r->ts && !in_tapset) {	/* a tapset's public global, loaded on need */
		struct vec files = {0};
		tapsets_for_global(r->ts, name, &files);
		if (files.len) {
			register_files(r, &files);
			s = hash_get(&r->globals, name);
		}
		vec_free(&files);
	}
	return s;
}

/* A name in a probe body: a local, else a global, else a new local. */
struct sym *lookup_var(struct resolver *r, const char *name,
			      struct srcloc loc)
{
	struct sym *s = hash_get(&r->locals, name);
	if (s)
		return s;
	s = find_global(r, name, loc);
	if (s) {
		vec_add_unique(&r->body->globals_used, s);
		return s;
	}
	s = sym_new(SYM_LOCAL, name, loc, (int)r->body->locals.len);
	vec_push(&r->body->locals, s);
	hash_put(&r->locals, s->name, s);
	return s;
}

/* The body being walked needs global g exclusively: it writes it, or
 * a read updates shared state (a statistic's merged aggregate, a
 * foreach snapshot).  Reads share the lock. */
void note_exclusive(struct resolver *r, struct sym *g)
{
	if (g && g->kind == SYM_GLOBAL)
		vec_add_unique(&r->body->globals_written, g);
}

/* Records how a global is used: as a scalar (0) or with n indexes. */
void note_arity(struct sym *s, int n, struct srcloc loc)
{
	if (s->nkeys == -1) {
		s->nkeys = n;
		return;
	}
	if (s->nkeys == n)
		return;
	if (n == 0 || s->nkeys == 0)
		diag_error(loc, "'%s' is used as %s here but as %s elsewhere",
			   s->name, n ? "an array" : "a scalar",
			   n ? "a scalar" : "an array");
	else
		diag_error(loc, "array '%s' is indexed with %d values here but "
			   "%d elsewhere", s->name, n, s->nkeys);
}

/*
 * The global that e (an E_VAR naming a whole array or statistic) names.
 * Arrays and statistics live only in globals.  lock: the handler must
 * lock it (everything but `<<<`).
 */
struct sym *resolve_aggregate(struct resolver *r, struct expr *e,
				     bool lock)
{
	if (e->kind != E_VAR) {
		diag_error(e->loc, "expected the name of a global array or "
			   "statistic here");
		return NULL;
	}
	struct sym *s = find_global(r, e->name, e->loc);
	if (!s) {
		diag_error(e->loc, "'%s' is not a global: arrays and "
			   "statistics must be declared global", e->name);
		return NULL;
	}
	if (lock)
		lookup_var(r, e->name, e->loc);	/* records the use */
	e->sym = s;
	return s;
}

/* "__private_mylib_counter" for `private global counter` in
 * .../mylib.stp: the C name of a private global, unique program-wide. */
static char *private_name(const struct global *g)
{
	const char *base = strrchr(g->loc.src->name, '/');
	base = base ? base + 1 : g->loc.src->name;
	char *name = xasprintf("__private_%.*s_%s", (int)strcspn(base, "."),
			       base, g->name);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	return name;
}

/*
 * Declares f's globals.  A tapset's `private global x` is seen only by
 * that file's code (which finds it before any public x) and is named
 * apart in C; the script's own private globals are plain globals.
 */
static void resolve_globals(struct resolver *r, struct file *f)
{
	for (size_t i = 0; i < f->globals.len; i++) {
		struct global *g = vec_at(&f->globals, i);
		bool private_ = g->private_ && f->tapset;
		char *key = private_ ? private_key(g->loc.src, g->name)
				     : xstrdup(g->name);
		if (hash_get(&r->globals, key)) {
			diag_error(g->loc, "duplicate global '%s'", g->name);
			free(key);
			continue;
		}
		char *name = private_ ? private_name(g) : xstrdup(g->name);
		struct sym *s = sym_new(SYM_GLOBAL, name, g->loc,
					(int)r->prog->globals.len);
		free(name);
		s->global = g;
		if (g->is_array && g->init)
			diag_error(g->loc, "array '%s' cannot have an initializer",
				   g->name);
		if (g->init)
			s->type = g->init->type =
				g->init->kind == E_STR ? TYPE_STRING : TYPE_LONG;
		vec_push(&r->prog->globals, s);
		hash_put(&r->globals, key, s);
	}
}

/* Makes what f defines known: globals, functions, aliases, embedded
 * C (tapsets only, or -g) and the probes a tapset itself holds. */
void register_file(struct resolver *r, struct file *f)
{
	resolve_globals(r, f);
	register_functions(r, f);
	for (size_t i = 0; i < f->aliases.len; i++) {
		struct alias *a = vec_at(&f->aliases, i);
		for (size_t j = 0; j < a->names.len; j++) {
			struct probe_point *n = vec_at(&a->names, j);
			for (size_t k = 0; k < n->comps.len; k++) {
				struct pp_comp *c = vec_at(&n->comps, k);
				if (!strpbrk(c->name, "*?["))
					continue;
				char *text = probe_point_text(n);
				diag_error(c->loc, "invalid use of a wildcard "
					   "in probe alias name '%s'", text);
				free(text);
				break;
			}
		}
		vec_push(&r->aliases, a);
	}
	for (size_t i = 0; i < f->embeds.len; i++) {
		struct embed *em = vec_at(&f->embeds, i);
		if (f->tapset || script_embedded_allowed(r->s, em->loc,
						   "code in a script", false))
			vec_push(&r->prog->embeds, em);
	}
	if (f->tapset)
		for (size_t i = 0; i < f->probes.len; i++)
			vec_push(&r->tapset_probes, vec_at(&f->probes, i));
}
