/*
 * Pass 2's probe points: each point of a probe expands through the
 * aliases that match it (aliases.c, loading their tapsets), else goes
 * to its probe family (probes/table.c), which may expand it further;
 * each result is a resolved probe sharing the probe's handler body.  A
 * point with wildcards in its names first becomes the points it
 * matches (wildcards.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aliases.h"
#include "parse/parse.h"
#include "probes/probes.h"
#include "resolver.h"
#include "util/suggest.h"
#include "tapsets.h"
#include "wildcards.h"

/* A point as upstream's -p2 shows it: with its condition. */
static void point_listing(struct strbuf *sb, const struct probe_point *pp)
{
	char *text = probe_point_text(pp);
	sb_puts(sb, text);
	free(text);
	if (pp->optional)
		sb_putc(sb, '?');
	if (pp->sufficient)
		sb_putc(sb, '!');
	if (!pp->cond)
		return;
	char *cond = NULL;
	size_t len;
	FILE *f = open_memstream(&cond, &len);
	print_expr(f, pp->cond);
	fclose(f);
	sb_printf(sb, " if (%s)", cond);
	free(cond);
}

/* "p1,p2": the points of a probe as written; or an expanded probe's
 * whole chain. */
static char *probe_origin(const struct probe *p)
{
	if (p->origin_text)
		return xstrdup(p->origin_text);
	struct strbuf sb = {0};
	for (size_t i = 0; i < p->points.len; i++) {
		if (i)
			sb_putc(&sb, ',');
		point_listing(&sb, vec_at(&p->points, i));
	}
	return sb_steal(&sb);
}

/* "name = p1, p2 <- ORIGIN" for alias a expanded in probe user. */
static char *alias_origin(const struct alias *a, const struct probe *user)
{
	struct strbuf sb = {0};
	for (size_t i = 0; i < a->names.len; i++) {
		if (i)
			sb_puts(&sb, ", ");
		point_listing(&sb, vec_at(&a->names, i));
	}
	sb_puts(&sb, a->epilogue ? " += " : " = ");
	for (size_t i = 0; i < a->points.len; i++) {
		if (i)
			sb_puts(&sb, ", ");
		point_listing(&sb, vec_at(&a->points, i));
	}
	char *from = probe_origin(user);
	sb_printf(&sb, " <- %s", from);
	free(from);
	return sb_steal(&sb);
}

/* The key of r->alias_index for pp: "=a.b.c", its component names, for
 * whole matches; "<a", its first, for suffix matches. */
static char *alias_key(const struct probe_point *pp, bool suffix)
{
	struct strbuf sb = {0};

	sb_putc(&sb, suffix ? '<' : '=');
	for (size_t i = 0; i < (suffix ? 1 : pp->comps.len); i++) {
		const struct pp_comp *c = vec_at(&pp->comps, i);
		if (i)
			sb_putc(&sb, '.');
		sb_puts(&sb, c->name);
	}
	return sb_steal(&sb);
}

static void index_alias(struct resolver *r, struct alias *a, char *key)
{
	struct vec *v = hash_get(&r->alias_index, key);

	if (!v) {
		v = xcalloc(1, sizeof(*v));
		hash_put(&r->alias_index, key, v);
	} else {
		free(key);
	}
	if (!v->len || vec_at(v, v->len - 1) != a)
		vec_push(v, a);
}

/* The aliases that may match pp (which has no wildcard) whole, or with
 * a suffix, in order: those with a name of pp's components, or of its
 * first.  Indexes the aliases loaded since the last call first. */
static const struct vec *alias_candidates(struct resolver *r,
					  const struct probe_point *pp,
					  bool suffix)
{
	static const struct vec none;

	for (; r->aliases_indexed < r->aliases.len; r->aliases_indexed++) {
		struct alias *a = vec_at(&r->aliases, r->aliases_indexed);
		for (size_t j = 0; j < a->names.len; j++) {
			const struct probe_point *n = vec_at(&a->names, j);
			index_alias(r, a, alias_key(n, false));
			index_alias(r, a, alias_key(n, true));
		}
	}
	char *key = alias_key(pp, suffix);
	const struct vec *v = hash_get(&r->alias_index, key);

	free(key);
	return v ? v : &none;
}

/* Expands pp through every alias that matches it: whole, else the
 * aliases whose names match the most leading components of pp, the
 * rest being a suffix for their points (`a.b`); false if none. */
static bool expand_aliases(struct resolver *r, struct probe *p,
			   struct probe_point *pp, int depth)
{
	struct pp_comp *first = vec_at(&pp->comps, 0);
	struct vec files = {0};
	bool any = false;

	tapsets_for_alias(r->ts, first->name, &files);
	register_files(r, &files);
	size_t want = pp->comps.len;
	for (int suffix = 0; suffix < 2 && !any; suffix++) {
		/* only the aliases of that name, or first component
		 * (syscall.* makes ~700 points, each with a __syscall
		 * point; the syscall tapsets have ~1400 aliases) */
		const struct vec *cands = alias_candidates(r, pp, suffix);
		if (suffix) {
			want = 0;
			for (size_t i = 0; i < cands->len; i++) {
				struct alias *a = vec_at(cands, i);
				for (size_t j = 0; j < a->names.len; j++) {
					size_t n = alias_matches(vec_at(&a->names, j),
								 pp, true);
					want = n > want ? n : want;
				}
			}
			if (!want)
				break;
		}
		for (size_t i = 0; i < cands->len; i++) {
			struct alias *a = vec_at(cands, i);
			for (size_t j = 0; j < a->names.len; j++) {
				if (alias_matches(vec_at(&a->names, j), pp,
						  suffix) != want)
					continue;
				if (depth > 16) {
					diag_error(pp->loc, "probe alias expansion "
						   "too deep (an alias that refers "
						   "to itself?)");
					return true;
				}
				struct probe *expanded = alias_expand(a, pp, want, p);
				expanded->origin_text = alias_origin(a, p);
				expanded->script_pp = p->script_pp ?
					xstrdup(p->script_pp) :
					probe_point_text(pp);
				resolve_probe(r, expanded, depth + 1);
				any = true;
				break;
			}
		}
	}
	return any;
}

/*
 * `probe p if (cond)`: the condition is checked at every hit before the
 * body runs, which behaves as upstream's arming and disarming as the
 * globals it reads change.  It gets a body of its own (for the globals
 * it locks) and may not use locals.
 */
static struct pbody *resolve_condition(struct resolver *r,
				       struct probe_point *pp)
{
	struct pbody *saved = r->body, *b = xcalloc(1, sizeof(*b));
	struct hash saved_locals = r->locals;

	b->id = -1;
	r->body = b;
	memset(&r->locals, 0, sizeof(r->locals));
	resolve_expr(r, pp->cond);
	for (size_t i = 0; i < b->locals.len; i++) {
		struct sym *l = vec_at(&b->locals, i);
		diag_error(l->decl, "a probe condition may use only globals, "
			   "not '%s'", l->name);
	}
	if (b->callees.len)
		diag_error(pp->cond->loc, "not supported yet: function calls "
			   "in a probe condition");
	hash_free(&r->locals);
	r->locals = saved_locals;
	r->body = saved;
	vec_push(&r->prog->conditions, pp->cond);
	return b;
}

static void unknown_probe_point(struct resolver *r, struct probe_point *pp,
				const char *text)
{
	struct pp_comp *first = vec_at(&pp->comps, 0);
	struct vec names = {0};
	probe_family_names(&names);
	for (size_t i = 0; i < r->aliases.len; i++) {
		struct alias *a = vec_at(&r->aliases, i);
		for (size_t j = 0; j < a->names.len; j++) {
			struct probe_point *n = vec_at(&a->names, j);
			vec_push(&names, ((struct pp_comp *)vec_at(&n->comps, 0))->name);
		}
	}
	tapsets_names(r->ts, false, &names);
	const char *near = suggest(first->name, &names);
	if (near)
		diag_error(pp->loc, "probe point '%s' not found (no probe "
			   "family or alias '%s'; did you mean '%s'?)", text,
			   first->name, near);
	else
		diag_error(pp->loc, "probe point '%s' not found (no probe "
			   "family or alias '%s')", text, first->name);
	vec_free(&names);
}

/* pp with the family it names: its points resolved, each a resolved
 * probe of body.  quiet: pp is one a wildcard matched, dropped without
 * a word when it does not resolve (upstream's `timer.*(1)` leaves out
 * timer.us(1), below the shortest period). */
static bool resolve_family_point(struct resolver *r, struct pbody *body,
				 struct probe_point *pp, bool quiet)
{
	struct probe *p = body->probe;
	char *text = probe_point_text(pp);
	const struct probe_family *f = probe_family_of(pp);
	if (!f) {
		if (!quiet && !pp_optional(pp))
			unknown_probe_point(r, pp, text);
		return false;
	}
	struct pbody *cond = pp->cond ? resolve_condition(r, pp) : NULL;
	struct vec points = {0};
	diag_quiet += quiet;
	if (!f->expand)
		vec_push(&points, pp);
	else if (!f->expand(r->s, pp, &points))
		points.len = 0;
	char *origin = probe_origin(p);
	bool any = false;
	for (size_t j = 0; j < points.len; j++) {
		struct rprobe *rp = xcalloc(1, sizeof(*rp));
		rp->id = (int)r->prog->rprobes.len;
		rp->body = body;
		rp->pp = vec_at(&points, j);
		rp->family = f;
		rp->text = rp->pp == pp ? text : probe_point_text(rp->pp);
		rp->origin = origin;
		rp->pn = p->script_pp ? p->script_pp : rp->text;
		rp->cond = cond;
		if (!f->resolve(rp))
			continue;
		diag_quiet -= quiet;
		check_probe_privilege(r->s, rp);
		diag_quiet += quiet;
		vec_push(&r->prog->rprobes, rp);
		any = true;
	}
	diag_quiet -= quiet;
	vec_free(&points);
	return any;
}

/* Whether an alias name starts with the component first. */
static bool alias_named(struct resolver *r, const char *first)
{
	for (size_t i = 0; i < r->aliases.len; i++) {
		struct alias *a = vec_at(&r->aliases, i);
		for (size_t j = 0; j < a->names.len; j++) {
			struct probe_point *n = vec_at(&a->names, j);
			if (strcmp(((struct pp_comp *)vec_at(&n->comps, 0))->name,
				   first) == 0)
				return true;
		}
	}
	return false;
}

/* A point whose names hold wildcards: every family point and alias it
 * matches (loading the tapsets whose aliases it may name), each
 * resolved as if written out; an error only when none resolves. */
static bool resolve_wildcard(struct resolver *r, struct pbody *body,
			     struct probe_point *pp, int depth)
{
	struct vec firsts = {0}, names = {0}, points = {0};
	tapsets_names(r->ts, false, &firsts);
	for (size_t i = 0; i < firsts.len; i++) {
		if (!wildcard_first_may_match(pp, vec_at(&firsts, i)))
			continue;
		struct vec files = {0};
		tapsets_for_alias(r->ts, vec_at(&firsts, i), &files);
		register_files(r, &files);
	}
	vec_free(&firsts);
	for (size_t i = 0; i < r->aliases.len; i++) {
		struct alias *a = vec_at(&r->aliases, i);
		for (size_t j = 0; j < a->names.len; j++)
			vec_push(&names, vec_at(&a->names, j));
	}
	wildcard_points(pp, &names, &points);
	vec_free(&names);
	bool any = false;
	for (size_t i = 0; i < points.len; i++) {
		struct probe_point *cp = vec_at(&points, i);
		cp->from_wildcard = true;
		if (expand_aliases(r, body->probe, cp, depth))
			any = true;
		else
			any |= resolve_family_point(r, body, cp, true);
	}
	if (!any && !pp_optional(pp)) {
		char *text = probe_point_text(pp);
		const char *first = ((struct pp_comp *)vec_at(&pp->comps, 0))->name;
		if (!strpbrk(first, "*?[") && !probe_family_lookup(first) &&
		    !alias_named(r, first))	/* syscall.* */
			unknown_probe_point(r, pp, text);
		else
			diag_error(pp->loc, "probe point mismatch: no probe "
				   "point matches '%s'", text);
		free(text);
	}
	vec_free(&points);
	return any;
}

/* Resolves one point of body's probe; whether it stands for anything. */
static bool resolve_point(struct resolver *r, struct pbody *body,
			  struct probe_point *pp, int depth)
{
	if (pp_has_wildcard(pp))
		return resolve_wildcard(r, body, pp, depth);
	if (expand_aliases(r, body->probe, pp, depth))
		return true;
	/* a point of an alias a wildcard matched: dropped quietly when it
	 * does not resolve, as socket.*.return leaves out socket.send
	 * (= socket.sendmsg.return) whose .return.return means nothing */
	return resolve_family_point(r, body, pp, pp->from_wildcard);
}

/* A point marked ! is optional and, when it resolves, sufficient: the
 * probe's later points are not resolved (upstream's "p1!, p2" falls back
 * to p2 only where p1 does not exist). */
static void resolve_points(struct resolver *r, struct pbody *body, int depth)
{
	struct probe *p = body->probe;
	for (size_t i = 0; i < p->points.len; i++) {
		struct probe_point *pp = vec_at(&p->points, i);
		if (resolve_point(r, body, pp, depth) && pp->sufficient)
			break;
	}
}

/* A probe's handler body: its points, then its statements. */
void resolve_probe(struct resolver *r, struct probe *p, int depth)
{
	struct pbody *body = xcalloc(1, sizeof(*body));
	body->id = (int)r->prog->bodies.len;
	body->probe = p;
	body->stmts = p->body;
	vec_push(&r->prog->bodies, body);
	resolve_points(r, body, depth);
	struct vec copies = {0};
	split_by_targets(r->prog, body, &copies);
	resolve_body(r, body);
	for (size_t i = 0; i < copies.len; i++)
		resolve_body(r, vec_at(&copies, i));
	vec_free(&copies);
}
