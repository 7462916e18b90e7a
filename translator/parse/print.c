/*
 * The -p1 listing: a parsed file printed back as script text that the
 * parser reads as the same tree, so print(parse(print(parse(x)))) is
 * print(parse(x)).  Layout is K&R-like with 4-space indentation, one
 * item per group of lines: embedded C, globals, functions, aliases,
 * probes, each kind in source order.
 *
 * Expressions are parenthesised by precedence only where the tree
 * needs it (expr_prec() mirrors the grammar's precedence table).
 * Literals are re-escaped by quote_string(), which the lexer decodes
 * back to the same bytes.
 */
#include <inttypes.h>
#include <string.h>
#include "parse.h"
#include "preprocess.h"

enum prec {
	P_ASSIGN = 1, P_TERNARY, P_OR, P_AND, P_BITOR, P_XOR, P_BITAND, P_IN,
	P_CMP, P_SHIFT, P_CONCAT, P_ADD, P_MUL, P_UNARY, P_POSTFIX, P_PRIMARY
};

void quote_string(struct strbuf *sb, const char *s, size_t len)
{
	sb_putc(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\\': sb_puts(sb, "\\\\"); break;
		case '"': sb_puts(sb, "\\\""); break;
		case '\n': sb_puts(sb, "\\n"); break;
		case '\t': sb_puts(sb, "\\t"); break;
		case '\r': sb_puts(sb, "\\r"); break;
		case '\a': sb_puts(sb, "\\a"); break;
		case '\b': sb_puts(sb, "\\b"); break;
		case '\f': sb_puts(sb, "\\f"); break;
		case '\v': sb_puts(sb, "\\v"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				sb_printf(sb, "\\%03o", c);
			else
				sb_putc(sb, (char)c);
		}
	}
	sb_putc(sb, '"');
}

static void print_string(FILE *out, const char *s, size_t len)
{
	struct strbuf sb = {0};
	quote_string(&sb, s, len);
	fwrite(sb.buf, 1, sb.len, out);
	sb_free(&sb);
}

static void indent_to(FILE *out, int indent)
{
	for (int i = 0; i < indent; i++)
		fputs("    ", out);
}

/* ---- expressions ---- */

static enum prec binary_prec(const char *op)
{
	static const struct { const char *op; enum prec p; } t[] = {
		{ "|", P_BITOR }, { "^", P_XOR }, { "&", P_BITAND },
		{ "<<", P_SHIFT }, { ">>", P_SHIFT }, { "+", P_ADD },
		{ "-", P_ADD }, { "*", P_MUL }, { "/", P_MUL }, { "%", P_MUL },
		{ "||", P_OR }, { "&&", P_AND },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(t[i].op, op) == 0)
			return t[i].p;
	return P_PRIMARY;
}

static enum prec expr_prec(const struct expr *e)
{
	switch (e->kind) {
	case E_ASSIGN:
	case E_STAT_ADD:
		return P_ASSIGN;
	case E_TERNARY:
		return P_TERNARY;
	case E_LOGICAL:
	case E_BINARY:
		return binary_prec(e->op);
	case E_IN:
		return P_IN;
	case E_COMPARE:
	case E_REGEX:
		return P_CMP;
	case E_CONCAT:
		return P_CONCAT;
	case E_UNARY:
	case E_ADDROF:
		return P_UNARY;
	case E_INCDEC:
		return e->postfix ? P_POSTFIX : P_UNARY;
	case E_NUM:
		return e->num < 0 ? P_UNARY : P_PRIMARY;
	default:
		return P_PRIMARY;
	}
}

/* The first character an operand of a unary operator prints, when it
 * is an operator character (so that "- -x" does not become "--x"). */
static char first_char(const struct expr *e)
{
	switch (e->kind) {
	case E_UNARY:
	case E_INCDEC:
		return e->postfix ? 0 : e->op[0];
	case E_ADDROF:
		return '&';
	case E_NUM:
		return e->num < 0 ? '-' : 0;
	default:
		return 0;
	}
}

static void expr_prec_print(FILE *out, const struct expr *e, enum prec min);

static void print_list(FILE *out, const struct vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		if (i)
			fputs(", ", out);
		expr_prec_print(out, vec_at(v, i), P_ASSIGN);
	}
}

static void print_comps(FILE *out, const struct expr *e)
{
	for (size_t i = 0; i < e->comps.len; i++) {
		const struct comp *c = vec_at(&e->comps, i);
		switch (c->kind) {
		case COMP_FIELD:
			fprintf(out, "->%s", c->field);
			break;
		case COMP_INDEX_NUM:
			fprintf(out, "[%" PRId64 "]", c->num);
			break;
		case COMP_INDEX_EXPR:
			fputc('[', out);
			expr_prec_print(out, c->index, P_ASSIGN);
			fputc(']', out);
			break;
		}
	}
	if (e->suffix)
		fputs(e->suffix, out);
}

static void print_binary(FILE *out, const struct expr *e, enum prec p)
{
	expr_prec_print(out, e->a, p);
	fprintf(out, " %s ", e->op);
	expr_prec_print(out, e->b, p + 1);
}

static void print_unary(FILE *out, const char *op, const struct expr *a)
{
	char l = op[strlen(op) - 1], f = first_char(a);
	fputs(op, out);
	if ((l == f && strchr("+-&", l)) || (l == '!' && f == '~'))
		fputc(' ', out);
	expr_prec_print(out, a, P_UNARY);
}

static void print_at_call(FILE *out, const char *name, const struct expr *a,
			  const struct vec *rest)
{
	fprintf(out, "@%s(", name);
	if (a)
		expr_prec_print(out, a, P_ASSIGN);
	if (a && rest->len)
		fputs(", ", out);
	print_list(out, rest);
	fputc(')', out);
}

static void print_module(FILE *out, const struct expr *e)
{
	if (e->module) {
		fputs(", ", out);
		print_string(out, e->module, strlen(e->module));
	}
	fputc(')', out);
	print_comps(out, e);
}

static void expr_text(FILE *out, const struct expr *e)
{
	static const struct vec none;

	switch (e->kind) {
	case E_NUM:
		fprintf(out, "%" PRId64, e->num);
		break;
	case E_STR:
		print_string(out, e->str, e->len);
		break;
	case E_VAR:
		fputs(e->name, out);
		break;
	case E_INDEX:
		expr_prec_print(out, e->base, P_POSTFIX);
		fputc('[', out);
		print_list(out, &e->args);
		fputc(']', out);
		break;
	case E_CALL:
		fprintf(out, "%s(", e->name);
		print_list(out, &e->args);
		fputc(')', out);
		break;
	case E_UNARY:
		print_unary(out, e->op, e->a);
		break;
	case E_ADDROF:
		print_unary(out, "&", e->a);
		break;
	case E_INCDEC:
		/* the operand of ++/-- is never itself a ++/-- */
		if (e->postfix) {
			expr_prec_print(out, e->a, P_PRIMARY);
			fputs(e->op, out);
		} else {
			fputs(e->op, out);
			expr_prec_print(out, e->a, P_PRIMARY);
		}
		break;
	case E_BINARY:
	case E_LOGICAL:
	case E_COMPARE:
	case E_REGEX:
	case E_CONCAT:
		print_binary(out, e, expr_prec(e));
		break;
	case E_TERNARY:
		expr_prec_print(out, e->a, P_OR);
		fputs(" ? ", out);
		expr_prec_print(out, e->b, P_ASSIGN);
		fputs(" : ", out);
		expr_prec_print(out, e->c, P_TERNARY);
		break;
	case E_ASSIGN:
	case E_STAT_ADD:
		expr_prec_print(out, e->a, P_OR);
		fprintf(out, " %s ", e->op);
		expr_prec_print(out, e->b, P_ASSIGN);
		break;
	case E_IN:
		fputc('[', out);
		print_list(out, &e->args);
		fprintf(out, "] in %s", e->base->name);
		break;
	case E_STAT_OP:
		fprintf(out, "@%s(", e->name);
		expr_prec_print(out, e->a, P_ASSIGN);
		if (e->b) {
			fputs(", ", out);
			expr_prec_print(out, e->b, P_ASSIGN);
		}
		fputc(')', out);
		break;
	case E_HIST:
		print_at_call(out, e->name, e->a, &e->args);
		break;
	case E_TARGET:
		fputs(e->name, out);
		print_comps(out, e);
		break;
	case E_CAST:
		fputs("@cast(", out);
		expr_prec_print(out, e->a, P_ASSIGN);
		fputs(", ", out);
		print_string(out, e->str, e->len);
		print_module(out, e);
		break;
	case E_ATVAR:
		fputs("@var(", out);
		print_string(out, e->str, e->len);
		print_module(out, e);
		break;
	case E_AUTOCAST:
		expr_prec_print(out, e->a, P_POSTFIX);
		print_comps(out, e);
		break;
	case E_DEFINED:
		print_at_call(out, "defined", e->a, &none);
		break;
	case E_ENTRY:
		print_at_call(out, "entry", e->a, &none);
		break;
	case E_PERF:
		fputs("@perf(", out);
		print_string(out, e->str, e->len);
		fputc(')', out);
		break;
	case E_PROBEFN:
		print_at_call(out, e->name, NULL, &e->args);
		break;
	case E_EMBEDDED:
		fprintf(out, "%%{%s%%}", e->str);
		break;
	case E_WILDCARD:
		fputc('*', out);
		break;
	}
}

static void expr_prec_print(FILE *out, const struct expr *e, enum prec min)
{
	if (expr_prec(e) >= min) {
		expr_text(out, e);
		return;
	}
	fputc('(', out);
	expr_text(out, e);
	fputc(')', out);
}

void print_expr(FILE *out, const struct expr *e)
{
	expr_prec_print(out, e, P_ASSIGN);
}

/* ---- statements ---- */

static void stmt_text(FILE *out, const struct stmt *st, int indent);

/* "{", the statements one level deeper, "}" (no newline after). */
static void block_text(FILE *out, const struct stmt *st, int indent)
{
	fputs("{\n", out);
	for (size_t i = 0; i < st->stmts.len; i++)
		print_stmt(out, vec_at(&st->stmts, i), indent + 1);
	indent_to(out, indent);
	fputc('}', out);
}

/* The body of if/while/for/foreach, after its header. */
static void body_text(FILE *out, const struct stmt *st, int indent)
{
	if (st->kind == S_BLOCK) {
		fputc(' ', out);
		block_text(out, st, indent);
		fputc('\n', out);
	} else {
		fputc('\n', out);
		print_stmt(out, st, indent + 1);
	}
}

static void if_text(FILE *out, const struct stmt *st, int indent)
{
	fputs("if (", out);
	print_expr(out, st->e);
	fputc(')', out);
	if (!st->els) {
		body_text(out, st->then, indent);
		return;
	}
	if (st->then->kind == S_BLOCK) {
		fputc(' ', out);
		block_text(out, st->then, indent);
		fputs(" else", out);
	} else {
		fputc('\n', out);
		print_stmt(out, st->then, indent + 1);
		indent_to(out, indent);
		fputs("else", out);
	}
	if (st->els->kind == S_IF) {
		fputc(' ', out);
		stmt_text(out, st->els, indent);
	} else {
		body_text(out, st->els, indent);
	}
}

static void for_text(FILE *out, const struct stmt *st, int indent)
{
	fputs("for (", out);
	if (st->init)
		print_expr(out, st->init->e);
	fputc(';', out);
	if (st->e) {
		fputc(' ', out);
		print_expr(out, st->e);
	}
	fputc(';', out);
	if (st->step) {
		fputc(' ', out);
		print_expr(out, st->step->e);
	}
	fputc(')', out);
	body_text(out, st->body, indent);
}

static void foreach_text(FILE *out, const struct stmt *st, int indent)
{
	const struct foreach *fe = st->fe;
	fputs("foreach (", out);
	if (fe->value)
		fprintf(out, "%s = ", fe->value->name);
	fputc('[', out);
	for (size_t i = 0; i < fe->keys.len; i++) {
		const struct expr *k = vec_at(&fe->keys, i);
		fprintf(out, "%s%s", i ? ", " : "", k->name);
		if (fe->sort_key == (int)i + 1)
			fputc(fe->sort_dir > 0 ? '+' : '-', out);
	}
	fputs("] in ", out);
	expr_prec_print(out, fe->array, P_POSTFIX);
	if (fe->sort_key == -1 && fe->sort_dir) {
		if (fe->sort_agg)
			fprintf(out, " @%s", fe->sort_agg);
		fputc(fe->sort_dir > 0 ? '+' : '-', out);
	}
	if (fe->limit) {
		fputs(" limit ", out);
		print_expr(out, fe->limit);
	}
	fputc(')', out);
	body_text(out, st->body, indent);
}

static void try_text(FILE *out, const struct stmt *st, int indent)
{
	fputs("try ", out);
	block_text(out, st->body, indent);
	fputs(" catch", out);
	if (st->catch_var)
		fprintf(out, " (%s)", st->catch_var->name);
	fputc(' ', out);
	block_text(out, st->handler, indent);
	fputc('\n', out);
}

/* A statement from the current column on; later lines at indent. */
static void stmt_text(FILE *out, const struct stmt *st, int indent)
{
	switch (st->kind) {
	case S_BLOCK:
		block_text(out, st, indent);
		fputc('\n', out);
		break;
	case S_NULL:
		fputs(";\n", out);
		break;
	case S_EXPR:
		print_expr(out, st->e);
		fputs(";\n", out);
		break;
	case S_IF:
		if_text(out, st, indent);
		break;
	case S_WHILE:
		fputs("while (", out);
		print_expr(out, st->e);
		fputc(')', out);
		body_text(out, st->body, indent);
		break;
	case S_FOR:
		for_text(out, st, indent);
		break;
	case S_FOREACH:
		foreach_text(out, st, indent);
		break;
	case S_DELETE:
		fputs("delete ", out);
		print_expr(out, st->e);
		fputs(";\n", out);
		break;
	case S_NEXT:
		fputs("next;\n", out);
		break;
	case S_BREAK:
		fputs("break;\n", out);
		break;
	case S_CONTINUE:
		fputs("continue;\n", out);
		break;
	case S_RETURN:
		fputs("return", out);
		if (st->e) {
			fputc(' ', out);
			print_expr(out, st->e);
		}
		fputs(";\n", out);
		break;
	case S_TRY:
		try_text(out, st, indent);
		break;
	case S_EMBEDDED:
		fprintf(out, "%%{%s%%}\n", st->code);
		break;
	}
}

void print_stmt(FILE *out, const struct stmt *st, int indent)
{
	indent_to(out, indent);
	stmt_text(out, st, indent);
}

/* ---- items ---- */

void print_probe_point(FILE *out, const struct probe_point *pp)
{
	for (size_t i = 0; i < pp->comps.len; i++) {
		const struct pp_comp *c = vec_at(&pp->comps, i);
		fprintf(out, "%s%s", i ? "." : "", c->name);
		if (c->arg) {
			fputc('(', out);
			print_expr(out, c->arg);
			fputc(')', out);
		}
	}
	if (pp->optional)
		fputc('?', out);
	if (pp->sufficient)
		fputc('!', out);
	if (pp->cond) {
		fputs(" if (", out);
		print_expr(out, pp->cond);
		fputc(')', out);
	}
}

static void print_points(FILE *out, const struct vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		if (i)
			fputs(", ", out);
		print_probe_point(out, vec_at(v, i));
	}
}

static void print_global(FILE *out, const struct global *g)
{
	fprintf(out, "%sglobal %s", g->private_ ? "private " : "", g->name);
	if (g->wrap)
		fputc('%', out);
	if (g->is_array)
		fprintf(out, "[%" PRId64 "]", g->maxsize);
	if (g->init) {
		fputs(" = ", out);
		print_expr(out, g->init);
	}
	fputc('\n', out);
}

static void print_type(FILE *out, enum type t)
{
	if (t == TYPE_LONG || t == TYPE_STRING)
		fprintf(out, ":%s", type_name(t));
}

static void print_function(FILE *out, const struct function *f)
{
	fprintf(out, "%sfunction %s", f->private_ ? "private " : "", f->name);
	print_type(out, f->ret);
	fputs(" (", out);
	for (size_t i = 0; i < f->params.len; i++) {
		const struct param *pa = vec_at(&f->params, i);
		fprintf(out, "%s%s", i ? ", " : "", pa->name);
		print_type(out, pa->type);
	}
	fputc(')', out);
	if (f->has_priority)
		fprintf(out, ":%" PRId64, f->priority);
	if (f->embedded) {
		fprintf(out, " %%{%s%%}\n", f->embedded);
		return;
	}
	fputc(' ', out);
	block_text(out, f->body, 0);
	fputc('\n', out);
}

static void print_alias(FILE *out, const struct alias *a)
{
	fputs("probe ", out);
	print_points(out, &a->names);
	fputs(a->epilogue ? " += " : " = ", out);
	print_points(out, &a->points);
	fputc(' ', out);
	block_text(out, a->body, 0);
	if (a->epilogue_body) {
		fputs(", ", out);
		block_text(out, a->epilogue_body, 0);
	}
	fputc('\n', out);
}

static void print_probe(FILE *out, const struct probe *pr)
{
	fputs("probe ", out);
	print_points(out, &pr->points);
	fputc(' ', out);
	block_text(out, pr->body, 0);
	fputc('\n', out);
}

void print_file(FILE *out, const struct file *f)
{
	for (size_t i = 0; i < f->embeds.len; i++) {
		const struct embed *em = vec_at(&f->embeds, i);
		fprintf(out, "%%{%s%%}\n", em->code);
	}
	for (size_t i = 0; i < f->globals.len; i++)
		print_global(out, vec_at(&f->globals, i));
	for (size_t i = 0; i < f->functions.len; i++)
		print_function(out, vec_at(&f->functions, i));
	for (size_t i = 0; i < f->aliases.len; i++)
		print_alias(out, vec_at(&f->aliases, i));
	for (size_t i = 0; i < f->probes.len; i++)
		print_probe(out, vec_at(&f->probes, i));
}
