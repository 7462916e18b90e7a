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

static void names_in_stmt(const struct stmt *st, struct vec *out);

/* The distinct target variable names e uses, "$$" for a $$ list. */
static void names_in_expr(const struct expr *e, struct vec *out)
{
	if (!e)
		return;
	if (e->kind == E_TARGET) {
		const char *n = strncmp(e->name, "$$", 2) == 0 &&
				(!strcmp(e->name, "$$vars") ||
				 !strcmp(e->name, "$$parms") ||
				 !strcmp(e->name, "$$locals") ||
				 !strcmp(e->name, "$$return")) ? "$$" : e->name;
		for (size_t i = 0; i < out->len; i++)
			if (strcmp(vec_at(out, i), n) == 0)
				goto children;
		vec_push(out, (void *)n);
	}
children:
	names_in_expr(e->a, out);
	names_in_expr(e->b, out);
	names_in_expr(e->c, out);
	names_in_expr(e->base, out);
	for (size_t i = 0; i < e->args.len; i++)
		names_in_expr(vec_at(&e->args, i), out);
	for (size_t i = 0; i < e->comps.len; i++)
		names_in_expr(((const struct comp *)vec_at(&e->comps, i))->index,
			      out);
}

static void names_in_stmt(const struct stmt *st, struct vec *out)
{
	if (!st)
		return;
	names_in_expr(st->e, out);
	names_in_stmt(st->body, out);
	names_in_stmt(st->then, out);
	names_in_stmt(st->els, out);
	names_in_stmt(st->init, out);
	names_in_stmt(st->step, out);
	names_in_stmt(st->handler, out);
	if (st->fe) {
		for (size_t i = 0; i < st->fe->keys.len; i++)
			names_in_expr(vec_at(&st->fe->keys, i), out);
		names_in_expr(st->fe->array, out);
		names_in_expr(st->fe->limit, out);
	}
	for (size_t i = 0; i < st->stmts.len; i++)
		names_in_stmt(vec_at(&st->stmts, i), out);
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
		names_in_stmt(body->stmts, &names);
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
