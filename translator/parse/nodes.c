/*
 * The AST node builders that the grammar's actions (parser.y) call: one
 * function per construct, named after what it makes (binary(),
 * foreach_stmt(), add_probe() ...), declared in grammar.h.  Each takes
 * tokens and subtrees and returns the node with its source location;
 * the add_* ones append a finished top-level item to the file.
 */
#include <stdlib.h>
#include <string.h>
#include "parser.h"
#include "util/util.h"

char *tok_dup(const struct token *t)
{
	return xstrndup(t->text, t->len);
}

struct vec vec1(void *item)
{
	struct vec v = {0};
	vec_push(&v, item);
	return v;
}

struct vec vec_add(struct vec v, void *item)
{
	vec_push(&v, item);
	return v;
}

struct expr *num_expr(const struct token *t, bool negate)
{
	struct expr *e = expr_new(E_NUM, t->loc);
	e->num = negate ? (int64_t)(0 - (uint64_t)t->num) : t->num;
	return e;
}

struct expr *str_expr(const struct token *t)
{
	struct expr *e = expr_new(E_STR, t->loc);
	e->str = tok_dup(t);
	e->len = t->len;
	return e;
}

struct expr *var_expr(const struct token *t)
{
	struct expr *e = expr_new(E_VAR, t->loc);
	e->name = tok_dup(t);
	return e;
}

struct expr *binary(enum expr_kind kind, struct expr *a,
		    const struct token *op, struct expr *b)
{
	struct expr *e = expr_new(kind, a->loc);
	e->op = token_spelling(op->kind);
	e->a = a;
	e->b = b;
	return e;
}

/* -N folds into a negative literal, so that -9223372036854775808 and
 * printed negative numbers read back as the same tree. */
struct expr *unary(const struct token *op, struct expr *a)
{
	if (op->kind == '-' && a->kind == E_NUM) {
		a->num = (int64_t)(0 - (uint64_t)a->num);
		a->loc = op->loc;
		return a;
	}
	struct expr *e = expr_new(E_UNARY, op->loc);
	e->op = token_spelling(op->kind);
	e->a = a;
	return e;
}

struct expr *incdec(const struct token *op, struct expr *a,
		    bool postfix)
{
	struct expr *e = expr_new(E_INCDEC, postfix ? a->loc : op->loc);
	e->op = token_spelling(op->kind);
	e->postfix = postfix;
	e->a = a;
	return e;
}

struct expr *call_expr(enum expr_kind kind, const struct token *t,
		       struct vec args)
{
	struct expr *e = expr_new(kind, t->loc);
	e->name = tok_dup(t);
	e->args = args;
	/* printd's delimiter is part of the syntax, as upstream parses it */
	if (kind == E_CALL && (strcmp(e->name, "printd") == 0 ||
			       strcmp(e->name, "printdln") == 0)) {
		struct expr *d = args.len ? vec_at(&args, 0) : NULL;
		if (!d || d->kind != E_STR || args.len < 3)
			diag("parse error", t->loc, "'%s' takes a literal "
			     "delimiter string and two or more values, as "
			     "in %s(\",\", a, b)", e->name, e->name);
	}
	return e;
}

/* Whether code at loc may use what needs -g: in guru mode, in a tapset,
 * or when a library macro (.stpm) brought it into the script. */
static bool privileged_at(const struct parser *p, struct srcloc loc)
{
	return p->guru || p->tapset || (loc.src && loc.src != p->file->src);
}

/* @kderef(SIZE, ADDR), @kregister(N) and their user-space twins
 * @uderef, @uregister; the kernel ones read kernel state and need -g. */
struct expr *probefn_expr(struct parser *p, const struct token *t,
			  struct vec args)
{
	struct expr *e = call_expr(E_PROBEFN, t, args);
	bool deref = strcmp(e->name, "kderef") == 0 ||
		     strcmp(e->name, "uderef") == 0;
	bool reg = strcmp(e->name, "kregister") == 0 ||
		   strcmp(e->name, "uregister") == 0;

	if ((deref || reg) && e->name[0] == 'k' && !privileged_at(p, t->loc))
		diag("parse error", t->loc, "@%s reads kernel memory or "
		     "registers: it needs guru mode (stap -g)", e->name);
	if (deref && args.len != 2)
		diag("parse error", t->loc, "@%s takes two arguments, a size "
		     "in bytes and an address: @%s(4, addr)", e->name,
		     e->name);
	if (reg && (args.len != 1 ||
		    ((struct expr *)vec_at(&args, 0))->kind != E_NUM))
		diag("parse error", t->loc, "@%s takes one literal register "
		     "number: @%s(0)", e->name, e->name);
	return e;
}

struct expr *in_expr(struct vec keys, const struct token *array)
{
	struct expr *first = vec_at(&keys, 0);
	struct expr *e = expr_new(E_IN, first->loc);
	e->args = keys;
	e->base = var_expr(array);
	return e;
}

/* Splits a trailing "$" / "$$" pretty-print suffix off name (in place);
 * returns the suffix or NULL. */
static char *split_suffix(char *name, size_t min, struct srcloc loc)
{
	size_t n = strlen(name), k = 0;
	while (n - k > min && name[n - k - 1] == '$')
		k++;
	if (k == 0)
		return NULL;
	if (k > 2)
		diag("parse error", loc, "'%s' has more than two '$' at its "
		     "end", name);
	name[n - k] = '\0';
	return xstrdup(k == 1 ? "$" : "$$");
}

struct expr *target_expr(const struct token *t)
{
	struct expr *e = expr_new(E_TARGET, t->loc);
	size_t lead = t->len > 1 && t->text[1] == '$' ? 2 : 1;
	e->name = tok_dup(t);
	e->suffix = split_suffix(e->name, lead, t->loc);
	if (strlen(e->name) == lead) {
		diag("parse error", t->loc, "expected a name after '%s'",
		     e->name);
	} else if (lead == 2 && strcmp(e->name, "$$vars") != 0 &&
		   strcmp(e->name, "$$parms") != 0 &&
		   strcmp(e->name, "$$locals") != 0 &&
		   strcmp(e->name, "$$return") != 0 &&
		   strcmp(e->name, "$$name") != 0 &&	/* .mark, kernel.trace */
		   strcmp(e->name, "$$provider") != 0 &&	/* .mark */
		   strcmp(e->name, "$$system") != 0) {	/* kernel.trace */
		diag("parse error", t->loc, "unknown context variable '%s' "
		     "(expected $$vars, $$parms, $$locals, $$return, $$name, "
		     "$$provider or $$system)", e->name);
	}
	return e;
}

static bool has_comps(const struct expr *e)
{
	return e->kind == E_TARGET || e->kind == E_CAST ||
	       e->kind == E_ATVAR || e->kind == E_AUTOCAST;
}

/* base->field: extends a target path, or starts an autocast. */
struct expr *add_field(struct expr *base, const struct token *field)
{
	if (!has_comps(base) || base->suffix) {
		if (base->suffix)
			diag("parse error", field->loc, "'->' after a '%s' "
			     "pretty-print suffix: the suffix must come last",
			     base->suffix);
		struct expr *e = expr_new(E_AUTOCAST, base->loc);
		e->a = base;
		base = e;
	}
	struct comp *c = xcalloc(1, sizeof(*c));
	c->kind = COMP_FIELD;
	c->loc = field->loc;
	c->field = tok_dup(field);
	base->suffix = split_suffix(c->field, 0, field->loc);
	if (!c->field[0])
		diag("parse error", field->loc, "expected a field name "
		     "after '->'");
	vec_push(&base->comps, c);
	return base;
}

/* @cast(...)$, $x[1]$$: a pretty-print suffix after a ')' or ']'. */
struct expr *add_suffix(struct expr *base, const struct token *t)
{
	if (!has_comps(base) || base->suffix)
		diag("parse error", t->loc, "'%s' pretty-print suffix after "
		     "something that is not a target variable", t->text);
	else
		base->suffix = tok_dup(t);
	return base;
}

/* base[args]: an array element, a histogram bucket or a target path
 * index. */
struct expr *add_index(struct expr *base, struct vec args,
		       struct srcloc loc)
{
	if (base->kind == E_VAR || base->kind == E_HIST) {
		struct expr *e = expr_new(E_INDEX, base->loc);
		e->base = base;
		e->args = args;
		return e;
	}
	if (!has_comps(base)) {
		diag("parse error", loc, "only arrays, histograms and target "
		     "variables can be indexed with '['");
		return base;
	}
	struct expr *ix = vec_at(&args, 0);
	if (args.len != 1 || ix->kind == E_WILDCARD)
		diag("parse error", loc, "a target variable takes a single "
		     "index expression");
	struct comp *c = xcalloc(1, sizeof(*c));
	c->loc = loc;
	if (ix->kind == E_NUM) {
		c->kind = COMP_INDEX_NUM;
		c->num = ix->num;
	} else {
		c->kind = COMP_INDEX_EXPR;
		c->index = ix;
	}
	vec_push(&base->comps, c);
	return base;
}

struct expr *stat_expr(const struct token *op, struct expr *a,
		       struct expr *shift)
{
	struct expr *e = expr_new(E_STAT_OP, op->loc);
	e->name = tok_dup(op);
	e->a = a;
	e->b = shift;
	if (shift && strcmp(e->name, "variance") != 0)
		diag("parse error", shift->loc, "@%s takes one argument; only "
		     "@variance takes a second (bit shift)", e->name);
	return e;
}

struct expr *hist_expr(const struct token *op, struct vec args)
{
	struct expr *e = expr_new(E_HIST, op->loc);
	bool linear = strcmp(op->text, "hist_linear") == 0;
	e->name = tok_dup(op);
	e->a = vec_at(&args, 0);
	for (size_t i = 1; i < args.len; i++)
		vec_push(&e->args, vec_at(&args, i));
	vec_free(&args);
	if (linear && e->args.len != 3)
		diag("parse error", op->loc, "@hist_linear takes 4 arguments "
		     "(value, start, stop, interval), %zu given",
		     e->args.len + 1);
	if (!linear && e->args.len != 0)
		diag("parse error", op->loc, "@hist_log takes 1 argument, "
		     "%zu given", e->args.len + 1);
	return e;
}

struct expr *cast_expr(const struct token *at, struct expr *a,
		       const struct token *type,
		       const struct token *module)
{
	struct expr *e = expr_new(E_CAST, at->loc);
	e->a = a;
	e->str = tok_dup(type);
	e->len = type->len;
	e->module = module ? tok_dup(module) : NULL;
	return e;
}

struct expr *atvar_expr(const struct token *at,
			const struct token *name,
			const struct token *module)
{
	struct expr *e = expr_new(E_ATVAR, at->loc);
	e->str = tok_dup(name);
	e->len = name->len;
	e->module = module ? tok_dup(module) : NULL;
	return e;
}

struct expr *unary_at(enum expr_kind kind, const struct token *at,
		      struct expr *a)
{
	struct expr *e = expr_new(kind, at->loc);
	e->a = a;
	return e;
}

/* ---- statements ---- */

struct stmt *expr_stmt(struct expr *e)
{
	if (e->kind == E_EMBEDDED) {
		struct stmt *st = stmt_new(S_EMBEDDED, e->loc);
		st->code = e->str;
		free(e);
		return st;
	}
	struct stmt *st = stmt_new(S_EXPR, e->loc);
	st->e = e;
	return st;
}

struct stmt *simple_stmt(enum stmt_kind kind, struct srcloc loc,
			 struct expr *e)
{
	struct stmt *st = stmt_new(kind, loc);
	st->e = e;
	return st;
}

struct stmt *if_stmt(struct srcloc loc, struct expr *cond,
		     struct stmt *then, struct stmt *els)
{
	struct stmt *st = stmt_new(S_IF, loc);
	st->e = cond;
	st->then = then;
	st->els = els;
	return st;
}

struct stmt *loop_stmt(enum stmt_kind kind, struct srcloc loc,
		       struct expr *e, struct stmt *body)
{
	struct stmt *st = stmt_new(kind, loc);
	st->e = e;
	st->body = body;
	return st;
}

struct stmt *for_stmt(struct srcloc loc, struct expr *init,
		      struct expr *cond, struct expr *step,
		      struct stmt *body)
{
	struct stmt *st = loop_stmt(S_FOR, loc, cond, body);
	st->init = init ? expr_stmt(init) : NULL;
	st->step = step ? expr_stmt(step) : NULL;
	return st;
}

struct stmt *try_stmt(struct srcloc loc, struct stmt *body,
		      const struct token *var, struct stmt *handler)
{
	struct stmt *st = stmt_new(S_TRY, loc);
	st->body = body;
	st->handler = handler;
	st->catch_var = var ? var_expr(var) : NULL;
	return st;
}

struct stmt *block_stmt(struct srcloc loc, struct vec stmts)
{
	struct stmt *st = stmt_new(S_BLOCK, loc);
	st->stmts = stmts;
	return st;
}

struct foreach *fe_keys_new(void)
{
	return xcalloc(1, sizeof(struct foreach));
}

static void fe_set_sort(struct foreach *fe, int key, int dir, struct srcloc loc)
{
	if (!dir)
		return;
	if (fe->sort_dir)
		diag("parse error", loc, "foreach takes at most one sort "
		     "direction ('+' or '-')");
	fe->sort_key = key;
	fe->sort_dir = dir;
}

void fe_add_key(struct foreach *fe, const struct fekey *k)
{
	vec_push(&fe->keys, var_expr(&k->name));
	fe_set_sort(fe, (int)fe->keys.len, k->dir, k->name.loc);
}

struct stmt *foreach_stmt(struct srcloc loc, struct foreach *fe,
			  const struct token *value, int vdir,
			  struct expr *array, struct fesort sort,
			  struct expr *limit, struct stmt *body)
{
	struct stmt *st = stmt_new(S_FOREACH, loc);
	if (value) {
		fe->value = var_expr(value);
		fe_set_sort(fe, -1, vdir, value->loc);
	}
	fe->array = array;
	fe_set_sort(fe, -1, sort.dir, array->loc);
	if (sort.agg)
		fe->sort_agg = xstrdup(sort.agg);
	fe->limit = limit;
	st->fe = fe;
	st->body = body;
	return st;
}

/* ---- probe points ---- */

struct pp_comp *pp_comp_new(struct srcloc loc, char *name,
			    struct expr *arg)
{
	struct pp_comp *c = xcalloc(1, sizeof(*c));
	c->loc = loc;
	c->name = name;
	c->arg = arg;
	return c;
}

char *pp_glue(char *name, const struct token *t)
{
	if (t->spaced)
		diag("parse error", t->loc, "whitespace inside probe point "
		     "component '%s%s'", name, t->text);
	char *s = xasprintf("%s%s", name, t->text);
	free(name);
	return s;
}

/* 'return' belongs to functions: a probe handler ends with 'next'. */
static void no_return(const struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_RETURN:
		diag("parse error", st->loc, "'return' outside a function: "
		     "use 'next' to leave a probe handler");
		break;
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++)
			no_return(vec_at(&st->stmts, i));
		break;
	case S_IF:
		no_return(st->then);
		no_return(st->els);
		break;
	case S_TRY:
		no_return(st->handler);
		/* fall through */
	case S_WHILE: case S_FOR: case S_FOREACH:
		no_return(st->body);
		break;
	default:
		break;
	}
}

void add_probe(struct parser *p, struct srcloc loc, struct vec points,
	       struct stmt *body)
{
	no_return(body);
	struct probe *pr = xcalloc(1, sizeof(*pr));
	pr->loc = loc;
	pr->points = points;
	pr->body = body;
	pr->privileged = p->tapset;
	vec_push(&p->file->probes, pr);
}

void add_alias(struct parser *p, struct srcloc loc, struct vec names,
	       bool epilogue, struct vec points, struct stmt *body,
	       struct stmt *epilogue_body)
{
	struct alias *a = xcalloc(1, sizeof(*a));
	no_return(body);
	no_return(epilogue_body);
	a->loc = loc;
	a->names = names;
	a->epilogue = epilogue;
	a->points = points;
	a->body = body;
	a->epilogue_body = epilogue_body;
	for (size_t i = 0; i < names.len; i++) {
		struct probe_point *pp = vec_at(&names, i);
		if (pp->cond || pp->optional || pp->sufficient)
			diag("parse error", pp->loc, "an alias name cannot be "
			     "optional or conditional");
	}
	vec_push(&p->file->aliases, a);
}

/* ---- functions, globals, embedded C ---- */

struct param *param_new(const struct token *name, enum type t)
{
	struct param *pa = xcalloc(1, sizeof(*pa));
	pa->loc = name->loc;
	pa->name = tok_dup(name);
	pa->type = t;
	return pa;
}

/* Embedded C is for tapsets and guru mode (-g), as upstream rules at
 * pass 1. */
void guru_only(struct parser *p, struct srcloc loc, const char *where)
{
	if (!privileged_at(p, loc))
		diag("parse error", loc, "embedded C code (%%{ ... %%}) as %s "
		     "needs guru mode: run stap -g, or move the code into a "
		     "tapset", where);
}

/* The PRAGMA_* markers among the comments of embedded C code. */
static unsigned pragmas(const char *code)
{
	static const struct { const char *name; unsigned bit; } known[] = {
		{ "pure", PRAGMA_PURE }, { "unprivileged", PRAGMA_UNPRIVILEGED },
		{ "myproc-unprivileged", PRAGMA_MYPROC_UNPRIVILEGED },
		{ "guru", PRAGMA_GURU }, { "stable", PRAGMA_STABLE },
		{ "unmodified-fnargs", PRAGMA_UNMODIFIED_FNARGS },
	};
	unsigned bits = 0;
	for (const char *s = strstr(code, "/*"); s; s = strstr(s, "/*")) {
		const char *end = strstr(s + 2, "*/");
		if (!end)
			break;
		const char *a = s + 2, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == (size_t)(b - a) &&
			    memcmp(known[i].name, a, (size_t)(b - a)) == 0)
				bits |= known[i].bit;
		s = end + 2;
	}
	return bits;
}

void add_function(struct parser *p, struct srcloc loc,
		  const struct token *name, enum type ret,
		  struct vec params, const struct token *prio,
		  struct stmt *body, const struct token *code,
		  bool private_)
{
	struct function *f = xcalloc(1, sizeof(*f));
	f->loc = loc;
	f->name = tok_dup(name);
	f->ret = ret;
	f->params = params;
	for (size_t i = 0; i < params.len; i++)
		for (size_t j = 0; j < i; j++) {
			struct param *a = vec_at(&params, j);
			struct param *b = vec_at(&params, i);
			if (strcmp(a->name, b->name) == 0)
				diag("parse error", b->loc, "function '%s' "
				     "has two parameters named '%s'",
				     f->name, b->name);
		}
	f->body = body;
	if (code) {
		guru_only(p, code->loc, "a function body");
		f->embedded = tok_dup(code);
		f->pragmas = pragmas(f->embedded);
	}
	if (prio->kind == NUMBER) {
		f->priority = prio->num;
		f->has_priority = true;
	}
	f->private_ = private_;
	vec_push(&p->file->functions, f);
}

struct global *global_new(const struct token *name, struct gsize gs,
			  struct expr *init)
{
	struct global *g = xcalloc(1, sizeof(*g));
	g->loc = name->loc;
	g->name = tok_dup(name);
	g->is_array = gs.array;
	g->maxsize = gs.size;
	g->wrap = gs.wrap;
	g->init = init;
	if (gs.array && (gs.size < 1 || gs.size > INT32_MAX))
		diag("parse error", gs.loc, "array size %lld of '%s' is out "
		     "of range (1 to %d)", (long long)gs.size, g->name,
		     INT32_MAX);
	if (init && (gs.array || gs.wrap))
		diag("parse error", init->loc, "array '%s' cannot have an "
		     "initializer", g->name);
	return g;
}

void add_globals(struct parser *p, struct vec globals, bool private_)
{
	for (size_t i = 0; i < globals.len; i++) {
		struct global *g = vec_at(&globals, i);
		for (size_t j = 0; j < p->file->globals.len; j++) {
			struct global *o = vec_at(&p->file->globals, j);
			if (strcmp(o->name, g->name) == 0)
				diag("parse error", g->loc, "global '%s' is "
				     "already declared at line %d", g->name,
				     o->loc.line);
		}
		g->private_ = private_;
		vec_push(&p->file->globals, g);
	}
	vec_free(&globals);
}

void add_embed(struct parser *p, const struct token *code)
{
	struct embed *em = xcalloc(1, sizeof(*em));
	guru_only(p, code->loc, "a top-level block");
	em->loc = code->loc;
	em->code = tok_dup(code);
	vec_push(&p->file->embeds, em);
}
