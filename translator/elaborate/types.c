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
#include "elaborate.h"
#include "emit/emit.h"

struct typer {
	bool changed;
	bool report;		/* last round: report conflicts */
};

static enum type infer(struct typer *t, struct expr *e);

static const char *describe(const struct expr *e)
{
	return e->kind == E_VAR ? e->name : "expression";
}

/* Binds e, whose type is already inferred as have, to want: an
 * unknown variable takes the type, a known different one is an error. */
static void bind(struct typer *t, struct expr *e, enum type have,
		 enum type want)
{
	if (want == TYPE_UNKNOWN || have == want)
		return;
	if (have == TYPE_UNKNOWN) {
		if (e->kind == E_VAR && e->sym) {
			e->sym->type = want;
			e->type = want;
			t->changed = true;
		}
		return;
	}
	if (t->report)
		diag_error(e->loc, "type mismatch: '%s' is %s here, %s expected",
			   describe(e), type_name(have), type_name(want));
}

/* Infers e, then binds it to want. */
static void expect(struct typer *t, struct expr *e, enum type want)
{
	bind(t, e, infer(t, e), want);
}

static enum type infer_call(struct typer *t, struct expr *e)
{
	size_t n = e->args.len;
	switch (builtin_lookup(e->name)) {
	case BI_PRINTF:
	case BI_SPRINTF:
	case BI_PRINT:
	case BI_PRINTLN:
		for (size_t i = 0; i < n; i++)
			infer(t, vec_at(&e->args, i));
		if (t->report && (builtin_lookup(e->name) == BI_PRINTF ||
				  builtin_lookup(e->name) == BI_SPRINTF))
			check_format(e);
		return builtin_lookup(e->name) == BI_SPRINTF ? TYPE_STRING
							    : TYPE_LONG;
	case BI_ERROR:
		expect(t, vec_at(&e->args, 0), TYPE_STRING);
		return TYPE_LONG;
	default:
		return TYPE_LONG;
	}
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

static enum type infer(struct typer *t, struct expr *e)
{
	enum type ty = TYPE_UNKNOWN;

	switch (e->kind) {
	case E_NUM: ty = TYPE_LONG; break;
	case E_STR: ty = TYPE_STRING; break;
	case E_VAR: ty = e->sym ? e->sym->type : TYPE_UNKNOWN; break;
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
	case E_CONCAT:
		expect(t, e->a, TYPE_STRING);
		expect(t, e->b, TYPE_STRING);
		ty = TYPE_STRING;
		break;
	case E_COMPARE: {
		enum type a = infer(t, e->a), b = infer(t, e->b);
		if (a == TYPE_UNKNOWN)
			bind(t, e->a, a, b);
		else
			bind(t, e->b, b, a);
		ty = TYPE_LONG;
		break;
	}
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
		infer(t, st->e);
		return;
	case S_IF:
		expect(t, st->e, TYPE_LONG);
		infer_stmt(t, st->then);
		infer_stmt(t, st->els);
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

static void infer_round(struct typer *t, struct program *prog)
{
	for (size_t i = 0; i < prog->bodies.len; i++) {
		struct pbody *b = vec_at(&prog->bodies, i);
		infer_stmt(t, b->probe->body);
	}
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
		if (!defaulted)
			break;
	} while (1);
	t.report = true;
	infer_round(&t, prog);
}
