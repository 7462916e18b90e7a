/*
 * Pass 2's calls: a call names a script or library function (resolved by
 * name and number of arguments to the chain of overloads that `next`
 * walks, loading the tapset that defines it) or a builtin (builtins.c),
 * else it is an error with a suggestion.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "resolver.h"
#include "util/suggest.h"
#include "tapsets.h"

/* The body of script function fn, queued for resolution on first use. */
static struct pbody *function_body(struct resolver *r, struct function *fn)
{
	char key[32];
	snprintf(key, sizeof(key), "%p", (void *)fn);
	struct pbody *b = hash_get(&r->fn_bodies, key);
	if (b)
		return b;
	b = xcalloc(1, sizeof(*b));
	b->id = -1;	/* numbered after the handlers (elaborate.c) */
	b->fn = fn;
	b->stmts = fn->body;
	b->ret = fn->ret;
	vec_push(&r->prog->functions, b);
	hash_put(&r->fn_bodies, xstrdup(key), b);
	return b;
}

static bool stmt_has_next(const struct stmt *st)
{
	if (!st)
		return false;
	if (st->kind == S_NEXT)
		return true;
	for (size_t i = 0; st->kind == S_BLOCK && i < st->stmts.len; i++)
		if (stmt_has_next(vec_at(&st->stmts, i)))
			return true;
	return stmt_has_next(st->body) || stmt_has_next(st->then) ||
	       stmt_has_next(st->els) || stmt_has_next(st->handler);
}

/* Whether fn may hand over to its next overload: `next` in a script
 * function, STAP_NEXT in an embedded-C one. */
static bool may_next(const struct function *fn)
{
	return fn->embedded ? strstr(fn->embedded, "STAP_NEXT") != NULL
			    : stmt_has_next(fn->body);
}

/* A private function is called only from its own file. */
static bool visible(const struct function *fn, struct srcloc loc)
{
	return !fn->private_ || fn->loc.src == loc.src;
}

/*
 * The overloads of name taking nargs arguments, in the order a call
 * tries them: by priority (an explicit `:N`, else 0 for the script's
 * functions and 1 for the library's), then in declaration order, up to
 * the first that cannot `next` (the rest are never reached).  In a
 * file with private functions of that name and arity, only those;
 * elsewhere only the public ones.
 */
static void overloads(struct resolver *r, const char *name, size_t nargs,
		      struct srcloc loc, struct vec *out)
{
	struct vec *all = hash_get(&r->functions, name);
	bool own_private = false;
	for (size_t i = 0; all && i < all->len; i++) {
		struct function *fn = vec_at(all, i);
		own_private |= fn->private_ && fn->params.len == nargs &&
			       visible(fn, loc);
	}
	for (size_t i = 0; all && i < all->len; i++) {
		struct function *fn = vec_at(all, i);
		if (fn->params.len != nargs || !visible(fn, loc) ||
		    (own_private && !fn->private_))
			continue;
		size_t j = out->len;
		vec_push(out, fn);
		for (; j > 0; j--) {	/* stable insertion by priority */
			struct function *prev = vec_at(out, j - 1);
			if (prev->priority <= fn->priority)
				break;
			out->items[j] = prev;
			out->items[j - 1] = fn;
		}
	}
	for (size_t i = 0; i < out->len; i++)
		if (!may_next(vec_at(out, i)))
			out->len = i + 1;
}

static bool any_visible(struct resolver *r, const char *name,
			struct srcloc loc)
{
	struct vec *all = hash_get(&r->functions, name);
	for (size_t i = 0; all && i < all->len; i++)
		if (visible(vec_at(all, i), loc))
			return true;
	return false;
}

/* "1 or 2 arguments": the arities name is defined with. */
static char *arities(struct resolver *r, const char *name)
{
	struct vec *all = hash_get(&r->functions, name);
	struct strbuf sb = {0};
	size_t shown = 0, last = 0;
	for (size_t n = 0; n <= 32; n++) {
		bool found = false;
		for (size_t i = 0; i < all->len; i++)
			found |= ((struct function *)vec_at(all, i))->params.len == n;
		if (!found)
			continue;
		if (shown)
			sb_puts(&sb, ", ");
		sb_printf(&sb, "%zu", n);
		shown++;
		last = n;
	}
	sb_printf(&sb, " argument%s", shown == 1 && last == 1 ? "" : "s");
	char *text = sb_steal(&sb);
	char *comma = strrchr(text, ',');
	if (comma) {	/* "1, 2 arguments" -> "1 or 2 arguments" */
		char *t = xasprintf("%.*s or%s", (int)(comma - text), text,
				    comma + 1);
		free(text);
		text = t;
	}
	return text;
}

/*
 * A call of a script or library function: resolved by name and number
 * of arguments to the chain of overloads it runs.  The library is
 * consulted when the script's own overloads may all `next`.
 */
static bool resolve_user_call(struct resolver *r, struct expr *e)
{
	struct vec chain = {0};
	overloads(r, e->name, e->args.len, e->loc, &chain);
	if ((!chain.len || may_next(vec_at(&chain, chain.len - 1))) &&
	    !builtin_lookup(e->name)) {
		struct vec files = {0};
		tapsets_for_function(r->ts, e->name, &files);
		register_files(r, &files);
		chain.len = 0;
		overloads(r, e->name, e->args.len, e->loc, &chain);
	}
	if (!chain.len) {
		if (!any_visible(r, e->name, e->loc))
			return false;
		char *takes = arities(r, e->name);
		diag_error(e->loc, "function '%s' takes %s, called with %zu",
			   e->name, takes, e->args.len);
		free(takes);
		return true;
	}
	e->callee = function_body(r, vec_at(&chain, 0));
	for (size_t i = 0; i + 1 < chain.len; i++)
		function_body(r, vec_at(&chain, i))->next_overload =
			function_body(r, vec_at(&chain, i + 1));
	for (size_t i = 0; i < chain.len; i++) {
		check_call_privilege(r->s, e, vec_at(&chain, i),
				     e->loc.src == r->user->src);
		vec_add_unique(&r->body->callees,
			       function_body(r, vec_at(&chain, i)));
	}
	vec_free(&chain);
	return true;
}

static void unknown_function(struct resolver *r, struct expr *e)
{
	struct vec names = {0};
	builtin_names(&names);
	for (size_t i = 0; i < r->functions.cap; i++)
		if (r->functions.keys[i] && r->functions.vals[i])
			vec_push(&names, (void *)r->functions.keys[i]);
	tapsets_names(r->ts, true, &names);
	const char *near = suggest(e->name, &names);
	struct vec *all = hash_get(&r->functions, e->name);
	if (all && all->len)	/* all private to other files */
		diag_error(e->loc, "unresolved function call '%s' (the "
			   "function '%s' of %s is private to that file)",
			   e->name, e->name, ((struct function *)vec_at(all, 0))
			   ->loc.src->name);
	else if (near)
		diag_error(e->loc, "unresolved function call '%s' (did you "
			   "mean '%s'?)", e->name, near);
	else
		diag_error(e->loc, "unresolved function call '%s'", e->name);
	vec_free(&names);
}

/* The print family takes at most MAX_PRINT_VALUES values after its
 * format or delimiter, as upstream's translator does. */
#define MAX_PRINT_VALUES 32

static void check_print_values(const struct builtin *bi, struct expr *e)
{
	if (bi->args != BI_ARGS_VALUES && bi->args != BI_ARGS_FORMAT)
		return;
	size_t n = e->args.len - (bi->literal_first ? 1 : 0);
	if (n > MAX_PRINT_VALUES)
		diag_error(e->loc, "too many values for '%s': %zu, at most %d; "
			   "split it into several calls", e->name, n,
			   MAX_PRINT_VALUES);
}

/* A call: of a script or library function, else of a builtin, whose
 * entry the node keeps for the passes after (builtins.h). */
void resolve_call(struct resolver *r, struct expr *e)
{
	const struct builtin *bi = builtin_lookup(e->name);

	resolve_args(r, e);
	if (resolve_user_call(r, e))
		return;
	if (!bi) {
		unknown_function(r, e);
		return;
	}
	e->builtin = bi;
	if (!builtin_args_fit(bi, e))
		diag_error(e->loc, bi->usage, e->name);
	else
		check_print_values(bi, e);
}

/* Adds f's functions to their overload sets.  Same name, same number
 * of parameters: runtime overloads (`next`); other numbers: unrelated
 * functions. */
void register_functions(struct resolver *r, struct file *f)
{
	for (size_t i = 0; i < f->functions.len; i++) {
		struct function *fn = vec_at(&f->functions, i);
		struct vec *all = hash_get(&r->functions, fn->name);
		if (fn->embedded && !f->tapset) {
			char *what = xasprintf("function '%s'", fn->name);
			script_embedded_allowed(r->s, fn->loc, what, false);
			free(what);
		}
		if (!fn->has_priority)
			fn->priority = f->tapset ? 1 : 0;
		if (!all) {
			all = xcalloc(1, sizeof(*all));
			hash_put(&r->functions, fn->name, all);
		}
		vec_push(all, fn);
	}
}
