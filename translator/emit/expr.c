/*
 * Expressions to C.  Every script expression becomes one C expression
 * of type s64 (long) or const char * (string), using GNU statement
 * expressions where it needs scratch space, so that C's own evaluation
 * order and short-circuiting are the script's.  Operations that can
 * fail (division, error()) set the context's error; the enclosing
 * statement checks it (stmt.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "elaborate/builtins.h"
#include "emit.h"
#include "util/regex.h"
#include "debuginfo/tvar.h"

void emit_loc(FILE *out, const char *what, struct srcloc loc)
{
	char *s = xasprintf("%s at %s:%d:%d", what,
			    loc.src ? loc.src->name : "<input>", loc.line,
			    loc.col);
	emit_cstring(out, s, strlen(s));
	free(s);
}

void emit_var(struct emitter *em, const struct sym *s)
{
	fprintf(em->out, s->kind == SYM_GLOBAL ? "stap_g.v_%s" : "l->v_%s",
		s->name);
}

static int new_temp(struct emitter *em)
{
	return em->temps++;
}

static void emit_num(FILE *out, int64_t v)
{
	if (v == INT64_MIN)
		fputs("((s64)(-9223372036854775807LL - 1))", out);
	else
		fprintf(out, "((s64)%" PRId64 "LL)", v);
}

/* An operator's location string, e.g. "operator '/' at f:1:2". */
static void emit_op_loc(struct emitter *em, const struct expr *e)
{
	char *what = xasprintf("operator '%s'", e->op);
	emit_loc(em->out, what, e->loc);
	free(what);
}

/* The left operand of an arithmetic operator: an expression, or C text
 * (the value an array compound assignment read). */
static void emit_lhs(struct emitter *em, const struct expr *a, const char *text)
{
	if (text)
		fputs(text, em->out);
	else
		emit_expr(em, a);
}

/*
 * The value of a literal arithmetic expression, as upstream's pass-2
 * constant folding computes it: in particular a shift by a count
 * outside 0..63 leaves the value unshifted (at run time, a shift uses
 * the count's low six bits, as upstream's generated C does).  False for
 * anything not made of number literals, and for a division by 0.
 */
static bool const_long(const struct expr *e, int64_t *v)
{
	int64_t a, b;

	if (e->kind == E_NUM) {
		*v = e->num;
		return true;
	}
	if (e->kind == E_UNARY && const_long(e->a, &a)) {
		switch (e->op[0]) {
		case '-': *v = (int64_t)-(uint64_t)a; return true;
		case '+': *v = a; return true;
		case '~': *v = ~a; return true;
		case '!': *v = !a; return true;
		}
		return false;
	}
	if (e->kind != E_BINARY || !const_long(e->a, &a) ||
	    !const_long(e->b, &b))
		return false;
	switch (e->op[0]) {
	case '+': *v = (int64_t)((uint64_t)a + (uint64_t)b); return true;
	case '-': *v = (int64_t)((uint64_t)a - (uint64_t)b); return true;
	case '*': *v = (int64_t)((uint64_t)a * (uint64_t)b); return true;
	case '&': *v = a & b; return true;
	case '|': *v = a | b; return true;
	case '^': *v = a ^ b; return true;
	case '/':
	case '%':
		if (b == 0)
			return false;
		if (b == -1)
			*v = e->op[0] == '/' ? (int64_t)-(uint64_t)a : 0;
		else
			*v = e->op[0] == '/' ? a / b : a % b;
		return true;
	case '<':
		*v = b < 0 || b > 63 ? a : (int64_t)((uint64_t)a << b);
		return true;
	case '>':
		*v = b < 0 || b > 63 ? a : a >> b;
		return true;
	}
	return false;
}

static void emit_arith_any(struct emitter *em, const char *op,
			   const struct expr *e, const struct expr *a,
			   const char *a_text, const struct expr *b)
{
	FILE *out = em->out;
	if (!strcmp(op, "/") || !strcmp(op, "%")) {
		/* a failed division ends the statement at once */
		fprintf(out, "({ s64 q_ = stap_%s(c, ", op[0] == '/' ? "div" : "mod");
		emit_lhs(em, a, a_text);
		fputs(", ", out);
		emit_expr(em, b);
		fputs(", ", out);
		emit_op_loc(em, e);
		fputs("); if (unlikely(c->last_error)) goto out; q_; })", out);
	} else if (!strcmp(op, "<<") || !strcmp(op, ">>")) {
		int64_t av, bv;
		if (a && const_long(a, &av) && const_long(b, &bv) &&
		    (bv < 0 || bv > 63)) {
			emit_num(out, av);	/* as upstream folds it */
			return;
		}
		fprintf(out, "stap_sh%c(", op[0] == '<' ? 'l' : 'r');
		emit_lhs(em, a, a_text);
		fputs(", ", out);
		emit_expr(em, b);
		fputc(')', out);
	} else if (strchr("+-*", op[0])) {
		fputs("((s64)((u64)(", out);
		emit_lhs(em, a, a_text);
		fprintf(out, ") %c (u64)(", op[0]);
		emit_expr(em, b);
		fputs(")))", out);
	} else {		/* & | ^ */
		fputs("((", out);
		emit_lhs(em, a, a_text);
		fprintf(out, ") %s (", op);
		emit_expr(em, b);
		fputs("))", out);
	}
}

/* Long binary arithmetic, wrapping like upstream's 64-bit longs. */
static void emit_arith(struct emitter *em, const char *op,
		       const struct expr *e, const struct expr *a,
		       const struct expr *b)
{
	emit_arith_any(em, op, e, a, NULL, b);
}

void emit_arith_text(struct emitter *em, const char *op, const struct expr *e,
		     const char *a_text, const struct expr *b)
{
	emit_arith_any(em, op, e, NULL, a_text, b);
}

/* What a target variable's lowering (debuginfo/tvar_emit.c) prints
 * through the emitter: script expressions, and the use's location. */
struct target_use {
	struct emitter *em;
	const struct expr *e;
};

static void target_expr(void *arg, const struct expr *e)
{
	emit_expr(((struct target_use *)arg)->em, e);
}

static void target_where(void *arg)
{
	const struct target_use *u = arg;
	char *what = u->e->kind == E_CAST ? xstrdup("operator '@cast'")
		   : xasprintf("identifier '%s'", u->e->name);
	emit_loc(u->em->out, what, u->e->loc);
	free(what);
}

/* Target variable e, as resolved in pass 2: read, or assigned value
 * ('.=' when append). */
static void emit_target(struct emitter *em, const struct expr *e,
			bool append, const struct expr *value)
{
	struct target_use u = { em, e };
	struct tlower tl = { .out = em->out, .expr = target_expr,
			     .where = target_where, .arg = &u };

	if (value)
		tvar_emit_write(&tl, e->target, append, value);
	else
		tvar_emit_read(&tl, e->target);
}

static void emit_assign(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	if (e->a->kind == E_INDEX) {
		emit_index_assign(em, e);
		return;
	}
	if (e->a->kind == E_TARGET) {	/* '=' or '.=', pass 2 checked */
		emit_target(em, e->a, e->op[0] == '.', e->b);
		return;
	}
	const struct sym *v = e->a->sym;
	const char *op = e->op;

	if (e->a->type == TYPE_STRING) {
		fputs(op[0] == '.' ? "stap_strcat(" : "stap_strcpy(", out);
		emit_var(em, v);
		fputs(", ", out);
		emit_expr(em, e->b);
		fputc(')', out);
		return;
	}
	fputs("(", out);
	emit_var(em, v);
	fputs(" = ", out);
	if (op[0] == '=' && !op[1]) {
		emit_expr(em, e->b);
	} else {
		char binop[3] = { op[0], op[1] == '=' ? 0 : op[1], 0 };
		emit_arith(em, binop, e, e->a, e->b);
	}
	fputc(')', out);
}

static void emit_compare(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	bool strings = e->a->type == TYPE_STRING;
	fputs(strings ? "((s64)(strcmp(" : "((s64)((", out);
	emit_expr(em, e->a);
	fputs(strings ? ", " : ") ", out);
	if (!strings)
		fprintf(out, "%s (", e->op);
	emit_expr(em, e->b);
	fprintf(out, strings ? ") %s 0))" : ")))", e->op);
}

/* s =~ "re" (s !~ "re"): the compiled program as static tables, and a
 * run of the runtime's matcher (runtime/regex.c). */
static void emit_regex(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	const struct re_prog *p = e->regex;
	int id = em->labels++;

	em->regex = true;
	fputs("({ ", out);
	for (int i = 0; i < p->n; i++) {
		if (p->insts[i].op != RE_CLASS)
			continue;
		fprintf(out, "static const u8 re%d_set%d[32] = {", id, i);
		for (int b = 0; b < 32; b++)
			fprintf(out, "%s%u", b ? "," : "", p->insts[i].set[b]);
		fputs("}; ", out);
	}
	fprintf(out, "static const struct stap_re_inst re%d_i[] = {", id);
	for (int i = 0; i < p->n; i++) {
		const struct re_inst *in = &p->insts[i];
		fprintf(out, "%s{%d,%d,%d,%d,", i ? "," : "", (int)in->op,
			in->op == RE_CHAR ? in->x : 0,
			in->op == RE_CHAR ? 0 : in->x, in->y);
		if (in->op == RE_CLASS)
			fprintf(out, "re%d_set%d}", id, i);
		else
			fputs("NULL}", out);
	}
	fprintf(out, "}; static const struct stap_re_prog re%d = { re%d_i, "
		"%d, %d }; (s64)(%sstap_regex_match(c, ", id, id, p->n,
		p->ngroups, e->op[0] == '!' ? "!" : "");
	emit_expr(em, e->a);
	fprintf(out, ", &re%d)); })", id);
}

/*
 * print, println, printd, printdln: each value in its natural form
 * (a long in decimal), after a literal delimiter for printd, then a
 * newline for the *ln ones.  As for printf (format.c), the values are
 * evaluated first, in order; a histogram prints in place.
 */
static void emit_values(struct emitter *em, const struct expr *e,
			enum builtin_id bi, const char *sb)
{
	FILE *out = em->out;
	bool delimited = bi == BI_PRINTD || bi == BI_PRINTDLN;
	const struct expr *delim = delimited ? vec_at(&e->args, 0) : NULL;
	size_t first = delimited ? 1 : 0;
	int id = em->labels++;

	for (size_t i = first; i < e->args.len; i++) {
		const struct expr *a = vec_at(&e->args, i);
		if (a->kind == E_HIST)
			continue;
		fprintf(out, a->type == TYPE_STRING ? "const char *pa%d_%zu = "
						    : "s64 pa%d_%zu = ", id, i);
		emit_expr(em, a);
		fputs("; ", out);
	}
	for (size_t i = first; i < e->args.len; i++) {
		const struct expr *a = vec_at(&e->args, i);
		if (delim && i > first) {
			fprintf(out, "stap_out_lit(%s, ", sb);
			emit_cstring(out, delim->str, delim->len);
			fprintf(out, ", %zu); ", delim->len);
		}
		if (a->kind == E_HIST)
			emit_hist_print(em, sb, a);
		else
			fprintf(out, a->type == TYPE_STRING ?
				"stap_out_str(%s, pa%d_%zu); " :
				"stap_out_long(%s, pa%d_%zu); ", sb, id, i);
	}
	if (bi == BI_PRINTLN || bi == BI_PRINTDLN)
		fprintf(out, "stap_out_lit(%s, \"\\n\", 1); ", sb);
}

/* The print family: into the print buffer, or for sprint* into a
 * string temporary (cut at MAXSTRINGLEN) that is the result. */
static void emit_print_family(struct emitter *em, const struct expr *e,
			      const struct builtin *bi)
{
	FILE *out = em->out;
	bool sprint = bi->ret == TYPE_STRING;
	char *sb;
	int n = em->labels++;

	if (sprint) {
		int t = new_temp(em);
		fprintf(out, "({ struct stap_sb sb%d_ = stap_sb_str_init("
			"l->tmp[%d]); ", n, t);
		sb = xasprintf("&sb%d_", n);
	} else {
		fputs("({ ", out);
		sb = xstrdup("&c->out");
	}
	if (bi->printer == BI_PRINTF)
		emit_format(em, sb, e);
	else
		emit_values(em, e, bi->printer, sb);
	if (sprint)
		fprintf(out, "stap_sb_str(&sb%d_); })", n);
	else
		fputs("(s64)0; })", out);
	free(sb);
}

/*
 * A script function call.  The arguments are evaluated first, in the
 * caller's frame (they may call functions themselves), then copied into
 * the callee's frame one level deeper; a string result is copied back
 * into a caller's temporary before the frame can be reused.  When the
 * callee runs `next` (c->next_overload set), the same arguments go to
 * its next overload, and so on down the chain; past the last one,
 * `next` is a runtime error.
 */
static void emit_user_call(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	int n = em->labels++;
	bool str = e->callee->ret == TYPE_STRING;

	fputs("({ ", out);
	for (size_t i = 0; i < e->args.len; i++) {
		const struct expr *a = vec_at(&e->args, i);
		fprintf(out, a->type == TYPE_STRING ? "const char *a%d_%zu = "
						    : "s64 a%d_%zu = ", n, i);
		emit_expr(em, a);
		fputs("; ", out);
	}
	if (str)
		fprintf(out, "char *r%d_ = l->tmp[%d]; r%d_[0] = '\\0'; ",
			n, new_temp(em), n);
	else
		fprintf(out, "s64 r%d_ = 0; ", n);
	fputs("if (unlikely(c->nesting >= MAXNESTING)) stap_error(c, "
	      "\"MAXNESTING exceeded (raise it with -D MAXNESTING=N)\", ", out);
	char *what = xasprintf("identifier '%s'", e->name);
	emit_loc(out, what, e->loc);
	fputs("); else if (!c->last_error) { c->next_overload = true; ", out);
	for (const struct pbody *f = e->callee; f; f = f->next_overload) {
		fprintf(out, "if (c->next_overload) { struct stap_locals_%d "
			"*f%d_ = &c->locals[c->nesting + 1].b%d; "
			"c->next_overload = false; ", f->id, n, f->id);
		for (size_t i = 0; i < e->args.len; i++) {
			const struct sym *p = vec_at(&f->locals, i);
			if (p->type == TYPE_STRING)
				fprintf(out, "stap_strcpy(f%d_->v_%s, a%d_%zu); ",
					n, p->name, n, i);
			else
				fprintf(out, "f%d_->v_%s = a%d_%zu; ", n,
					p->name, n, i);
		}
		fprintf(out, "c->nesting++; stap_fn_%d(c); c->nesting--; ",
			f->id);
		if (f->fn && f->fn->embedded) {
			/* embedded C raises errors without a location:
			 * the call is where it happened */
			fputs("if (unlikely(c->last_error)) { if (!c->last_loc) "
			      "c->last_loc = ", out);
			emit_loc(out, what, e->loc);
			fputs("; goto out; } ", out);
		} else {
			fputs("if (unlikely(c->last_error)) goto out; ", out);
		}
		if (str)
			fprintf(out, "stap_strcpy(r%d_, f%d_->retval); } ", n, n);
		else
			fprintf(out, "r%d_ = f%d_->retval; } ", n, n);
	}
	fputs("if (unlikely(c->next_overload)) { c->next_overload = false; "
	      "stap_error(c, \"'next' in a function with no further "
	      "overload\", ", out);
	emit_loc(out, what, e->loc);
	fputs("); goto out; } ", out);
	free(what);
	fprintf(out, "} r%d_; })", n);
}

/* A call: pass 2 recorded what it calls (a script function or a
 * builtin, builtins.h). */
static void emit_call(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	if (e->callee) {
		emit_user_call(em, e);
		return;
	}
	if (!e->builtin) {
		fputs("0", out);	/* pass 2 rejected it already */
		return;
	}
	switch (e->builtin->id) {
	case BI_PRINT:
	case BI_PRINTLN:
	case BI_PRINTD:
	case BI_PRINTDLN:
	case BI_PRINTF:
	case BI_SPRINT:
	case BI_SPRINTLN:
	case BI_SPRINTD:
	case BI_SPRINTDLN:
	case BI_SPRINTF:
		emit_print_family(em, e, e->builtin);
		return;
	case BI_EXIT:
		fputs("({ stap_request_exit(); (s64)0; })", out);
		return;
	case BI_ERROR:
		fputs("({ stap_strcpy(c->error_msg, ", out);
		emit_expr(em, vec_at(&e->args, 0));
		fputs("); stap_error(c, c->error_msg, ", out);
		emit_loc(out, "identifier 'error'", e->loc);
		fputs("); goto out; (s64)0; })", out);
		return;
	}
}

/* Guru mode's %{ code %} as an expression: a long, or (with a
 * "string" comment inside, as upstream marks one) a char * copied
 * into a string temporary. */
static void emit_embedded_expr(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;
	int n = em->labels++;

	if (e->type == TYPE_STRING)
		fprintf(out, "({ char *e%d_ = l->tmp[%d];", n, new_temp(em));
	else
		fputs("((s64)(", out);
	emit_embedded_names(out, em->body, false);
	if (e->type == TYPE_STRING)
		fprintf(out, "stap_strcpy(e%d_, (%s));", n, e->str);
	else
		fprintf(out, "%s", e->str);
	emit_embedded_names(out, em->body, true);
	if (e->type == TYPE_STRING)
		fprintf(out, "e%d_; })", n);
	else
		fputs("))", out);
}

void emit_expr(struct emitter *em, const struct expr *e)
{
	FILE *out = em->out;

	switch (e->kind) {
	case E_NUM:
		emit_num(out, e->num);
		return;
	case E_STR:
		emit_cstring(out, e->str, e->len);
		return;
	case E_VAR:
		emit_var(em, e->sym);
		return;
	case E_TARGET:
	case E_CAST:
		emit_target(em, e, false, NULL);
		return;
	case E_ASSIGN:
		emit_assign(em, e);
		return;
	case E_ENTRY:
		emit_entry_read(em, e);
		return;
	case E_INCDEC:
		if (e->a->kind == E_INDEX) {
			emit_index_incdec(em, e);
			return;
		}
		fputc('(', out);
		if (!e->postfix)
			fputs(e->op, out);
		emit_var(em, e->a->sym);
		if (e->postfix)
			fputs(e->op, out);
		fputc(')', out);
		return;
	case E_UNARY:
		if (e->op[0] == '-')
			fputs("((s64)(-(u64)(", out);
		else
			fprintf(out, "((s64)(%s(", e->op[0] == '+' ? "" : e->op);
		emit_expr(em, e->a);
		fputs(")))", out);
		return;
	case E_BINARY:
		emit_arith(em, e->op, e, e->a, e->b);
		return;
	case E_LOGICAL:
		fputs("((s64)((", out);
		emit_expr(em, e->a);
		fprintf(out, ") %s (", e->op);
		emit_expr(em, e->b);
		fputs(")))", out);
		return;
	case E_COMPARE:
		emit_compare(em, e);
		return;
	case E_REGEX:
		emit_regex(em, e);
		return;
	case E_CONCAT:
		fprintf(out, "stap_concat(l->tmp[%d], ", new_temp(em));
		emit_expr(em, e->a);
		fputs(", ", out);
		emit_expr(em, e->b);
		fputc(')', out);
		return;
	case E_TERNARY:
		fputs("((", out);
		emit_expr(em, e->a);
		fputs(") ? (", out);
		emit_expr(em, e->b);
		fputs(") : (", out);
		emit_expr(em, e->c);
		fputs("))", out);
		return;
	case E_CALL:
		emit_call(em, e);
		return;
	case E_INDEX:
		emit_index_read(em, e);
		return;
	case E_IN:
		emit_in(em, e);
		return;
	case E_STAT_ADD:
		emit_stat_add(em, e);
		return;
	case E_STAT_OP:
		emit_stat_op(em, e);
		return;
	case E_EMBEDDED:	/* guru mode's %{ expr %}: a long or a char * */
		emit_embedded_expr(em, e);
		return;
	default:
		fputs("0", out);	/* pass 2 rejected it already */
		return;
	}
}
