/*
 * Pass 2 proper: resolves probe points through the family table, turns
 * variable names into symbols (locals of each probe body, or globals),
 * checks calls against the builtins, and rejects what passes 3 and 4
 * cannot translate yet.  types.c then types every expression.
 *
 * The walk is one function per node class: resolve_stmt(), resolve_expr().
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aliases.h"
#include "elaborate.h"
#include "parse/parse.h"
#include "probes/probes.h"
#include "session.h"
#include "util/suggest.h"
#include "tapsets.h"

struct resolver {
	struct session *s;
	struct file *user;	/* the script */
	struct program *prog;
	struct hash globals;	/* name -> struct sym *; a tapset's private
				 * globals under private_key() */
	struct hash functions;	/* name -> struct vec * of struct function *:
				 * every overload, any arity, in order of
				 * registration */
	struct hash fn_bodies;	/* "%p" of a struct function -> its struct
				 * pbody *, once called */
	struct vec aliases;	/* struct alias *, of every file loaded */
	struct tapsets *ts;	/* the library, loaded as names need it */
	struct vec tapset_probes;	/* struct probe *: resolved last, as
					 * a body may be mid-walk when its
					 * tapset is loaded */
	size_t tapset_probes_done;
	struct pbody *body;	/* the body being walked */
	struct hash locals;	/* of that body */
	int loop_depth;
};

static void resolve_expr(struct resolver *r, struct expr *e);
static void register_file(struct resolver *r, struct file *f);
static void add_probe(struct resolver *r, struct probe *p, int depth);
static void resolve_body(struct resolver *r, struct pbody *body);

/* Registers whatever the tapset files in v (struct file *) define. */
static void register_files(struct resolver *r, struct vec *v)
{
	for (size_t i = 0; i < v->len; i++)
		register_file(r, vec_at(v, i));
	vec_free(v);
}

static const struct { const char *name; enum builtin bi; } builtins[] = {
	{"print", BI_PRINT}, {"println", BI_PRINTLN}, {"printd", BI_PRINTD},
	{"printdln", BI_PRINTDLN}, {"printf", BI_PRINTF},
	{"sprint", BI_SPRINT}, {"sprintln", BI_SPRINTLN},
	{"sprintd", BI_SPRINTD}, {"sprintdln", BI_SPRINTDLN},
	{"sprintf", BI_SPRINTF}, {"exit", BI_EXIT}, {"error", BI_ERROR},
};

enum builtin builtin_printer(enum builtin bi)
{
	switch (bi) {
	case BI_SPRINT: return BI_PRINT;
	case BI_SPRINTLN: return BI_PRINTLN;
	case BI_SPRINTD: return BI_PRINTD;
	case BI_SPRINTDLN: return BI_PRINTDLN;
	case BI_SPRINTF: return BI_PRINTF;
	default: return bi;
	}
}

bool builtin_is_sprint(enum builtin bi)
{
	return builtin_printer(bi) != bi;
}

enum builtin builtin_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return builtins[i].bi;
	return BI_NONE;
}

static void unsupported(struct srcloc loc, const char *what)
{
	diag_error(loc, "not supported yet: %s", what);
}

static struct sym *sym_new(enum sym_kind kind, const char *name,
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

static void vec_add_unique(struct vec *v, void *item)
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

/* The global name means at loc: a private one of loc's file, else a
 * public one, else NULL. */
static struct sym *find_global(struct resolver *r, const char *name,
			       struct srcloc loc)
{
	char *key = private_key(loc.src, name);
	struct sym *s = hash_get(&r->globals, key);
	free(key);
	return s ? s : hash_get(&r->globals, name);
}

/* A name in a probe body: a local, else a global, else a new local. */
static struct sym *lookup_var(struct resolver *r, const char *name,
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
static void note_exclusive(struct resolver *r, struct sym *g)
{
	if (g && g->kind == SYM_GLOBAL)
		vec_add_unique(&r->body->globals_written, g);
}

/* Records how a global is used: as a scalar (0) or with n indexes. */
static void note_arity(struct sym *s, int n, struct srcloc loc)
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
static struct sym *resolve_aggregate(struct resolver *r, struct expr *e,
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

static void resolve_args(struct resolver *r, struct expr *e);

/* base[args] on a global array: the element's value, or with slice
 * a pattern in which '*' matches any index (delete, foreach). */
static void resolve_index(struct resolver *r, struct expr *e, bool lock,
			  bool slice)
{
	resolve_args(r, e);
	if (e->base->kind == E_HIST) {	/* a histogram bucket */
		resolve_expr(r, e->base);
		if (e->args.len != 1)
			diag_error(e->loc, "a histogram bucket takes one index");
		return;
	}
	if (e->args.len > 9) {
		diag_error(e->loc, "arrays take at most 9 indexes");
		return;
	}
	for (size_t i = 0; i < e->args.len && !slice; i++)
		if (((struct expr *)vec_at(&e->args, i))->kind == E_WILDCARD)
			diag_error(e->loc, "wildcard not allowed in array index");
	e->sym = resolve_aggregate(r, e->base, lock);
	if (e->sym)
		note_arity(e->sym, (int)e->args.len, e->loc);
}

/* The operand of <<<, @count(...), @hist_log(...): a statistic. */
static void resolve_stat_operand(struct resolver *r, struct expr *e, bool lock)
{
	if (e->kind == E_INDEX) {
		resolve_index(r, e, lock, false);
		return;
	}
	struct sym *s = resolve_aggregate(r, e, lock);
	if (s)
		note_arity(s, 0, e->loc);
}

static void resolve_args(struct resolver *r, struct expr *e)
{
	for (size_t i = 0; i < e->args.len; i++)
		resolve_expr(r, vec_at(&e->args, i));
}

/* The body of script function fn, queued for resolution on first use. */
static struct pbody *function_body(struct resolver *r, struct function *fn)
{
	char key[32];
	snprintf(key, sizeof(key), "%p", (void *)fn);
	struct pbody *b = hash_get(&r->fn_bodies, key);
	if (b)
		return b;
	b = xcalloc(1, sizeof(*b));
	b->id = -1;	/* numbered after the handlers, below */
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
	    builtin_lookup(e->name) == BI_NONE) {
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
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		vec_push(&names, (void *)builtins[i].name);
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

static void resolve_call(struct resolver *r, struct expr *e)
{
	enum builtin bi = builtin_lookup(e->name);
	size_t n = e->args.len;

	resolve_args(r, e);
	if (resolve_user_call(r, e))
		return;
	switch (builtin_printer(bi)) {
	case BI_NONE:
		unknown_function(r, e);
		return;
	case BI_PRINTF: {
		struct expr *fmt = n ? vec_at(&e->args, 0) : NULL;
		if (!fmt || fmt->kind != E_STR)
			diag_error(e->loc, "'%s' needs a literal format string "
				   "as its first argument", e->name);
		return;
	}
	case BI_PRINTD:
	case BI_PRINTDLN: {
		struct expr *delim = n ? vec_at(&e->args, 0) : NULL;
		if (!delim || delim->kind != E_STR || n < 3)
			diag_error(e->loc, "'%s' takes a literal delimiter "
				   "string and two or more values", e->name);
		return;
	}
	case BI_EXIT:
		if (n != 0)
			diag_error(e->loc, "'exit' takes no arguments");
		return;
	case BI_ERROR:
		if (n != 1)
			diag_error(e->loc, "'error' takes one argument (a message)");
		return;
	case BI_PRINT:
		if (n == 0)
			diag_error(e->loc, "'%s' takes one or more values",
				   e->name);
		return;
	default:
		return;
	}
}

/* Marks a symbol as read (autoprint.c prints globals never read). */
static void note_read(struct sym *s)
{
	if (s)
		s->read = true;
}

/* Marks the symbol an assignment writes, checking it is assignable. */
static void resolve_lvalue(struct resolver *r, struct expr *lv)
{
	if (lv->kind == E_VAR) {	/* not a read of it */
		lv->sym = lookup_var(r, lv->name, lv->loc);
		if (lv->sym->kind == SYM_GLOBAL)
			note_arity(lv->sym, 0, lv->loc);
	} else if (lv->kind == E_INDEX && lv->base->kind != E_HIST) {
		resolve_index(r, lv, true, false);
	} else {
		resolve_expr(r, lv);
	}
	if (lv->kind == E_INDEX && lv->base->kind == E_HIST) {
		diag_error(lv->loc, "cannot assign to a histogram bucket");
		return;
	}
	if (lv->kind != E_VAR && lv->kind != E_INDEX) {
		diag_error(lv->loc, "cannot assign to this expression");
		return;
	}
	if (lv->sym)
		lv->sym->written = true;
	note_exclusive(r, lv->sym);
}

/*
 * @defined(e->a) becomes the number 1 or 0 (targets.c decides).  An
 * operand without target variables is resolved as usual: it is defined
 * if it resolves.
 */
static void fold_defined(struct resolver *r, struct expr *e)
{
	int k = target_defined(r->prog, r->body, e->a);
	if (k < 0) {
		resolve_expr(r, e->a);
		k = 1;
	}
	e->kind = E_NUM;
	e->num = k;
}

/* The value of a condition that is @defined(...) or !@defined(...),
 * folded; -1 for any other condition (left unresolved). */
static int defined_condition(struct resolver *r, struct expr *cond)
{
	bool negated = cond->kind == E_UNARY && cond->op[0] == '!';
	struct expr *d = negated ? cond->a : cond;
	if (d->kind != E_DEFINED)
		return -1;
	fold_defined(r, d);
	if (negated) {
		*cond = *d;
		cond->num = !cond->num;
	}
	return (int)cond->num;
}

/* `@defined(x) ? a : b`: only the branch that can run is resolved, and
 * replaces the whole expression. */
static bool fold_defined_ternary(struct resolver *r, struct expr *e)
{
	int k = defined_condition(r, e->a);
	if (k < 0)
		return false;
	*e = *(k ? e->b : e->c);
	resolve_expr(r, e);
	return true;
}

/* `@defined(x) && a` / `@defined(x) || a`: a is dropped when it cannot
 * be evaluated. */
static bool fold_defined_logical(struct resolver *r, struct expr *e)
{
	int k = defined_condition(r, e->a);
	if (k < 0)
		return false;
	if ((e->op[0] == '&') == (k != 0)) {
		resolve_expr(r, e->b);	/* the result is b's truth */
		return true;
	}
	e->kind = E_NUM;	/* false && a, true || a */
	e->num = k;
	return true;
}

/* ++ and -- write their operand, a variable, element or target. */
static void resolve_incdec(struct resolver *r, struct expr *e)
{
	if (e->a->kind == E_TARGET)
		resolve_target(r->prog, r->body, e->a, 0, e->op);
	else
		resolve_lvalue(r, e->a);
}

static void resolve_expr(struct resolver *r, struct expr *e)
{
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_WILDCARD:	/* an index '*': its array access checks it */
		return;
	case E_VAR:
		e->sym = lookup_var(r, e->name, e->loc);
		if (e->sym->kind == SYM_GLOBAL)
			note_arity(e->sym, 0, e->loc);
		note_read(e->sym);
		return;
	case E_CALL:
		resolve_call(r, e);
		return;
	case E_INCDEC:	/* its value is used: a read too, as upstream */
		resolve_incdec(r, e);
		if (e->a->kind != E_TARGET)
			note_read(e->a->sym);
		return;
	case E_ASSIGN:
		if (e->a->kind == E_TARGET)
			resolve_target(r->prog, r->body, e->a,
				       !strcmp(e->op, "=") ? TARGET_SET :
				       !strcmp(e->op, ".=") ? TARGET_APPEND : 0,
				       e->op);
		else
			resolve_lvalue(r, e->a);
		resolve_expr(r, e->b);
		return;
	case E_UNARY:
		resolve_expr(r, e->a);
		return;
	case E_LOGICAL:
		if (fold_defined_logical(r, e))
			return;
		/* fall through */
	case E_BINARY:
	case E_COMPARE:
	case E_CONCAT:
		resolve_expr(r, e->a);
		resolve_expr(r, e->b);
		return;
	case E_TERNARY:
		if (fold_defined_ternary(r, e))
			return;
		resolve_expr(r, e->a);
		resolve_expr(r, e->b);
		resolve_expr(r, e->c);
		return;
	case E_INDEX:
		resolve_index(r, e, true, false);
		note_read(e->sym);
		return;
	case E_IN:
		resolve_args(r, e);	/* '*' allowed: any match */
		e->sym = resolve_aggregate(r, e->base, true);
		if (e->sym)
			note_arity(e->sym, (int)e->args.len, e->loc);
		return;
	case E_STAT_ADD:
		resolve_stat_operand(r, e->a, false);
		if (e->a->sym)
			e->a->sym->written = true;
		resolve_expr(r, e->b);
		return;
	case E_STAT_OP:
		resolve_stat_operand(r, e->a, true);
		note_exclusive(r, e->a->sym);
		note_read(e->a->sym);
		if (e->b && e->b->kind != E_NUM)
			diag_error(e->b->loc, "the bit shift of @variance must "
				   "be a number literal");
		return;
	case E_HIST:
		resolve_stat_operand(r, e->a, true);
		note_exclusive(r, e->a->sym);
		note_read(e->a->sym);
		for (size_t i = 0; i < e->args.len; i++)
			if (((struct expr *)vec_at(&e->args, i))->kind != E_NUM)
				diag_error(e->loc, "@hist_linear's start, stop "
					   "and interval must be number literals");
		return;
	case E_TARGET:
		resolve_target(r->prog, r->body, e, TARGET_READ, NULL);
		return;
	case E_DEFINED:
		fold_defined(r, e);
		return;
	case E_CAST: unsupported(e->loc, "@cast"); return;
	case E_ATVAR: unsupported(e->loc, "@var"); return;
	case E_ENTRY: unsupported(e->loc, "@entry"); return;
	case E_PERF: unsupported(e->loc, "@perf"); return;
	case E_ADDROF: unsupported(e->loc, "address-of ('&')"); return;
	case E_REGEX: unsupported(e->loc, "regular expression matching"); return;
	case E_EMBEDDED:
		if (e->loc.src != r->user->src ||
		    script_embedded_allowed(r->s, e->loc,
					    "expression in a script", true))
			unsupported(e->loc, "embedded C expressions");
		return;
	default: unsupported(e->loc, "this expression"); return;
	}
}

static void resolve_stmt(struct resolver *r, struct stmt *st);

/* A foreach's keys and value (locals it sets), limit, and body. */
static void resolve_foreach_rest(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	for (size_t i = 0; i < fe->keys.len; i++) {
		struct expr *k = vec_at(&fe->keys, i);
		resolve_expr(r, k);
		if (k->sym)
			k->sym->written = true;
		note_exclusive(r, k->sym);
	}
	if (fe->value) {
		resolve_expr(r, fe->value);
		if (fe->value->sym)
			fe->value->sym->written = true;
		note_exclusive(r, fe->value->sym);
	}
	if (fe->limit)
		resolve_expr(r, fe->limit);
	r->loop_depth++;
	resolve_stmt(r, st->body);
	r->loop_depth--;
}

/* foreach ([b] in @hist_log(s) limit n): b runs over the bucket
 * numbers, the value is the bucket's count. */
static void resolve_hist_foreach(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	resolve_expr(r, fe->array);
	if (fe->keys.len != 1)
		diag_error(fe->array->loc, "foreach over a histogram takes "
			   "one index, the bucket number");
	if (fe->sort_dir || fe->sort_agg)
		diag_error(st->loc, "foreach over a histogram cannot sort: "
			   "it runs over the buckets in order");
	resolve_foreach_rest(r, st);
}

/* foreach ([k...] in a [sort] limit n) body: the keys and value are
 * locals; each foreach over an array gets its own snapshot site. */
static void resolve_foreach(struct resolver *r, struct stmt *st)
{
	struct foreach *fe = st->fe;
	if (fe->array->kind == E_HIST) {
		resolve_hist_foreach(r, st);
		return;
	}
	struct sym *a;
	if (fe->array->kind == E_INDEX) {	/* a slice: a[k, *] */
		if (fe->array->base->kind == E_HIST) {
			diag_error(fe->array->loc, "expected an array or an "
				   "array slice after 'in'");
			return;
		}
		resolve_index(r, fe->array, true, true);
		a = fe->array->sym;
	} else {
		a = resolve_aggregate(r, fe->array, true);
	}
	if (!a)
		return;
	note_arity(a, (int)fe->keys.len, fe->array->loc);
	fe->array->sym = a;
	note_exclusive(r, a);
	note_read(a);
	a->foreach_sites++;
	if (fe->sort_key > (int)fe->keys.len)
		diag_error(st->loc, "sort by index %d, but the array has %zu",
			   fe->sort_key, fe->keys.len);
	resolve_foreach_rest(r, st);
}

static void resolve_stmt(struct resolver *r, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++) {
			struct stmt *sub = vec_at(&st->stmts, i);
			resolve_stmt(r, sub);
			if (sub->kind == S_EXPR && side_effect_free(sub->e)) {
				if (sub->loc.src == r->user->src)
					diag_warn(sub->e->loc, "eliding "
						  "side-effect-free expression");
				memmove(&st->stmts.items[i], &st->stmts.items[i + 1],
					(st->stmts.len - i - 1) * sizeof(void *));
				st->stmts.len--;
				i--;
			}
		}
		return;
	case S_NULL:
	case S_NEXT:
		return;
	case S_EXPR:	/* "n++;" only writes n (autoprint.c prints it) */
		if (st->e->kind == E_INCDEC)
			resolve_incdec(r, st->e);
		else
			resolve_expr(r, st->e);
		return;
	case S_IF: {
		int k = defined_condition(r, st->e);
		if (k < 0) {
			resolve_expr(r, st->e);
			resolve_stmt(r, st->then);
			resolve_stmt(r, st->els);
		} else if (k ? st->then : st->els) {
			*st = *(k ? st->then : st->els);
			resolve_stmt(r, st);
		} else {
			st->kind = S_NULL;
		}
		return;
	}
	case S_WHILE:
	case S_FOR:
		resolve_stmt(r, st->init);
		if (st->e)
			resolve_expr(r, st->e);
		resolve_stmt(r, st->step);
		r->loop_depth++;
		resolve_stmt(r, st->body);
		r->loop_depth--;
		return;
	case S_BREAK:
	case S_CONTINUE:
		if (!r->loop_depth)
			diag_error(st->loc, "'%s' outside a loop",
				   st->kind == S_BREAK ? "break" : "continue");
		return;
	case S_RETURN:
		if (!r->body->fn)
			diag_error(st->loc, "'return' outside a function");
		else if (st->e)
			resolve_expr(r, st->e);
		return;
	case S_FOREACH:
		resolve_foreach(r, st);
		return;
	case S_DELETE:
		if (st->e->kind == E_INDEX) {
			resolve_index(r, st->e, true, true);
			if (st->e->sym)
				st->e->sym->written = true;
			note_exclusive(r, st->e->sym);
			note_read(st->e->sym);	/* upstream: no autoprint */
		} else if (st->e->kind == E_VAR) {
			struct sym *g = resolve_aggregate(r, st->e, true);
			if (g)
				g->written = true;
			note_exclusive(r, g);
			note_read(g);
		} else {
			diag_error(st->e->loc, "delete takes an array, an "
				   "array element or a statistic");
		}
		return;
	case S_TRY:
		resolve_stmt(r, st->body);
		if (st->catch_var) {
			resolve_expr(r, st->catch_var);
			if (st->catch_var->sym)
				st->catch_var->sym->written = true;
			note_exclusive(r, st->catch_var->sym);
		}
		resolve_stmt(r, st->handler);
		return;
	case S_EMBEDDED:
		if (st->loc.src != r->user->src ||
		    script_embedded_allowed(r->s, st->loc, "code in a script",
					    false))
			unsupported(st->loc, "embedded C in a probe");
		return;
	}
}

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

/* Expands pp through every alias that matches it; false if none. */
static bool expand_aliases(struct resolver *r, struct probe *p,
			   struct probe_point *pp, int depth)
{
	struct pp_comp *first = vec_at(&pp->comps, 0);
	struct vec files = {0};
	bool any = false;

	tapsets_for_alias(r->ts, first->name, &files);
	register_files(r, &files);
	for (size_t i = 0; i < r->aliases.len; i++) {
		struct alias *a = vec_at(&r->aliases, i);
		for (size_t j = 0; j < a->names.len; j++) {
			if (!alias_matches(vec_at(&a->names, j), pp))
				continue;
			if (depth > 16) {
				diag_error(pp->loc, "probe alias expansion too "
					   "deep (an alias that refers to itself?)");
				return true;
			}
			struct probe *expanded = alias_expand(a, pp, p);
			expanded->origin_text = alias_origin(a, p);
			add_probe(r, expanded, depth + 1);
			any = true;
			break;
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

/* A wildcard in a component name (not in an argument: families such as
 * kprobe.function("vfs_*") expand those themselves). */
static bool name_has_wildcard(const struct probe_point *pp)
{
	for (size_t i = 0; i < pp->comps.len; i++)
		if (strpbrk(((struct pp_comp *)vec_at(&pp->comps, i))->name, "*?["))
			return true;
	return false;
}

/* Resolves one point of body's probe; whether it stands for anything. */
static bool resolve_point(struct resolver *r, struct pbody *body,
			  struct probe_point *pp, int depth)
{
	struct probe *p = body->probe;
	struct pp_comp *first = vec_at(&pp->comps, 0);
	if (expand_aliases(r, p, pp, depth))
		return true;
	char *text = probe_point_text(pp);
	struct pbody *cond = pp->cond ? resolve_condition(r, pp) : NULL;
	if (name_has_wildcard(pp)) {
		unsupported(pp->loc, "wildcards in probe point names");
		return false;
	}
	const struct probe_family *f = probe_family_lookup(first->name);
	if (!f) {
		if (!pp_optional(pp))
			unknown_probe_point(r, pp, text);
		return false;
	}
	struct vec points = {0};
	if (!f->expand)
		vec_push(&points, pp);
	else if (!f->expand(r->s, pp, &points))
		return false;
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
		rp->cond = cond;
		if (!f->resolve(rp))
			continue;
		check_probe_privilege(r->s, rp);
		vec_push(&r->prog->rprobes, rp);
		any = true;
	}
	vec_free(&points);
	return any;
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

/* Adds f's functions to their overload sets.  Same name, same number
 * of parameters: runtime overloads (`next`); other numbers: unrelated
 * functions. */
static void register_functions(struct resolver *r, struct file *f)
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

/* Makes what f defines known: globals, functions, aliases, embedded
 * C (tapsets only, or -g) and the probes a tapset itself holds. */
static void register_file(struct resolver *r, struct file *f)
{
	resolve_globals(r, f);
	register_functions(r, f);
	for (size_t i = 0; i < f->aliases.len; i++)
		vec_push(&r->aliases, vec_at(&f->aliases, i));
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

static void reject_unsupported_items(struct session *s, struct program *prog,
				     struct file *f)
{
}

/* A probe's handler body: its points, then its statements. */
static void add_probe(struct resolver *r, struct probe *p, int depth)
{
	struct pbody *body = xcalloc(1, sizeof(*body));
	body->id = (int)r->prog->bodies.len;
	body->probe = p;
	body->stmts = p->body;
	vec_push(&r->prog->bodies, body);
	resolve_points(r, body, depth);
	resolve_body(r, body);
}

/* Walks one body; a function's parameters are its first locals. */
static void resolve_body(struct resolver *r, struct pbody *body)
{
	r->body = body;
	memset(&r->locals, 0, sizeof(r->locals));
	if (body->fn) {
		struct function *fn = body->fn;
		for (size_t i = 0; i < fn->params.len; i++) {
			struct param *p = vec_at(&fn->params, i);
			struct sym *s = sym_new(SYM_LOCAL, p->name, p->loc,
						(int)i);
			s->type = p->type;
			s->written = true;
			vec_push(&body->locals, s);
			hash_put(&r->locals, s->name, s);
		}
		body->nparams = fn->params.len;
	}
	resolve_stmt(r, body->stmts);
	hash_free(&r->locals);
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
		add_probe(r, autoprint_probe(g), 0);
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
		add_probe(&r, vec_at(&user->probes, i), 0);
	for (; r.tapset_probes_done < r.tapset_probes.len;
	     r.tapset_probes_done++)
		add_probe(&r, vec_at(&r.tapset_probes, r.tapset_probes_done), 0);
	/* functions called so far may call others: a worklist */
	for (size_t i = 0; i < prog->functions.len; i++) {
		resolve_body(&r, vec_at(&prog->functions, i));
		/* functions may load tapsets with probes of their own */
		for (; r.tapset_probes_done < r.tapset_probes.len;
		     r.tapset_probes_done++)
			add_probe(&r, vec_at(&r.tapset_probes,
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
	resolver_free(&r);
	return diag_errors == errors ? prog : NULL;
}
