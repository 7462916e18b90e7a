/*
 * Pass 3 of @entry (elaborate/entry.c): the entry record and entry
 * handler of a .return probe's handler body N, and the reads of the
 * record in the handler.
 *
 *   struct stap_entry_N { s64 v0; char v1[MAXSTRINGLEN]; ... };
 *   static void stap_entry_fn_N(struct context *c)
 *	evaluates each @entry operand, slot by slot, into the record at
 *	c->entry_data, with c->regs the registers at the function's
 *	entry (a fault ends it with the error, as any handler's);
 *
 * and in the return handler an E_ENTRY reads its slot of the record
 * the entry handler filled for the same call (c->entry_data again).
 * The family's runtime runs stap_entry_fn_N from its kretprobe's entry
 * handler, the record being the kretprobe instance's data
 * (stap_probe_info entry and entry_size, runtime/context.c).
 */
#include "emit.h"

static void emit_record(FILE *out, const struct pbody *b)
{
	fprintf(out, "struct stap_entry_%d {\n", b->id);
	for (size_t i = 0; i < b->entries.len; i++) {
		const struct expr *e = vec_at(&b->entries, i);
		if (e->a->type == TYPE_STRING)
			fprintf(out, "\tchar v%zu[MAXSTRINGLEN];\n", i);
		else
			fprintf(out, "\ts64 v%zu;\n", i);
	}
	fputs("};\n\n", out);
}

/* The entry handler runs in frame 0 of its own probe context, the
 * handler's frame type giving it the string temporaries its
 * operands need (em->temps counts on into the handler's). */
void emit_entry_fn(struct emitter *em, struct pbody *b)
{
	FILE *out = em->out;

	if (!b->entries.len)
		return;
	emit_record(out, b);
	fprintf(out, "static void stap_entry_fn_%d(struct context *c)\n{\n"
		"\tstruct stap_locals_%d *l __maybe_unused = "
		"&c->locals[0].b%d;\n"
		"\tstruct stap_entry_%d *rec = c->entry_data;\n\n",
		b->id, b->id, b->id, b->id);
	for (size_t i = 0; i < b->entries.len; i++) {
		const struct expr *e = vec_at(&b->entries, i);
		if (e->a->type == TYPE_STRING) {
			fprintf(out, "\tstap_strcpy(rec->v%zu, ", i);
			emit_expr(em, e->a);
			fputs(");\n", out);
		} else {
			fprintf(out, "\trec->v%zu = ", i);
			emit_expr(em, e->a);
			fputs(";\n", out);
		}
		fputs("\tif (unlikely(c->last_error)) goto out;\n", out);
	}
	fputs("leave_: __attribute__((unused));\n"
	      "out: __attribute__((unused));\n\t(void)l;\n}\n\n", out);
}

void emit_entry_read(struct emitter *em, const struct expr *e)
{
	fprintf(em->out, "(((struct stap_entry_%d *)c->entry_data)->v%lld)",
		em->body->id, (long long)e->num);
}

void emit_entry_info(FILE *out, const struct pbody *b)
{
	if (b->entries.len)
		fprintf(out, ", stap_entry_fn_%d, sizeof(struct stap_entry_%d)",
			b->id, b->id);
	else
		fputs(", NULL, 0", out);
}
