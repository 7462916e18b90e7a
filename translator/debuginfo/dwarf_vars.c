/*
 * Target variables from DWARF (dwarf_vars.h): the parameters and
 * locals a probe at one address of a function (or of one inlined copy)
 * can read, typed by dwarf_types.c and located by evaluating their
 * DWARF location at that address.
 *
 * Scopes: the lexical blocks of the probed scope around the pc add
 * locals; the outermost subprogram owns the frame base.  For an
 * out-of-line function the blocks are found by descending into it; for
 * an inlined copy dwarf_getscopes() gives the scopes around the pc
 * (innermost first), the frame among them.
 *
 * Locations: the location list entry for the pc is evaluated
 * symbolically (struct sval): a register, a register plus a constant
 * (breg, fbreg, the CFA), a constant, or a value loaded from memory.
 * The CFA (DW_OP_call_frame_cfa, the kernel's frame base) comes from
 * the file's CFI at the pc, so it is right anywhere in the function,
 * not only at the entry.  What is evaluated: lit/const/addr, reg/regx,
 * breg/bregx, fbreg, call_frame_cfa, plus_uconst, plus/minus with a
 * constant, deref, dup/drop/swap, stack_value, implicit_value, a
 * single piece covering the whole value, and entry_value of a register
 * at the function's entry address.  Anything else (several pieces,
 * implicit_pointer, GNU_parameter_ref, entry values elsewhere ...)
 * makes the variable TL_OPTIMIZED_OUT with the reason in loc.why.
 *
 * Link-time addresses of the kernel image (DW_OP_addr: statics and
 * globals) are relocated at run time through the exported symbol
 * `jiffies` (tvar.h's anchor), so KASLR is honoured.
 *
 * Each description is made once per (file, scope, pc, kind, name) and
 * returned again afterwards: points sharing a handler compare them by
 * address (probes.h).
 */
#include <dwarf.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dwarf_vars.h"
#include "dwarf_types.h"

/* The variables already described, keyed "DBG:SCOPE:PC:RET:NAME". */
static struct hash described;

/* The scopes of one point: the probed scope, the blocks inside it
 * around the pc (innermost first) and the frame's subprogram. */
struct pscopes {
	Dwarf_Die *all;		/* from dwarf_getscopes, innermost first */
	int n;
	int probed;		/* index of the probed scope in all */
	Dwarf_Die scope;	/* the probed scope (also when not in all) */
	Dwarf_Die frame;	/* the outermost DW_TAG_subprogram */
	Dwarf_Addr entry;	/* the frame's entry address */
};

/* The lexical blocks of scope around pc, outermost first, appended to
 * out (Dwarf_Die copies): a descent into the blocks that hold pc only,
 * not a walk of the whole CU as dwarf_getscopes() does. */
static void blocks_at(Dwarf_Die *scope, Dwarf_Addr pc, struct vec *out)
{
	Dwarf_Die c;

	if (dwarf_child(scope, &c) != 0)
		return;
	do {
		if (dwarf_tag(&c) != DW_TAG_lexical_block ||
		    dwarf_haspc(&c, pc) <= 0)
			continue;
		Dwarf_Die *copy = xmalloc(sizeof(*copy));
		*copy = c;
		vec_push(out, copy);
		blocks_at(copy, pc, out);
		return;
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* A CU's out-of-line functions by address, for frame_at: one entry
 * per address range, sorted by lo; built once per CU. */
struct fn_range {
	Dwarf_Addr lo, hi;
	Dwarf_Off die;
};

struct cu_fns {
	struct fn_range *r;
	size_t n;
};

static struct hash cu_fns_of;	/* "DBG:CU offset" -> struct cu_fns */

static int by_lo(const void *a, const void *b)
{
	const struct fn_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static struct cu_fns *cu_fns(Dwarf_Die *cu)
{
	char *key = xasprintf("%p:%llx", (void *)cu->cu,
			      (unsigned long long)dwarf_dieoffset(cu));
	struct cu_fns *f = hash_get(&cu_fns_of, key);
	struct vec v = {0};
	Dwarf_Die c;

	if (f) {
		free(key);
		return f;
	}
	f = xcalloc(1, sizeof(*f));
	if (dwarf_child(cu, &c) == 0) {
		do {
			Dwarf_Addr base, lo, hi;
			ptrdiff_t off = 0;

			if (dwarf_tag(&c) != DW_TAG_subprogram)
				continue;
			while ((off = dwarf_ranges(&c, off, &base, &lo, &hi)) > 0) {
				struct fn_range *r = xmalloc(sizeof(*r));
				*r = (struct fn_range){ lo, hi,
							dwarf_dieoffset(&c) };
				vec_push(&v, r);
			}
		} while (dwarf_siblingof(&c, &c) == 0);
	}
	f->n = v.len;
	f->r = xmalloc((v.len + 1) * sizeof(*f->r));
	for (size_t i = 0; i < v.len; i++) {
		f->r[i] = *(struct fn_range *)vec_at(&v, i);
		free(vec_at(&v, i));
	}
	vec_free(&v);
	qsort(f->r, f->n, sizeof(*f->r), by_lo);
	hash_put(&cu_fns_of, key, f);
	free(key);
	return f;
}

/* The out-of-line function of cu around pc, the frame of an inlined
 * copy there: from the CU's own functions (kernel C has no nested
 * functions), indexed once per CU, not a walk of the whole CU as
 * dwarf_getscopes() does for each point (minutes for
 * stap -L 'kernel.function("*")'). */
static bool frame_at(Dwarf_Die *cu, Dwarf_Addr pc, Dwarf_Die *out)
{
	struct cu_fns *f = cu_fns(cu);
	size_t lo = 0, hi = f->n;

	while (lo < hi) {	/* the last range starting at or below pc */
		size_t mid = (lo + hi) / 2;
		if (f->r[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || pc >= f->r[lo - 1].hi)
		return false;
	return dwarf_offdie(dwarf_cu_getdwarf(cu->cu), f->r[lo - 1].die,
			    out) != NULL;
}

/* The probed scope (an out-of-line function or an inlined copy): its
 * own blocks around the pc, innermost first, then itself. */
static void function_scopes(const struct dwarf_point *pt,
			    struct pscopes *ps)
{
	struct vec b = {0};

	blocks_at(&ps->scope, pt->pc, &b);
	ps->n = (int)b.len + 1;
	ps->all = xmalloc(ps->n * sizeof(*ps->all));
	for (size_t i = 0; i < b.len; i++) {	/* innermost first */
		ps->all[b.len - 1 - i] = *(Dwarf_Die *)vec_at(&b, i);
		free(vec_at(&b, i));
	}
	ps->all[b.len] = ps->scope;
	ps->probed = (int)b.len;
	vec_free(&b);
}

static bool point_scopes(const struct dwarf_point *pt, struct pscopes *ps)
{
	Dwarf_Die cu;

	memset(ps, 0, sizeof(*ps));
	if (!dwarf_offdie(pt->dbg, pt->scope, &ps->scope) ||
	    !dwarf_diecu(&ps->scope, &cu, NULL, NULL))
		return false;
	ps->frame = ps->scope;
	ps->probed = -1;
	if (dwarf_tag(&ps->scope) == DW_TAG_subprogram) {
		function_scopes(pt, ps);
	} else if (frame_at(&cu, pt->pc, &ps->frame)) {
		function_scopes(pt, ps);	/* an inlined copy's blocks */
	} else {	/* an inlined copy: its frame is around it */
		ps->n = dwarf_getscopes(&cu, pt->pc, &ps->all);
		for (int i = 0; i < ps->n; i++) {
			if (dwarf_dieoffset(&ps->all[i]) == pt->scope)
				ps->probed = i;
			if (dwarf_tag(&ps->all[i]) == DW_TAG_subprogram)
				ps->frame = ps->all[i];
		}
	}
	Dwarf_Addr base, end;
	if (dwarf_entrypc(&ps->frame, &ps->entry) != 0 &&
	    dwarf_ranges(&ps->frame, 0, &base, &ps->entry, &end) <= 0)
		ps->entry = (Dwarf_Addr)-1;
	return true;
}

/* ---- the symbolic evaluator ---- */

enum sv_kind { SV_CONST, SV_REG, SV_LOADED };

/* One DWARF stack entry: a constant (reloc: a link-time address), a
 * register's value plus off, or the 8 bytes loaded from memory at
 * `loc`. */
struct sval {
	enum sv_kind kind;
	int reg;
	int64_t off;
	bool reloc;
	struct tloc *loc;
};

struct eval {
	const struct dwarf_point *pt;
	const struct pscopes *ps;
	struct sval stack[16];
	int sp;
	const char *why;	/* set when the expression is not supported */
	int depth;
};

static const char *op_name(unsigned atom)
{
	const char *n = NULL;

	switch (atom) {
	case DW_OP_piece: n = "DW_OP_piece"; break;
	case DW_OP_bit_piece: n = "DW_OP_bit_piece"; break;
	case DW_OP_implicit_pointer: n = "DW_OP_implicit_pointer"; break;
	case DW_OP_GNU_implicit_pointer: n = "DW_OP_GNU_implicit_pointer";
		break;
	case DW_OP_GNU_parameter_ref: n = "DW_OP_GNU_parameter_ref"; break;
	case DW_OP_entry_value:
	case DW_OP_GNU_entry_value:
		n = "its value at the function's entry (DW_OP_entry_value), "
		    "known only at the entry";
		break;
	case DW_OP_form_tls_address:
	case DW_OP_GNU_push_tls_address: n = "a thread-local address"; break;
	}
	if (n)
		return n;
	return xasprintf("the DWARF operation 0x%x", atom);
}

static void unsupported(struct eval *ev, const char *why)
{
	if (!ev->why)
		ev->why = why;
}

static void push(struct eval *ev, struct sval v)
{
	if (ev->sp >= 16) {
		unsupported(ev, "a DWARF expression too deep");
		return;
	}
	ev->stack[ev->sp++] = v;
}

static bool pop(struct eval *ev, struct sval *v)
{
	if (ev->sp == 0) {
		unsupported(ev, "a malformed DWARF expression");
		return false;
	}
	*v = ev->stack[--ev->sp];
	return true;
}

static struct sval sconst(int64_t v)
{
	return (struct sval){ .kind = SV_CONST, .off = v };
}

static struct sval sreg(int reg, int64_t off)
{
	return (struct sval){ .kind = SV_REG, .reg = reg, .off = off };
}

static bool eval_ops(struct eval *ev, const Dwarf_Op *ops, size_t n,
		     bool *is_value);

/* The CFA at the pc, from the file's CFI: a register plus offset. */
static bool push_cfa(struct eval *ev)
{
	static Elf *last_elf;	/* the CFI of the last pt->elf, kept */
	static Dwarf_CFI *elf_cfi;
	Dwarf_CFI *cfi = NULL;
	Dwarf_Frame *fr;
	Dwarf_Op *ops;
	size_t n;

	if (ev->pt->elf) {
		if (last_elf != ev->pt->elf) {
			last_elf = ev->pt->elf;
			elf_cfi = dwarf_getcfi_elf(last_elf);
		}
		cfi = elf_cfi;
	}
	if (!cfi)
		cfi = dwarf_getcfi(ev->pt->dbg);
	if (!cfi) {
		Elf *elf = dwarf_getelf(ev->pt->dbg);
		cfi = elf ? dwarf_getcfi_elf(elf) : NULL;
	}
	if (!cfi || dwarf_cfi_addrframe(cfi, ev->pt->pc, &fr) != 0) {
		unsupported(ev, "the frame address (no CFI at this address)");
		return false;
	}
	bool ok = dwarf_frame_cfa(fr, &ops, &n) == 0 && n == 1 &&
		  ops[0].atom == DW_OP_bregx;
	if (ok)
		push(ev, sreg((int)ops[0].number, (int64_t)ops[0].number2));
	else
		unsupported(ev, "the frame address (a CFA expression)");
	free(fr);
	return ok;
}

/* DW_OP_fbreg's base: the frame subprogram's DW_AT_frame_base. */
static bool push_frame_base(struct eval *ev)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	bool is_value = false;

	if (ev->depth > 2 ||
	    !dwarf_attr_integrate((Dwarf_Die *)&ev->ps->frame,
				  DW_AT_frame_base, &a) ||
	    dwarf_getlocation_addr(&a, ev->pt->pc, &ops, &n, 1) != 1) {
		unsupported(ev, "the frame base (none at this address)");
		return false;
	}
	ev->depth++;
	bool ok = eval_ops(ev, ops, n, &is_value);
	ev->depth--;
	/* a frame base given as a register (DW_OP_reg6) is its value */
	return ok;
}

/* Applies a binary op when one side is a constant. */
static void binop(struct eval *ev, unsigned atom)
{
	struct sval b, a;

	if (!pop(ev, &b) || !pop(ev, &a))
		return;
	if (b.kind != SV_CONST) {
		if (atom == DW_OP_plus && a.kind == SV_CONST) {
			b.off += a.off;
			b.reloc |= a.reloc;
			push(ev, b);
			return;
		}
		unsupported(ev, "arithmetic on two run-time values");
		return;
	}
	if (a.kind == SV_LOADED) {
		unsupported(ev, "arithmetic on a loaded value");
		return;
	}
	a.off += atom == DW_OP_plus ? b.off : -b.off;
	a.reloc |= b.reloc;
	push(ev, a);
}

/* The memory location at address v. */
static struct tloc *mem_at(const struct sval *v)
{
	struct tloc *l = xcalloc(1, sizeof(*l));

	switch (v->kind) {
	case SV_REG:
		l->kind = TL_FRAME;
		l->regno = v->reg;
		l->offset = v->off;
		break;
	case SV_CONST:
		l->kind = TL_MEMORY;
		l->addr = (uint64_t)v->off;
		l->anchor = v->reloc ? "jiffies" : NULL;
		break;
	case SV_LOADED:
		l->kind = TL_COMPUTED;
		l->base = v->loc;
		break;
	}
	return l;
}

static void deref(struct eval *ev)
{
	struct sval a;

	if (!pop(ev, &a))
		return;
	push(ev, (struct sval){ .kind = SV_LOADED, .loc = mem_at(&a) });
}

static bool eval_op(struct eval *ev, const Dwarf_Op *op, bool *is_value)
{
	unsigned at = op->atom;
	struct sval a, b;

	if (at >= DW_OP_lit0 && at <= DW_OP_lit31) {
		push(ev, sconst(at - DW_OP_lit0));
	} else if (at >= DW_OP_breg0 && at <= DW_OP_breg31) {
		push(ev, sreg(at - DW_OP_breg0, (int64_t)op->number));
	} else if (at == DW_OP_bregx) {
		push(ev, sreg((int)op->number, (int64_t)op->number2));
	} else {
		switch (at) {
		case DW_OP_addr:
			push(ev, sconst((int64_t)op->number));
			ev->stack[ev->sp - 1].reloc = true;
			break;
		case DW_OP_const1u: case DW_OP_const2u: case DW_OP_const4u:
		case DW_OP_const8u: case DW_OP_constu:
		case DW_OP_const1s: case DW_OP_const2s: case DW_OP_const4s:
		case DW_OP_const8s: case DW_OP_consts:
			push(ev, sconst((int64_t)op->number));
			break;
		case DW_OP_fbreg:
			if (push_frame_base(ev))
				ev->stack[ev->sp - 1].off += (int64_t)op->number;
			break;
		case DW_OP_call_frame_cfa:
			push_cfa(ev);
			break;
		case DW_OP_plus_uconst:
			if (pop(ev, &a)) {
				if (a.kind == SV_LOADED)
					unsupported(ev, "arithmetic on a "
						    "loaded value");
				a.off += (int64_t)op->number;
				push(ev, a);
			}
			break;
		case DW_OP_plus:
		case DW_OP_minus:
			binop(ev, at);
			break;
		case DW_OP_deref:
			deref(ev);
			break;
		case DW_OP_dup:
			if (pop(ev, &a)) {
				push(ev, a);
				push(ev, a);
			}
			break;
		case DW_OP_drop:
			pop(ev, &a);
			break;
		case DW_OP_swap:
			if (pop(ev, &a) && pop(ev, &b)) {
				push(ev, a);
				push(ev, b);
			}
			break;
		case DW_OP_stack_value:
			*is_value = true;
			break;
		case DW_OP_nop:
			break;
		default:
			unsupported(ev, op_name(at));
			break;
		}
	}
	return !ev->why;
}

static bool eval_ops(struct eval *ev, const Dwarf_Op *ops, size_t n,
		     bool *is_value)
{
	for (size_t i = 0; i < n && !ev->why; i++)
		eval_op(ev, &ops[i], is_value);
	return !ev->why;
}

/* ---- one variable's location ---- */

static void optimized_out(struct tloc *l, const char *why)
{
	memset(l, 0, sizeof(*l));
	l->kind = TL_OPTIMIZED_OUT;
	l->why = why;
}

/* A register number we can read from struct pt_regs (tvar.h). */
static bool readable_reg(int reg)
{
	return reg >= 0 && reg <= 16;
}

/* The link-time address of `jiffies` in dbg's ELF, for relocation. */
static uint64_t anchor_addr(Dwarf *dbg)
{
	Elf *elf = dwarf_getelf(dbg);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while (elf && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;
			if (gelf_getsym(d, (int)i, &sym) &&
			    (n = elf_strptr(elf, sh.sh_link, sym.st_name)) &&
			    !strcmp(n, "jiffies"))
				return sym.st_value;
		}
	}
	return 0;
}

/* Whether link-time address addr is in dbg's per-CPU section, whose
 * "addresses" are offsets into each CPU's copy. */
static bool per_cpu(Dwarf *dbg, uint64_t addr)
{
	Elf *elf = dwarf_getelf(dbg);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstr;

	if (!elf || elf_getshdrstrndx(elf, &shstr) != 0)
		return false;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;
		if (gelf_getshdr(scn, &sh) && addr >= sh.sh_addr &&
		    addr < sh.sh_addr + sh.sh_size &&
		    (n = elf_strptr(elf, shstr, sh.sh_name)) &&
		    !strcmp(n, ".data..percpu"))
			return true;
	}
	return false;
}

/* A user-space point's location: every memory access of it and of the
 * pointers it goes through is the process's (tvar.h). */
static void user_loc(const struct dwarf_point *pt, struct tloc *l)
{
	for (; l; l = (struct tloc *)l->base) {
		l->user = true;
		if (l->anchor) {
			l->anchor = pt->file;
			l->anchor_addr = pt->load_vaddr;
		}
	}
}

/* Relocation through the anchor, or out when there is none (a module's
 * addresses, which are section-relative: not supported yet). */
static void anchor(const struct dwarf_point *pt, struct tloc *l)
{
	static Dwarf *last;
	static uint64_t addr;
	GElf_Ehdr eh;
	Elf *elf = dwarf_getelf(pt->dbg);

	if (pt->user) {
		user_loc(pt, l);
		return;
	}
	if (!l->anchor)
		return;
	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_type == ET_REL) {
		optimized_out(l, "a module's static address (not supported "
			      "yet)");
		return;
	}
	if (last != pt->dbg) {
		last = pt->dbg;
		addr = anchor_addr(pt->dbg);
	}
	if (!addr)
		optimized_out(l, "a static address (no 'jiffies' symbol "
			      "to relocate it by)");
	else if (per_cpu(pt->dbg, l->addr))
		optimized_out(l, "a per-CPU variable (not supported yet)");
	l->anchor_addr = addr;
}

/* The location ops (n of them) give, evaluated at the point. */
static void location(const struct dwarf_point *pt, const struct pscopes *ps,
		     const Dwarf_Op *ops, size_t n, uint64_t size,
		     struct tloc *l)
{
	struct eval ev = { .pt = pt, .ps = ps };
	bool is_value = false;

	memset(l, 0, sizeof(*l));
	if (n && ops[n - 1].atom == DW_OP_piece) {
		if (ops[n - 1].number < size ||
		    (n > 1 && ops[n - 2].atom == DW_OP_piece)) {
			optimized_out(l, "split into pieces (DW_OP_piece)");
			return;
		}
		n--;
	}
	if (n == 1 && ((ops[0].atom >= DW_OP_reg0 &&
			ops[0].atom <= DW_OP_reg31) ||
		       ops[0].atom == DW_OP_regx)) {
		int r = ops[0].atom == DW_OP_regx ? (int)ops[0].number
						  : ops[0].atom - DW_OP_reg0;
		if (!readable_reg(r)) {
			optimized_out(l, "in a register other than the "
				      "general-purpose ones");
			return;
		}
		l->kind = TL_REGISTER;
		l->regno = r;
		return;
	}
	if (n == 1 && ops[0].atom == DW_OP_implicit_value) {
		if (ops[0].number > 8) {
			optimized_out(l, "an implicit value over 8 bytes");
			return;
		}
		l->kind = TL_CONSTANT;
		memcpy(&l->addr, (const void *)(uintptr_t)ops[0].number2,
		       ops[0].number);
		return;
	}
	if (!eval_ops(&ev, ops, n, &is_value) || ev.sp == 0) {
		optimized_out(l, ev.why ? ev.why : "an empty location");
		return;
	}
	struct sval *top = &ev.stack[ev.sp - 1];
	if (top->kind == SV_REG && !readable_reg(top->reg)) {
		optimized_out(l, "based on a register other than the "
			      "general-purpose ones");
		return;
	}
	if (!is_value) {
		*l = *mem_at(top);
	} else if (top->kind == SV_CONST) {
		l->kind = TL_CONSTANT;
		l->addr = (uint64_t)top->off;
		l->anchor = top->reloc ? "jiffies" : NULL;
	} else if (top->kind == SV_REG) {
		l->kind = TL_REGISTER;
		l->regno = top->reg;
		l->offset = top->off;
	} else {
		*l = *top->loc;
	}
	anchor(pt, l);
}

/* The location of variable/parameter die at the point. */
static void die_location(const struct dwarf_point *pt,
			 const struct pscopes *ps, Dwarf_Die *die,
			 const struct ctype *t, struct tloc *l)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;

	if (!dwarf_attr_integrate(die, DW_AT_location, &a)) {
		Dwarf_Sword v;
		if (dwarf_attr_integrate(die, DW_AT_const_value, &a) &&
		    dwarf_formsdata(&a, &v) == 0) {
			memset(l, 0, sizeof(*l));
			l->kind = TL_CONSTANT;
			l->addr = (uint64_t)v;
			return;
		}
		optimized_out(l, "it has no location in the debuginfo");
		return;
	}
	int r = dwarf_getlocation_addr(&a, pt->pc, &ops, &n, 1);
	if (r < 0) {
		optimized_out(l, "its location cannot be read");
		return;
	}
	if (r == 0 || n == 0) {
		optimized_out(l, "it has no location at this address");
		return;
	}
	/* entry_value needs the attribute to read its sub-expression */
	for (size_t i = 0; i < n; i++) {
		if ((ops[i].atom == DW_OP_entry_value ||
		     ops[i].atom == DW_OP_GNU_entry_value) &&
		    pt->pc == ps->entry) {
			Dwarf_Attribute sa;
			Dwarf_Op *sub;
			size_t sn;
			if (dwarf_getlocation_attr(&a, &ops[i], &sa) == 0 &&
			    dwarf_getlocation(&sa, &sub, &sn) == 0 &&
			    sn == 1 && sub[0].atom >= DW_OP_reg0 &&
			    sub[0].atom <= DW_OP_reg16 &&
			    i + 1 < n && ops[i + 1].atom == DW_OP_stack_value
			    && n == 2) {
				memset(l, 0, sizeof(*l));
				l->kind = TL_REGISTER;
				l->regno = sub[0].atom - DW_OP_reg0;
				return;
			}
		}
	}
	location(pt, ps, ops, n, t->size, l);
}

/* ---- the variables ---- */

static bool writable(const struct tloc *l)
{
	return l->kind == TL_FRAME || l->kind == TL_MEMORY ||
	       l->kind == TL_COMPUTED ||
	       (l->kind == TL_REGISTER && l->offset == 0);
}

static const struct target_var *describe(const struct dwarf_point *pt,
					 const struct pscopes *ps,
					 Dwarf_Die *die,
					 enum target_var_class cls)
{
	const char *name = dwarf_diename(die);
	char *key = xasprintf("%p:%llx:%llx:%d:%s", (void *)pt->dbg,
			      (unsigned long long)pt->scope,
			      (unsigned long long)pt->pc, pt->is_return, name);
	struct target_var *tv = hash_get(&described, key);

	if (tv) {
		free(key);
		return tv;
	}
	tv = xcalloc(1, sizeof(*tv));
	tv->name = xasprintf("$%s", name);
	tv->type = dwarf_ctype_of(die);
	tv->class = cls;
	tv->spelling = dwarf_type_spelling(die);
	if (pt->is_return)
		optimized_out(&tv->loc, "a .return probe reads variables as "
			      "at the function's entry (@entry), where this "
			      "one has no value");
	else
		die_location(pt, ps, die, tv->type, &tv->loc);
	if (pt->user)
		user_loc(pt, &tv->loc);
	tv->access = TARGET_READ | (writable(&tv->loc) ? TARGET_SET : 0);
	tv->rule = tv->access & TARGET_SET ? "in guru mode only (-g)"
		   : "its value is not in memory or a register here";
	hash_put(&described, key, tv);
	return tv;
}

/* $return of the frame's function, or NULL for a void one. */
static const struct target_var *return_var(const struct dwarf_point *pt,
					   const struct pscopes *ps)
{
	Dwarf_Attribute a;
	char *key = xasprintf("%p:%llx:%llx:return", (void *)pt->dbg,
			      (unsigned long long)pt->scope,
			      (unsigned long long)pt->pc);
	struct target_var *tv = hash_get(&described, key);

	if (tv || !dwarf_attr_integrate((Dwarf_Die *)&ps->scope, DW_AT_type,
					&a)) {
		free(key);
		return tv;
	}
	tv = xcalloc(1, sizeof(*tv));
	tv->name = "$return";
	tv->type = dwarf_ctype_of((Dwarf_Die *)&ps->scope);
	tv->class = TV_RETURN;
	tv->spelling = dwarf_type_spelling((Dwarf_Die *)&ps->scope);
	tv->loc.kind = TL_REGISTER;
	tv->loc.regno = 0;	/* rax */
	tv->loc.user = pt->user;
	if (tv->type->size > 8)
		optimized_out(&tv->loc, "a return value over 8 bytes");
	tv->access = TARGET_READ | TARGET_SET;
	tv->rule = "in guru mode only (-g)";
	hash_put(&described, key, tv);
	return tv;
}

/* Calls fn for every parameter (cls TV_PARAM) of the probed scope,
 * then every local of it and of the blocks around the pc, outermost
 * first; stops when fn returns true. */
typedef bool (*var_fn)(void *arg, Dwarf_Die *die, enum target_var_class c);

static bool each_in(Dwarf_Die *scope, unsigned tag, var_fn fn, void *arg)
{
	Dwarf_Die d;

	if (dwarf_child(scope, &d) != 0)
		return false;
	do {
		if (dwarf_tag(&d) == (int)tag && dwarf_diename(&d) &&
		    fn(arg, &d, tag == DW_TAG_formal_parameter ? TV_PARAM
							        : TV_LOCAL))
			return true;
	} while (dwarf_siblingof(&d, &d) == 0);
	return false;
}

static bool each_var(struct pscopes *ps, var_fn fn, void *arg)
{
	if (each_in(&ps->scope, DW_TAG_formal_parameter, fn, arg) ||
	    each_in(&ps->scope, DW_TAG_variable, fn, arg))
		return true;
	for (int i = ps->probed - 1; i >= 0; i--) {
		int tag = dwarf_tag(&ps->all[i]);
		if (tag != DW_TAG_lexical_block)
			continue;
		if (each_in(&ps->all[i], DW_TAG_variable, fn, arg))
			return true;
	}
	return false;
}

struct find {
	const char *name;
	Dwarf_Die die;
	enum target_var_class cls;
	bool found;
};

/* Keeps the last match: an inner block's variable shadows. */
static bool find_fn(void *arg, Dwarf_Die *die, enum target_var_class c)
{
	struct find *f = arg;

	if (!strcmp(dwarf_diename(die), f->name)) {
		f->die = *die;
		f->cls = c;
		f->found = true;
	}
	return false;
}

const struct target_var *dwarf_point_var(const struct dwarf_point *pt,
					 const char *name)
{
	struct pscopes ps;
	struct find f = { .name = name + (name[0] == '$') };
	const struct target_var *tv = NULL;

	if (!point_scopes(pt, &ps))
		return NULL;
	if (!strcmp(f.name, "return")) {
		tv = pt->is_return ? return_var(pt, &ps) : NULL;
	} else {
		each_var(&ps, find_fn, &f);
		if (f.found)
			tv = describe(pt, &ps, &f.die, f.cls);
	}
	free(ps.all);
	return tv;
}

struct list {
	const struct dwarf_point *pt;
	struct pscopes *ps;
	struct vec *out;
};

/* Appends, a later (inner) variable replacing an earlier one of the
 * same name. */
static bool list_fn(void *arg, Dwarf_Die *die, enum target_var_class c)
{
	struct list *l = arg;
	const struct target_var *tv = describe(l->pt, l->ps, die, c);

	for (size_t i = 0; i < l->out->len; i++) {
		const struct target_var *o = vec_at(l->out, i);
		if (!strcmp(o->name, tv->name)) {
			l->out->items[i] = (void *)tv;
			return false;
		}
	}
	vec_push(l->out, (void *)tv);
	return false;
}

void dwarf_point_vars(const struct dwarf_point *pt, struct vec *out)
{
	struct pscopes ps;
	struct vec own = {0};
	struct list l = { .pt = pt, .ps = &ps, .out = &own };

	if (!point_scopes(pt, &ps))
		return;
	each_var(&ps, list_fn, &l);
	for (size_t i = 0; i < own.len; i++)
		vec_push(out, vec_at(&own, i));
	vec_free(&own);
	if (pt->is_return) {
		const struct target_var *r = return_var(pt, &ps);
		if (r)
			vec_push(out, (void *)r);
	}
	free(ps.all);
}

/* dwarf_global_var, of user space when upath is set. */
static const struct target_var *global_var(Dwarf *dbg, const char *name,
					   const char *file, const char *upath,
					   uint64_t load_vaddr)
{
	Dwarf_Die d, cu;
	char *key = xasprintf("%p:global:%s@%s", (void *)dbg, name,
			      file ? file : "");
	struct target_var *tv = hash_get(&described, key);

	if (tv) {
		free(key);
		return tv;
	}
	if (!dwarf_global_lookup(dbg, name, file, &d) ||
	    !dwarf_diecu(&d, &cu, NULL, NULL)) {
		free(key);
		return NULL;
	}
	/* a point at no address: only DW_OP_addr locations evaluate */
	struct dwarf_point pt = { .dbg = dbg, .scope = dwarf_dieoffset(&cu),
				  .user = upath != NULL, .file = upath,
				  .load_vaddr = load_vaddr };
	struct pscopes ps = { .scope = cu, .frame = cu, .entry = -1 };
	tv = xcalloc(1, sizeof(*tv));
	tv->name = xasprintf("@var(\"%s%s%s\")", name, file ? "@" : "",
			     file ? file : "");
	tv->type = dwarf_ctype_of(&d);
	tv->class = TV_LOCAL;
	tv->spelling = dwarf_type_spelling(&d);
	die_location(&pt, &ps, &d, tv->type, &tv->loc);
	if (pt.user)
		user_loc(&pt, &tv->loc);
	tv->access = TARGET_READ | (writable(&tv->loc) ? TARGET_SET : 0);
	tv->rule = "in guru mode only (-g)";
	hash_put(&described, key, tv);
	return tv;
}

const struct target_var *dwarf_global_var(Dwarf *dbg, const char *name,
					  const char *file)
{
	return global_var(dbg, name, file, NULL, 0);
}

const struct target_var *dwarf_user_global_var(Dwarf *dbg, const char *path,
					       uint64_t load_vaddr,
					       const char *name,
					       const char *file)
{
	return global_var(dbg, name, file, path, load_vaddr);
}

/* C's integer type names, however written, for @cast's base types
 * (DWARF spells "long unsigned int"). */
static const struct ctype *c_int_named(const char *name)
{
	static const struct { const char *n; unsigned size; bool sign; } t[] = {
		{ "char", 1, true }, { "signed char", 1, true },
		{ "unsigned char", 1, false }, { "short", 2, true },
		{ "short int", 2, true }, { "unsigned short", 2, false },
		{ "short unsigned int", 2, false }, { "int", 4, true },
		{ "signed", 4, true }, { "unsigned", 4, false },
		{ "unsigned int", 4, false }, { "long", 8, true },
		{ "long int", 8, true }, { "unsigned long", 8, false },
		{ "long unsigned int", 8, false }, { "long long", 8, true },
		{ "long long int", 8, true }, { "unsigned long long", 8, false },
		{ "long long unsigned int", 8, false },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(t[i].n, name))
			return ctype_int(t[i].size, t[i].sign);
	return NULL;
}

const struct ctype *dwarf_type_named(Dwarf *dbg, const char *name)
{
	Dwarf_Die d;
	size_t n;

	while (*name == ' ')
		name++;
	n = strlen(name);
	while (n && name[n - 1] == ' ')
		n--;
	if (n && name[n - 1] == '*') {	/* "struct file *" */
		char *base = xstrndup(name, n - 1);
		const struct ctype *t = dwarf_type_named(dbg, base);
		free(base);
		return t ? ctype_pointer(t) : NULL;
	}
	char *k = xstrndup(name, n);
	const struct ctype *t = c_int_named(k);
	if (!t && dwarf_type_lookup(dbg, k, &d))
		t = dwarf_ctype(&d);
	free(k);
	return t;
}
