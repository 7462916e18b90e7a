/*
 * Statements to C.  Each statement first counts against MAXACTION,
 * then runs, then checks the context's error slot: any error jumps to
 * the handler's `out:` label, which releases the global locks.  Loops
 * count every iteration, so no script loops forever.
 */
#include <stdlib.h>
#include "emit.h"

static void indent(struct emitter *em, int depth)
{
	for (int i = 0; i < depth; i++)
		fputc('\t', em->out);
}

static const char *stmt_what(const struct stmt *st)
{
	switch (st->kind) {
	case S_IF: case S_WHILE: case S_FOR: case S_NEXT: case S_BREAK:
	case S_CONTINUE: case S_RETURN: case S_DELETE: case S_FOREACH:
	case S_TRY:
		return "keyword";
	default:
		return "statement";
	}
}

/* The MAXACTION check that opens every statement and loop iteration. */
static void emit_action(struct emitter *em, const struct stmt *st, int d)
{
	indent(em, d);
	fputs("if (unlikely(!stap_action(c, ", em->out);
	emit_loc(em->out, stmt_what(st), st->loc);
	fputs("))) goto out;\n", em->out);
}

static void emit_error_check(struct emitter *em, int d)
{
	indent(em, d);
	fputs("if (unlikely(c->last_error)) goto out;\n", em->out);
}

/* cond_ = e, then the error check. */
static void emit_cond(struct emitter *em, const struct expr *e, int d)
{
	indent(em, d);
	fputs("cond_ = (", em->out);
	emit_expr(em, e);
	fputs(");\n", em->out);
	emit_error_check(em, d);
}

static void emit_body(struct emitter *em, const struct stmt *st, int d);

/* A sub-statement of if/else: always braced, since one script statement
 * becomes several C statements. */
static void emit_braced(struct emitter *em, const struct stmt *st, int d)
{
	if (st && st->kind == S_BLOCK) {
		emit_body(em, st, d);
		return;
	}
	indent(em, d);
	fputs("{\n", em->out);
	emit_body(em, st, d + 1);
	indent(em, d);
	fputs("}\n", em->out);
}

static void emit_loop(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;
	char *cont = xasprintf("cont%d_", em->labels++);

	if (st->init)
		emit_body(em, st->init, d);
	indent(em, d);
	fputs("for (;;) {\n", out);
	emit_action(em, st, d + 1);
	if (st->e) {
		emit_cond(em, st->e, d + 1);
		indent(em, d + 1);
		fputs("if (!cond_)\n", out);
		indent(em, d + 2);
		fputs("break;\n", out);
	}
	vec_push(&em->loop_continue, cont);
	emit_body(em, st->body, d + 1);
	em->loop_continue.len--;
	indent(em, d);
	fprintf(out, "%s:\n", cont);
	if (st->step)
		emit_body(em, st->step, d + 1);
	else {
		indent(em, d + 1);
		fputs(";\n", out);
	}
	indent(em, d);
	fputs("}\n", out);
	free(cont);
}

static void emit_body(struct emitter *em, const struct stmt *st, int d)
{
	FILE *out = em->out;

	if (!st)
		return;
	switch (st->kind) {
	case S_BLOCK:
		indent(em, d);
		fputs("{\n", out);
		for (size_t i = 0; i < st->stmts.len; i++)
			emit_body(em, vec_at(&st->stmts, i), d + 1);
		indent(em, d);
		fputs("}\n", out);
		return;
	case S_NULL:
		return;
	case S_EXPR:
		emit_action(em, st, d);
		indent(em, d);
		fputs("(void)(", out);
		emit_expr(em, st->e);
		fputs(");\n", out);
		emit_error_check(em, d);
		return;
	case S_IF:
		emit_action(em, st, d);
		emit_cond(em, st->e, d);
		indent(em, d);
		fputs("if (cond_)\n", out);
		emit_braced(em, st->then, d);
		if (st->els) {
			indent(em, d);
			fputs("else\n", out);
			emit_braced(em, st->els, d);
		}
		return;
	case S_WHILE:
	case S_FOR:
		emit_loop(em, st, d);
		return;
	case S_RETURN:
		emit_action(em, st, d);
		if (st->e) {
			indent(em, d);
			if (em->body->ret == TYPE_STRING) {
				fputs("stap_strcpy(l->retval, ", out);
				emit_expr(em, st->e);
				fputs(");\n", out);
			} else {
				fputs("l->retval = (", out);
				emit_expr(em, st->e);
				fputs(");\n", out);
			}
		}
		indent(em, d);
		fputs("goto out;\n", out);
		return;
	case S_NEXT:
		emit_action(em, st, d);
		indent(em, d);
		fputs("goto out;\n", out);
		return;
	case S_BREAK:
		emit_action(em, st, d);
		indent(em, d);
		fputs("break;\n", out);
		return;
	case S_CONTINUE:
		emit_action(em, st, d);
		indent(em, d);
		fprintf(out, "goto %s;\n", (char *)vec_at(&em->loop_continue,
				em->loop_continue.len - 1));
		return;
	default:		/* pass 2 rejected the rest */
		return;
	}
}

void emit_stmt(struct emitter *em, const struct stmt *st)
{
	emit_body(em, st, 1);
}
