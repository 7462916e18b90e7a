/*
 * One handler per group of points that read their target variables
 * alike.  `probe kernel.function("vfs_*") { println($file) }` has one
 * body, but $file lives in a different place in each function; pass 2
 * shares a body between points only where every target variable it
 * names (and the $$vars lists) is the same variable read the same way
 * (targets.c, same_var), and gives each other group of points a copy
 * of the statements of its own, as upstream compiles each derived
 * probe.  A group whose point lacks a variable then gets the usual
 * "unresolved target variable" error, naming that point.
 */
#include <string.h>
#include "elaborate.h"
#include "probes/probes.h"

/* Adds to out (a struct vec *) the distinct target variable names e
 * uses, "$$" for a $$ list. */
static void names_in_expr(const struct expr *e, void *arg)
{
	struct vec *out = arg;

	if (!e)
		return;
	if (e->kind == E_TARGET) {
		const char *n = !strcmp(e->name, "$$vars") ||
				!strcmp(e->name, "$$parms") ||
				!strcmp(e->name, "$$locals") ||
				!strcmp(e->name, "$$return") ? "$$" : e->name;
		size_t i = 0;
		while (i < out->len && strcmp(vec_at(out, i), n) != 0)
			i++;
		if (i == out->len)
			vec_push(out, (void *)n);
	}
	expr_each_child(e, names_in_expr, out);
}

/* Whether a and b list the same variables, each read alike (with a
 * .return point's parameters as at entry). */
static bool same_lists(const struct rprobe *a, const struct rprobe *b)
{
	const struct probe_family *f = a->family;
	struct vec x = {0}, y = {0};
	bool same;

	if (f->target_list) {
		f->target_list(a, &x);
		f->target_list(b, &y);
	}
	if (f->entry_target_list) {
		f->entry_target_list(a, &x);
		f->entry_target_list(b, &y);
	}
	same = x.len == y.len;
	for (size_t i = 0; same && i < x.len; i++)
		same = same_var(vec_at(&x, i), vec_at(&y, i));
	vec_free(&x);
	vec_free(&y);
	return same;
}

/* Whether points a and b read every name alike. */
static bool read_alike(const struct rprobe *a, const struct rprobe *b,
		       const struct vec *names)
{
	if (a->family != b->family)
		return false;
	for (size_t i = 0; i < names->len; i++) {
		const char *n = vec_at(names, i);
		if (!strcmp(n, "$$")) {
			if (!same_lists(a, b))
				return false;
			continue;
		}
		const struct probe_family *f = a->family;
		if (!same_var(f->target ? f->target(a, n) : NULL,
			      f->target ? f->target(b, n) : NULL))
			return false;
		/* a .return point's parameters read as @entry($x) */
		if (f->entry_target &&
		    !same_var(f->entry_target(a, n), f->entry_target(b, n)))
			return false;
	}
	return true;
}

void split_by_targets(struct program *prog, struct pbody *body,
		      struct vec *added)
{
	struct vec names = {0}, mine = {0}, heads = {0}, bodies = {0};

	for (size_t i = 0; i < prog->rprobes.len; i++) {
		struct rprobe *rp = vec_at(&prog->rprobes, i);
		if (rp->body == body)
			vec_push(&mine, rp);
	}
	if (mine.len > 1)
		stmt_each_expr(body->stmts, names_in_expr, &names);
	for (size_t i = 0; names.len && i < mine.len; i++) {
		struct rprobe *rp = vec_at(&mine, i);
		size_t g = 0;
		while (g < heads.len && !read_alike(vec_at(&heads, g), rp, &names))
			g++;
		if (g == heads.len) {
			struct pbody *b = body;
			if (g) {	/* a new group: a copy of its own */
				b = xcalloc(1, sizeof(*b));
				b->id = (int)prog->bodies.len;
				b->probe = body->probe;
				b->stmts = stmt_clone(body->stmts);
				vec_push(&prog->bodies, b);
				vec_push(added, b);
			}
			vec_push(&heads, rp);
			vec_push(&bodies, b);
		}
		rp->body = vec_at(&bodies, g);
	}
	vec_free(&names);
	vec_free(&mine);
	vec_free(&heads);
	vec_free(&bodies);
}
