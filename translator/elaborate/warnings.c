/*
 * Pass-2 warnings about what a script declares but does not use, as
 * upstream gives them: never-assigned locals and globals, and functions
 * and globals of the script that nothing uses (elided from the module).
 * -w silences them, -W makes them errors (util/diag.c).
 */
#include "elaborate.h"

static void warn_never_assigned(const struct vec *locals, size_t nparams)
{
	for (size_t i = nparams; i < locals->len; i++) {
		const struct sym *s = vec_at(locals, i);
		if (!s->written)
			diag_warn(s->decl, "never-assigned local variable '%s'",
				  s->name);
	}
}

static bool function_used(const struct program *prog, const struct function *fn)
{
	for (size_t i = 0; i < prog->functions.len; i++)
		if (((struct pbody *)vec_at(&prog->functions, i))->fn == fn)
			return true;
	return false;
}

static bool global_used(const struct program *prog, const struct sym *g)
{
	const struct vec *lists[] = { &prog->bodies, &prog->functions };
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->len; i++) {
			const struct pbody *b = vec_at(lists[l], i);
			for (size_t j = 0; j < b->globals_used.len; j++)
				if (vec_at(&b->globals_used, j) == g)
					return true;
		}
	return g->type == TYPE_STATS;	/* only <<<: not in globals_used */
}

/* A body whose points all went to aliases runs only as its copies. */
static bool body_runs(const struct program *prog, const struct pbody *b)
{
	for (size_t i = 0; i < prog->rprobes.len; i++)
		if (((struct rprobe *)vec_at(&prog->rprobes, i))->body == b)
			return true;
	return false;
}

void warn_unused(struct program *prog, struct file *user)
{
	for (size_t i = 0; i < prog->bodies.len; i++) {
		const struct pbody *b = vec_at(&prog->bodies, i);
		if (body_runs(prog, b))
			warn_never_assigned(&b->locals, 0);
	}
	for (size_t i = 0; i < prog->functions.len; i++) {
		const struct pbody *b = vec_at(&prog->functions, i);
		warn_never_assigned(&b->locals, b->nparams);
	}
	for (size_t i = 0; i < user->functions.len; i++) {
		const struct function *fn = vec_at(&user->functions, i);
		if (!function_used(prog, fn))
			diag_warn(fn->loc, "eliding unused function '%s'",
				  fn->name);
	}
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		if (g->global->loc.src != user->src)
			continue;	/* a tapset's */
		if (!global_used(prog, g))
			diag_warn(g->decl, "eliding unused variable '%s'",
				  g->name);
		else if (!g->written && !g->global->init && g->nkeys <= 0 &&
			 g->type != TYPE_STATS)
			diag_warn(g->decl, "never-assigned global variable '%s'",
				  g->name);
	}
}
