/*
 * The pass-2 entry point: registers the script, resolves its probes,
 * the tapset probes and every function they call (a worklist), then
 * checks the globals, types the program (types.c), adds the autoprint
 * probes and warns about what is unused.
 */
#include <stdio.h>
#include <stdlib.h>
#include "resolver.h"
#include "session.h"
#include "tapsets.h"

static void reject_unsupported_items(struct session *s, struct program *prog,
				     struct file *f)
{
}

/* A handler locks every global it or any function it calls uses. */
static void collect_globals(struct pbody *handler, struct pbody *b,
			    struct vec *seen)
{
	for (size_t i = 0; i < seen->len; i++)
		if (vec_at(seen, i) == b)
			return;
	vec_push(seen, b);
	for (size_t i = 0; i < b->globals_used.len; i++)
		vec_add_unique(&handler->globals_used,
			       vec_at(&b->globals_used, i));
	for (size_t i = 0; i < b->globals_written.len; i++)
		vec_add_unique(&handler->globals_written,
			       vec_at(&b->globals_written, i));
	for (size_t i = 0; i < b->callees.len; i++)
		collect_globals(handler, vec_at(&b->callees, i), seen);
}

/* Functions are numbered after the probe handlers. */
static void number_functions(struct program *prog)
{
	for (size_t i = 0; i < prog->functions.len; i++)
		((struct pbody *)vec_at(&prog->functions, i))->id =
			(int)(prog->bodies.len + i);
}

static void resolver_free(struct resolver *r)
{
	tapsets_close(r->ts);
	vec_free(&r->aliases);
	for (size_t i = 0; i < r->alias_index.cap; i++)
		if (r->alias_index.keys[i]) {
			free((char *)r->alias_index.keys[i]);
			vec_free(r->alias_index.vals[i]);
			free(r->alias_index.vals[i]);
		}
	hash_free(&r->alias_index);
	vec_free(&r->tapset_probes);
	hash_free(&r->globals);
	for (size_t i = 0; i < r->functions.cap; i++)
		if (r->functions.keys[i])
			vec_free(r->functions.vals[i]);
	hash_free(&r->functions);
	hash_free(&r->fn_bodies);
}

/* The script's globals written but never read get end probes that
 * print them (autoprint.c); true if there were any. */
static bool add_autoprint(struct resolver *r, struct file *user)
{
	size_t n = r->prog->globals.len;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		struct sym *g = vec_at(&r->prog->globals, i);
		if (g->global->loc.src != user->src || !autoprinted(g))
			continue;
		resolve_probe(r, autoprint_probe(g), 0);
		any = true;
	}
	number_functions(r->prog);
	return any;
}

struct program *elaborate(struct session *s, struct file *user)
{
	struct program *prog = xcalloc(1, sizeof(*prog));
	struct resolver r = { .s = s, .user = user, .prog = prog };
	int errors = diag_errors;

	r.ts = tapsets_open(s);
	register_file(&r, user);
	reject_unsupported_items(s, prog, user);
	for (size_t i = 0; i < user->probes.len; i++)
		resolve_probe(&r, vec_at(&user->probes, i), 0);
	for (; r.tapset_probes_done < r.tapset_probes.len;
	     r.tapset_probes_done++)
		resolve_probe(&r, vec_at(&r.tapset_probes, r.tapset_probes_done), 0);
	/* functions called so far may call others: a worklist */
	for (size_t i = 0; i < prog->functions.len; i++) {
		resolve_body(&r, vec_at(&prog->functions, i));
		/* functions may load tapsets with probes of their own */
		for (; r.tapset_probes_done < r.tapset_probes.len;
		     r.tapset_probes_done++)
			resolve_probe(&r, vec_at(&r.tapset_probes,
					     r.tapset_probes_done), 0);
	}
	number_functions(prog);
	for (size_t i = 0; i < prog->bodies.len; i++) {
		struct pbody *b = vec_at(&prog->bodies, i);
		struct vec seen = {0};
		for (size_t j = 0; j < b->callees.len; j++)
			collect_globals(b, vec_at(&b->callees, j), &seen);
		vec_free(&seen);
	}
	if (s->verbose)
		fprintf(stderr, "Pass 2: %d tapset files indexed, %d parsed\n",
			tapsets_indexed(r.ts), tapsets_parsed(r.ts));
	for (size_t i = 0; i < prog->globals.len; i++) {
		struct sym *g = vec_at(&prog->globals, i);
		if (g->global->is_array && g->nkeys == 0)
			diag_error(g->decl, "'%s' is declared as an array but "
				   "used as a scalar", g->name);
		else if (g->nkeys == -1 && (g->foreach_sites || g->written ||
					    (g->global->is_array &&
					     g->global->loc.src == user->src)))
			diag_error(g->decl, "array '%s' is never indexed, so "
				   "its number of indexes is unknown", g->name);
	}
	if (diag_errors == errors && prog->rprobes.len == 0)
		diag_error((struct srcloc){0}, "no probes found");
	if (diag_errors == errors)
		infer_types(prog);
	if (diag_errors == errors && add_autoprint(&r, user))
		infer_types(prog);
	if (diag_errors == errors)
		warn_unused(prog, user);
	if (diag_errors == errors) {
		elide_dead_stores(prog, user);
		prune_dead_entries(prog);
	}
	resolver_free(&r);
	return diag_errors == errors ? prog : NULL;
}
