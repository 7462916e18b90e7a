/*
 * Target variables to C, for pass 3 (tvar.h): a resolved tvar_ref
 * becomes one C expression that reads or writes its location.  A
 * family accessor is a call; a register is a field of the hit's
 * struct pt_regs (c->regs); an argument is a u64 slot of the hit's
 * (c->probe_data); memory goes through
 * copy_{from,to}_kernel_nofault (copy_{from,to}_user_nofault for a
 * user-space location, tloc.user), a fault raising a run-time error
 * that names the address and leaving the statement (goto out), like
 * printf's %m.  Integers narrower than 64 bits are sign- or
 * zero-extended by their type; a bitfield is cut out of its unit.
 */
#include <inttypes.h>
#include <string.h>
#include "util/cstring.h"
#include "man_hint.h"
#include "tvar.h"

static const char *const regs[] = {
	"ax", "dx", "cx", "bx", "si", "di", "bp", "sp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ip",
};

static const char *reg_name(int regno)
{
	if (regno >= 0 && regno < (int)(sizeof(regs) / sizeof(regs[0])))
		return regs[regno];
	return "no_such_register";	/* a source's bug (tvar.h): fail in
					 * pass 4 rather than read another */
}

/* The C integer type of size bytes: "s32", "u8" ... */
static const char *int_c(uint64_t size, bool is_signed)
{
	static const char *const names[2][4] = {
		{ "u8", "u16", "u32", "u64" }, { "s8", "s16", "s32", "s64" },
	};
	int i = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
	return names[is_signed][i];
}

static void emit_value(struct tlower *tl, const struct tloc *l,
		       uint64_t size, bool is_signed);

/* addr, relocated through its anchor symbol when it has one; a user
 * file's by where the probed process maps it (stap_uprobe_base,
 * runtime/linux/uprobe.c). */
static void emit_link_addr(FILE *out, const struct tloc *l)
{
	if (l->anchor && l->user) {
		fprintf(out, "(0x%" PRIx64 "UL - 0x%" PRIx64 "UL + "
			"stap_uprobe_base(c, ", l->addr, l->anchor_addr);
		emit_cstring(out, l->anchor, strlen(l->anchor));
		fputs("))", out);
	} else if (l->anchor)
		fprintf(out, "(0x%" PRIx64 "UL - 0x%" PRIx64 "UL + (unsigned "
			"long)&%s)", l->addr, l->anchor_addr, l->anchor);
	else
		fprintf(out, "0x%" PRIx64 "UL", l->addr);
}

/* An unsigned long expression of the address of memory location l. */
static void emit_addr(struct tlower *tl, const struct tloc *l)
{
	FILE *out = tl->out;

	fputs("((unsigned long)", out);
	if (l->kind == TL_FRAME)
		fprintf(out, "c->regs->%s", reg_name(l->regno));
	else if (l->kind == TL_MEMORY)
		emit_link_addr(out, l);
	else if (l->kind == TL_ARGUMENT)
		fprintf(out, "&((u64 *)c->probe_data)[%d]", l->argno);
	else if (l->kind == TL_EXPR) {
		fputs("(unsigned long)(", out);
		tl->expr(tl->arg, l->value);
		fputc(')', out);
	} else
		emit_value(tl, l->base, 8, false);
	if (l->offset)
		fprintf(out, " + (%" PRId64 "L)", l->offset);
	for (size_t i = 0; i < l->indexes.len; i++) {
		const struct tindex *ti = vec_at(&l->indexes, i);
		fputs(" + (unsigned long)(", out);
		tl->expr(tl->arg, ti->index);
		fprintf(out, ") * %" PRIu64 "UL", ti->stride);
	}
	fputc(')', out);
}

/* Reads size bytes at memory location l into an s64. */
static void emit_kread(struct tlower *tl, const struct tloc *l,
		       uint64_t size, bool is_signed)
{
	FILE *out = tl->out;
	int d = tl->depth++;

	fprintf(out, "({ u64 v%d_ = 0; unsigned long a%d_ = ", d, d);
	emit_addr(tl, l);
	if (l->user)
		fprintf(out, "; if (copy_from_user_nofault(&v%d_, (const void "
			"__user *)a%d_, %" PRIu64 ")) { stap_errorf(c, ", d, d,
			size);
	else
		fprintf(out, "; if (copy_from_kernel_nofault(&v%d_, (const "
			"void *)a%d_, %" PRIu64 ")) { stap_errorf(c, ", d, d,
			size);
	tl->where(tl->arg);
	fprintf(out, ", \"%s read fault " STAP_MAN_HINT("error::fault")
		" at 0x%%016lx\", a%d_); goto out; "
		"} (s64)(%s)v%d_; })", l->user ? "user" : "kernel", d,
		int_c(size, is_signed), d);
	tl->depth--;
}

static void emit_optimized_out(struct tlower *tl)
{
	fputs("({ stap_error(c, \"target variable optimized out here\", ",
	      tl->out);
	tl->where(tl->arg);
	fputs("); goto out; (s64)0; })", tl->out);
}

/* An s64 expression of the integer of size bytes at l. */
static void emit_value(struct tlower *tl, const struct tloc *l,
		       uint64_t size, bool is_signed)
{
	switch (l->kind) {
	case TL_REGISTER:
		if (l->shift)
			fprintf(tl->out, "((s64)(%s)(c->regs->%s >> %u))",
				int_c(size, is_signed), reg_name(l->regno),
				l->shift);
		else if (l->offset)
			fprintf(tl->out, "((s64)(%s)(c->regs->%s + (%" PRId64
				"L)))", int_c(size, is_signed),
				reg_name(l->regno), l->offset);
		else
			fprintf(tl->out, "((s64)(%s)c->regs->%s)",
				int_c(size, is_signed), reg_name(l->regno));
		return;
	case TL_CONSTANT:
		fprintf(tl->out, "((s64)(%s)(", int_c(size, is_signed));
		emit_link_addr(tl->out, l);
		fprintf(tl->out, " + (%" PRId64 "L)))", l->offset);
		return;
	case TL_FRAME:
	case TL_MEMORY:
	case TL_COMPUTED:
	case TL_EXPR:
		emit_kread(tl, l, size, is_signed);
		return;
	case TL_ACCESSOR:
		fprintf(tl->out, "%s(c)", l->acc.read);
		return;
	case TL_ARGUMENT:
		if (l->offset || l->indexes.len)	/* a member */
			emit_kread(tl, l, size, is_signed);
		else
			fprintf(tl->out, "((s64)(%s)((const u64 *)"
				"c->probe_data)[%d])", int_c(size, is_signed),
				l->argno);
		return;
	case TL_OPTIMIZED_OUT:
		emit_optimized_out(tl);
		return;
	}
}

/* Bits [bit_offset, bit_offset + bit_size) of the unit, extended. */
static void emit_bitfield(struct tlower *tl, const struct tvar_ref *ref)
{
	const struct ctype *t = ref->ctype;
	unsigned up = 64 - ref->bit_offset - ref->bit_size;

	fprintf(tl->out, "((s64)((%s)((u64)", t->is_signed ? "s64" : "u64");
	emit_value(tl, &ref->loc, t->size, false);
	fprintf(tl->out, " << %u) >> %u))", up, 64 - ref->bit_size);
}

/* An array's value is the address of its first element. */
static void emit_array_addr(struct tlower *tl, const struct tloc *l)
{
	fputs("((s64)", tl->out);
	emit_addr(tl, l);
	fputc(')', tl->out);
}

void tvar_emit_read(struct tlower *tl, const struct tvar_ref *ref)
{
	const struct ctype *t = ref->ctype;

	if (ref->loc.kind == TL_ACCESSOR || ref->loc.kind == TL_OPTIMIZED_OUT)
		emit_value(tl, &ref->loc, 8, true);
	else if (ref->addr_of)
		emit_array_addr(tl, &ref->loc);	/* the address, as s64 */
	else if (t->kind == CT_ARRAY)
		emit_array_addr(tl, &ref->loc);
	else if (ref->bit_size)
		emit_bitfield(tl, ref);
	else
		emit_value(tl, &ref->loc, t->size, t->is_signed);
}

/* Stores the s64 value into size bytes at memory location l. */
static void emit_kwrite(struct tlower *tl, const struct tvar_ref *ref,
			const struct expr *value)
{
	FILE *out = tl->out;
	const char *ty = int_c(ref->ctype->size, false);
	int d = tl->depth++;

	fprintf(out, "({ s64 w%d_ = ", d);
	tl->expr(tl->arg, value);
	fprintf(out, "; %s t%d_ = (%s)w%d_; unsigned long a%d_ = ", ty, d, ty,
		d, d);
	emit_addr(tl, &ref->loc);
	if (ref->loc.user)
		fprintf(out, "; if (copy_to_user_nofault((void __user *)a%d_, "
			"&t%d_, sizeof(t%d_))) { stap_errorf(c, ", d, d, d);
	else
		fprintf(out, "; if (copy_to_kernel_nofault((void *)a%d_, "
			"&t%d_, sizeof(t%d_))) { stap_errorf(c, ", d, d, d);
	tl->where(tl->arg);
	fprintf(out, ", \"%s write fault " STAP_MAN_HINT("error::fault")
		" at 0x%%016lx\", a%d_); goto out; "
		"} w%d_; })", ref->loc.user ? "user" : "kernel", d, d);
	tl->depth--;
}

void tvar_emit_write(struct tlower *tl, const struct tvar_ref *ref,
		     bool append, const struct expr *value)
{
	FILE *out = tl->out;
	const struct tloc *l = &ref->loc;
	int d;

	switch (l->kind) {
	case TL_ACCESSOR:
		fprintf(out, "%s(c, ", append ? l->acc.append : l->acc.set);
		tl->expr(tl->arg, value);
		fputc(')', out);
		return;
	case TL_REGISTER:
		d = tl->depth++;
		fprintf(out, "({ s64 w%d_ = ", d);
		tl->expr(tl->arg, value);
		fprintf(out, "; c->regs->%s = (unsigned long)(%s)w%d_; w%d_; })",
			reg_name(l->regno), int_c(ref->ctype->size, false), d,
			d);
		tl->depth--;
		return;
	case TL_ARGUMENT:	/* the hit's copy: the probed code never
				 * sees it */
		d = tl->depth++;
		fprintf(out, "({ s64 w%d_ = ", d);
		tl->expr(tl->arg, value);
		fprintf(out, "; ((u64 *)c->probe_data)[%d] = (u64)w%d_; w%d_; })",
			l->argno, d, d);
		tl->depth--;
		return;
	case TL_OPTIMIZED_OUT:
	case TL_CONSTANT:	/* pass 2 allows no assignment */
		emit_optimized_out(tl);
		return;
	default:
		emit_kwrite(tl, ref, value);
		return;
	}
}
