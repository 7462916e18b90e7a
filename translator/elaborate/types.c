/*
 * Type inference over the whole program.  Every expression is long or
 * string; a variable's type comes from what is assigned to it or from
 * how it is used, wherever that is in the program.  The walk repeats
 * until nothing changes; a variable whose type is still unknown then
 * is a long (it was only ever read), as upstream treats it.
 *
 * infer() returns the type of an expression and records it; expect()
 * pushes a wanted type down, binding unknown variables.
 */
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "elaborate.h"
#include "format.h"
#include "probes/probes.h"

struct typer {
	bool changed;
	bool report;		/* last round: report conflicts */
	struct pbody *body;	/* the body being walked */
	const struct expr *discarded;	/* the call of the statement being
					 * walked, whose value is unused */
};

static enum type infer(struct typer *t, struct expr *e);

/* "'x'" for a variable, else what kind of expression it is. */
static char *describe(const struct expr *e)
{
	if (e->kind == E_VAR || e->kind == E_TARGET)
		return xasprintf("'%s'", e->name);
	if (e->kind == E_STR || e->kind == E_NUM)
		return xstrdup("the literal");
	if (e->kind == E_CALL)
		return xasprintf("the result of '%s'", e->name);
	return xstrdup("the expression");
}

/* Binds e, whose type is already inferred as have, to want: an
 * unknown variable takes the type, a known different one is an error. */
static void bind(struct typer *t, struct expr *e, enum type have,
		 enum type want)
{
	if (want == TYPE_UNKNOWN || have == want)
		return;
	if (have == TYPE_UNKNOWN) {
		if ((e->kind == E_VAR || e->kind == E_INDEX) && e->sym) {
			e->sym->type = want;
			e->type = want;
			t->changed = true;
		} else if (e->kind == E_CALL && e->callee) {
			/* a function with no `return EXPR` whose value is
			 * used where a type is expected: typed by that use,
			 * as upstream does (it returns 0 or "") */
			for (struct pbody *f = e->callee; f; f = f->next_overload)
				if (f->ret == TYPE_UNKNOWN) {
					f->ret = want;
					f->ret_by_use = true;
				}
			e->type = want;
			t->changed = true;
		}
		return;
	}
	if (t->report) {
		char *what = describe(e);
		diag_error(e->loc, "type mismatch: %s is %s here, %s expected",
			   what, type_name(have), type_name(want));
		free(what);
	}
}

/* Binds a symbol or a function's return type (*slot) to want. */
static void bind_slot(struct typer *t, enum type *slot, enum type want,
		      struct srcloc loc, const char *what)
{
	if (want == TYPE_UNKNOWN || *slot == want)
		return;
	if (*slot == TYPE_UNKNOWN) {
		*slot = want;
		t->changed = true;
	} else if (t->report) {
		diag_error(loc, "type mismatch: %s is %s, %s given", what,
			   type_name(*slot), type_name(want));
	}
}

/* Infers e, then binds it to want. */
static void expect(struct typer *t, struct expr *e, enum type want)
{
	bind(t, e, infer(t, e), want);
}

/* Whether st holds a `return EXPR`. */
bool returns_value(const struct stmt *st)
{
	if (!st)
		return false;
	switch (st->kind) {
	case S_RETURN:
		return st->e != NULL;
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++)
			if (returns_value(vec_at(&st->stmts, i)))
				return true;
		return false;
	case S_IF:
		return returns_value(st->then) || returns_value(st->els);
	case S_TRY:
		return returns_value(st->body) || returns_value(st->handler);
	case S_WHILE: case S_FOR: case S_FOREACH:
		return returns_value(st->body);
	default:
		return false;
	}
}

/* A call whose value is used must reach a function that returns one,
 * or one that its uses gave a type (`!x && report()`): not when no
 * overload of the chain declares a type, has a `return EXPR` or got
 * a type from a use. */
static void check_call_value(struct typer *t, struct expr *e)
{
	if (!t->report || e == t->discarded)
		return;
	for (struct pbody *f = e->callee; f; f = f->next_overload)
		if (!f->stmts || f->fn->ret != TYPE_UNKNOWN ||
		    f->ret_by_use || returns_value(f->stmts))
			return;
	diag_error(e->loc, "function '%s' returns no value (it has no "
		   "'return EXPR'): its result cannot be used; call it as a "
		   "statement, or make it return something", e->name);
}

/* A script function call: arguments and parameters agree, for every
 * overload the call may run; so do the overloads' return types. */
static enum type infer_user_call(struct typer *t, struct expr *e)
{
	check_call_value(t, e);
	enum type ret = TYPE_UNKNOWN;
	for (struct pbody *f = e->callee; f; f = f->next_overload)
		if (f->ret != TYPE_UNKNOWN)
			ret = f->ret;
	for (struct pbody *f = e->callee; f; f = f->next_overload) {
		for (size_t i = 0; i < e->args.len && i < f->nparams; i++) {
			struct expr *a = vec_at(&e->args, i);
			struct sym *p = vec_at(&f->locals, i);
			enum type have = infer(t, a);
			if (p->type == TYPE_UNKNOWN) {
				char *what = xasprintf("parameter '%s' of '%s'",
						       p->name, e->name);
				bind_slot(t, &p->type, have, a->loc, what);
				free(what);
			} else {
				bind(t, a, have, p->type);
			}
		}
		char *what = xasprintf("the return value of '%s'", e->name);
		bind_slot(t, &f->ret, ret, e->loc, what);
		free(what);
	}
	return ret;
}

/* The index expressions of array a agree with its key types. */
static void infer_keys(struct typer *t, struct sym *a, struct vec *args)
{
	for (size_t i = 0; a && i < args->len && i < 9; i++) {
		struct expr *k = vec_at(args, i);
		enum type have = infer(t, k);
		if (a->key_types[i] == TYPE_UNKNOWN) {
			char *what = xasprintf("index %zu of '%s'", i + 1, a->name);
			bind_slot(t, &a->key_types[i], have, k->loc, what);
			free(what);
		} else {
			bind(t, k, have, a->key_types[i]);
		}
	}
}

/* The operand of <<< / @count / @hist_*: a statistic, scalar or element. */
static void infer_stat(struct typer *t, struct expr *e)
{
	struct sym *s = e->sym;
	if (e->kind == E_INDEX)
		infer_keys(t, s, &e->args);
	if (!s)
		return;
	char *what = xasprintf("'%s'", s->name);
	bind_slot(t, &s->type, TYPE_STATS, e->loc, what);
	free(what);
	e->type = TYPE_STATS;
}

/* Records which statistics readers a global needs (histogram shape,
 * variance) and checks upstream's one-shape-per-global rule. */
static void note_stat_reader(struct typer *t, struct expr *e)
{
	struct sym *s = e->a->sym;
	if (!s || !t->report)
		return;
	if (e->kind == E_STAT_OP && strcmp(e->name, "variance") == 0) {
		int shift = e->b ? (int)e->b->num : 0;
		if (e->b && (e->b->num < 0 || e->b->num > 62))
			diag_error(e->b->loc, "bit shift (%lld) out of range "
				   "<0..62>", (long long)e->b->num);
		if (s->variance && s->bit_shift != shift)
			diag_error(e->loc, "conflicting @variance bit shifts "
				   "for '%s'", s->name);
		s->variance = true;
		s->bit_shift = shift;
		return;
	}
	if (e->kind != E_HIST)
		return;
	int kind = strcmp(e->name, "hist_log") == 0 ? 1 : 2;
	int64_t a = 0, b = 0, c = 0;
	if (kind == 2 && e->args.len == 3) {
		a = ((struct expr *)vec_at(&e->args, 0))->num;
		b = ((struct expr *)vec_at(&e->args, 1))->num;
		c = ((struct expr *)vec_at(&e->args, 2))->num;
		/* upstream's runtime refuses these at module load */
		if (c <= 0 || b < a || (b - a) / c + 3 > 128)
			diag_error(e->loc, "bad @hist_linear range: interval "
				   "must be > 0, stop >= start, and (stop - "
				   "start) / interval at most 125");
	}
	if (s->hist && (s->hist != kind || s->hist_start != a ||
			s->hist_stop != b || s->hist_interval != c))
		diag_error(e->loc, "multiple histogram types declared on '%s'",
			   s->name);
	s->hist = kind;
	s->hist_start = a;
	s->hist_stop = b;
	s->hist_interval = c;
}

/* printf/sprintf: each argument has the type its conversion takes; an
 * untyped variable takes it from the format, which is parsed once and
 * kept on the call for pass 3. */
static void infer_format_args(struct typer *t, struct expr *e)
{
	struct expr *fmt = e->args.len ? vec_at(&e->args, 0) : NULL;
	if (!fmt || fmt->kind != E_STR)
		return;		/* calls.c reported it */
	size_t n = e->args.len - 1;
	if (!e->format)
		e->format = format_parse(fmt, n, t->report);

	for (size_t i = 0; i < n; i++) {
		struct expr *a = vec_at(&e->args, i + 1);
		enum type have = infer(t, a);
		if (!e->format)
			continue;
		enum type want = e->format->arg_types[i];
		if (have == TYPE_UNKNOWN) {
			bind(t, a, have, want);
		} else if (have != want && t->report) {
			char *what = format_arg_what(e->format, i);
			diag_error(a->loc, "%s expects a %s, "
				   "argument %zu is a %s", what,
				   type_name(want), i + 1,
				   type_name(have));
			free(what);
		}
	}
}

/* A builtin's arguments are typed as its table entry says. */
static enum type infer_call(struct typer *t, struct expr *e)
{
	size_t n = e->args.len;
	const struct builtin *bi = e->builtin;
	if (e->callee)
		return infer_user_call(t, e);
	if (!bi)
		return TYPE_LONG;	/* calls.c reported it */
	switch (bi->args) {
	case BI_ARGS_FORMAT:
		infer_format_args(t, e);
		break;
	case BI_ARGS_VALUES:
		for (size_t i = 0; i < n; i++) {
			struct expr *a = vec_at(&e->args, i);
			if (infer(t, a) == TYPE_STATS && t->report)
				diag_error(a->loc, "a statistic cannot be printed "
					   "itself: print @count(...), @sum(...) "
					   "or a histogram");
		}
		break;
	case BI_ARGS_STRING:
		for (size_t i = 0; i < n; i++)
			expect(t, vec_at(&e->args, i), TYPE_STRING);
		break;
	case BI_ARGS_NONE:
		break;
	}
	return bi->ret;
}

static enum type infer_assign(struct typer *t, struct expr *e)
{
	const char *op = e->op;
	if (op[0] == '=' && !op[1]) {
		enum type lt = infer(t, e->a), rt = infer(t, e->b);
		if (lt == TYPE_UNKNOWN)
			bind(t, e->a, lt, rt);
		else
			bind(t, e->b, rt, lt);
		return lt != TYPE_UNKNOWN ? lt : rt;
	}
	enum type want = op[0] == '.' ? TYPE_STRING : TYPE_LONG;
	expect(t, e->a, want);
	expect(t, e->b, want);
	return want;
}

/* NULL is the number 0 (walk.c): a string compared with it is an
 * error upstream makes too; say what to write instead. */
static bool compares_string_with_null(const struct expr *e, enum type a,
				      enum type b)
{
	const struct expr *n = e->b;
	enum type other = a;
	if (!(n->kind == E_NUM && n->name)) {
		n = e->a;
		other = b;
	}
	if (n->kind != E_NUM || !n->name || other != TYPE_STRING)
		return false;
	diag_error(n->loc, "NULL is the number 0 and cannot be compared with "
		   "a string: test a string's emptiness with == \"\"");
	return true;
}

static enum type infer(struct typer *t, struct expr *e)
{
	enum type ty = TYPE_UNKNOWN;

	switch (e->kind) {
	case E_NUM: ty = TYPE_LONG; break;
	case E_STR: ty = TYPE_STRING; break;
	case E_EMBEDDED:	/* upstream's marker for a string */
		ty = strstr(e->str, "/* string */") ? TYPE_STRING : TYPE_LONG;
		break;
	case E_VAR: ty = e->sym ? e->sym->type : TYPE_UNKNOWN; break;
	case E_TARGET: ty = e->target ? e->target->type : TYPE_UNKNOWN; break;
	case E_ENTRY: ty = infer(t, e->a); break;
	case E_CAST:
		expect(t, e->a, TYPE_LONG);
		ty = e->target ? e->target->type : TYPE_UNKNOWN;
		break;
	case E_CALL: ty = infer_call(t, e); break;
	case E_ASSIGN: ty = infer_assign(t, e); break;
	case E_INCDEC:
	case E_UNARY:
		expect(t, e->a, TYPE_LONG);
		ty = TYPE_LONG;
		break;
	case E_BINARY:
	case E_LOGICAL:
		expect(t, e->a, TYPE_LONG);
		expect(t, e->b, TYPE_LONG);
		ty = TYPE_LONG;
		break;
	case E_REGEX:
		expect(t, e->a, TYPE_STRING);
		ty = TYPE_LONG;
		break;
	case E_CONCAT:
		expect(t, e->a, TYPE_STRING);
		expect(t, e->b, TYPE_STRING);
		ty = TYPE_STRING;
		break;
	case E_COMPARE: {
		enum type a = infer(t, e->a), b = infer(t, e->b);
		if (t->report && compares_string_with_null(e, a, b))
			break;
		if (a == TYPE_UNKNOWN)
			bind(t, e->a, a, b);
		else
			bind(t, e->b, b, a);
		ty = TYPE_LONG;
		break;
	}
	case E_INDEX:
		if (e->base->kind == E_HIST) {
			infer(t, e->base);
			expect(t, vec_at(&e->args, 0), TYPE_LONG);
			ty = TYPE_LONG;
			break;
		}
		infer_keys(t, e->sym, &e->args);
		ty = e->sym ? e->sym->type : TYPE_UNKNOWN;
		break;
	case E_IN:
		infer_keys(t, e->sym, &e->args);
		ty = TYPE_LONG;
		break;
	case E_STAT_ADD:
		infer_stat(t, e->a);
		expect(t, e->b, TYPE_LONG);
		ty = TYPE_LONG;
		break;
	case E_STAT_OP:
	case E_HIST:
		infer_stat(t, e->a);
		note_stat_reader(t, e);
		ty = e->kind == E_STAT_OP ? TYPE_LONG : TYPE_UNKNOWN;
		break;
	case E_TERNARY: {
		expect(t, e->a, TYPE_LONG);
		enum type b = infer(t, e->b), c = infer(t, e->c);
		if (b == TYPE_UNKNOWN)
			bind(t, e->b, b, c);
		else
			bind(t, e->c, c, b);
		ty = b != TYPE_UNKNOWN ? b : c;
		break;
	}
	default:
		break;
	}
	e->type = ty;
	return ty;
}

static void infer_stmt(struct typer *t, struct stmt *st)
{
	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		for (size_t i = 0; i < st->stmts.len; i++)
			infer_stmt(t, vec_at(&st->stmts, i));
		return;
	case S_EXPR:
		t->discarded = st->e->kind == E_CALL ? st->e : NULL;
		infer(t, st->e);
		t->discarded = NULL;
		return;
	case S_IF:
		expect(t, st->e, TYPE_LONG);
		infer_stmt(t, st->then);
		infer_stmt(t, st->els);
		return;
	case S_FOREACH: {
		struct foreach *fe = st->fe;
		struct sym *a = fe->array->sym;
		if (fe->array->kind == E_HIST) {	/* buckets: longs */
			infer(t, fe->array);
			for (size_t i = 0; i < fe->keys.len; i++)
				expect(t, vec_at(&fe->keys, i), TYPE_LONG);
			if (fe->value)
				expect(t, fe->value, TYPE_LONG);
			if (fe->limit)
				expect(t, fe->limit, TYPE_LONG);
			infer_stmt(t, st->body);
			return;
		}
		if (!a)
			return;
		if (fe->array->kind == E_INDEX)	/* a slice */
			infer_keys(t, a, &fe->array->args);
		for (size_t i = 0; i < fe->keys.len && i < 9; i++) {
			struct expr *k = vec_at(&fe->keys, i);
			enum type have = infer(t, k);
			if (have == TYPE_UNKNOWN)
				bind(t, k, have, a->key_types[i]);
			else if (a->key_types[i] == TYPE_UNKNOWN)
				bind_slot(t, &a->key_types[i], have, k->loc,
					  "an array index");
			else
				bind(t, k, have, a->key_types[i]);
		}
		if (fe->value) {
			enum type have = infer(t, fe->value);
			if (a->type == TYPE_STATS) {
				if (t->report)
					diag_error(fe->value->loc, "invalid type "
						   "stats for '%s': a foreach "
						   "value cannot hold a "
						   "statistic; read @count(%s[...]) "
						   "and the like in the loop",
						   fe->value->name, a->name);
			} else if (have == TYPE_UNKNOWN) {
				bind(t, fe->value, have, a->type);
			} else {
				bind_slot(t, &a->type, have, fe->value->loc,
					  "the array's values");
			}
		}
		if (fe->sort_agg && a->type != TYPE_STATS && t->report)
			diag_error(fe->array->loc, "sorting by @%s needs an array "
				   "of statistics, and '%s' holds %ss: sort by "
				   "value with '%s+' or '%s-'", fe->sort_agg,
				   a->name, type_name(a->type), a->name,
				   a->name);
		if (fe->limit)
			expect(t, fe->limit, TYPE_LONG);
		infer_stmt(t, st->body);
		return;
	}
	case S_TRY:
		infer_stmt(t, st->body);
		if (st->catch_var)
			expect(t, st->catch_var, TYPE_STRING);
		infer_stmt(t, st->handler);
		return;
	case S_DELETE:
		if (st->e->kind == E_INDEX)
			infer_keys(t, st->e->sym, &st->e->args);
		return;
	case S_RETURN:
		if (st->e && t->body->fn) {
			enum type have = infer(t, st->e);
			char *what = xasprintf("the return value of '%s'",
					       t->body->fn->name);
			if (t->body->ret == TYPE_UNKNOWN)
				bind_slot(t, &t->body->ret, have, st->e->loc,
					  what);
			else
				bind(t, st->e, have, t->body->ret);
			free(what);
		}
		return;
	case S_WHILE:
	case S_FOR:
		infer_stmt(t, st->init);
		if (st->e)
			expect(t, st->e, TYPE_LONG);
		infer_stmt(t, st->step);
		infer_stmt(t, st->body);
		return;
	default:
		return;
	}
}

static void infer_bodies(struct typer *t, struct vec *bodies)
{
	for (size_t i = 0; i < bodies->len; i++) {
		t->body = vec_at(bodies, i);
		infer_stmt(t, t->body->stmts);
	}
}

static void infer_round(struct typer *t, struct program *prog)
{
	infer_bodies(t, &prog->bodies);
	infer_bodies(t, &prog->functions);
	for (size_t i = 0; i < prog->conditions.len; i++)
		expect(t, vec_at(&prog->conditions, i), TYPE_LONG);
}

/* Variables never bound to a type are longs. */
static bool default_to_long(struct vec *syms)
{
	bool any = false;
	for (size_t i = 0; i < syms->len; i++) {
		struct sym *s = vec_at(syms, i);
		if (s->type == TYPE_UNKNOWN) {
			s->type = TYPE_LONG;
			any = true;
		}
		for (int k = 0; k < s->nkeys && k < 9; k++)
			if (s->key_types[k] == TYPE_UNKNOWN) {
				s->key_types[k] = TYPE_LONG;
				any = true;
			}
	}
	return any;
}

void infer_types(struct program *prog)
{
	struct typer t = {0};
	do {
		do {
			t.changed = false;
			infer_round(&t, prog);
		} while (t.changed);
		bool defaulted = default_to_long(&prog->globals);
		for (size_t i = 0; i < prog->bodies.len; i++) {
			struct pbody *b = vec_at(&prog->bodies, i);
			defaulted |= default_to_long(&b->locals);
		}
		for (size_t i = 0; i < prog->functions.len; i++) {
			struct pbody *b = vec_at(&prog->functions, i);
			defaulted |= default_to_long(&b->locals);
			if (b->ret == TYPE_UNKNOWN) {
				b->ret = TYPE_LONG;
				defaulted = true;
			}
		}
		if (!defaulted)
			break;
	} while (1);
	t.report = true;
	infer_round(&t, prog);
}
