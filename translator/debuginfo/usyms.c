/*
 * The user-space symbol and unwind tables of one ELF file (usyms.h),
 * read with libelf and libdw.  Symbols: the function symbols of
 * .symtab (or .dynsym for a stripped file), one per address.  Unwind
 * rules: every FDE start listed in .eh_frame_hdr's search table, walked
 * row by row with dwarf_cfi_addrframe; each row is reduced to "CFA =
 * rsp/rbp + N, return address at CFA + M, rbp unchanged / saved at
 * CFA + K", and any other shape becomes a row the runtime stops at.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "debuginfo/elf_syms.h"
#include "debuginfo/usyms.h"
#include "util/util.h"

#define REG_RBP 6
#define REG_RSP 7
#define REG_RA 16

static void read_segments(Elf *elf, struct ufile *f)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return;
	f->segs = xmalloc((n + 1) * sizeof(*f->segs));
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		f->segs[f->nsegs++] = (struct useg){ ph.p_offset, ph.p_filesz,
						     ph.p_vaddr };
	}
}

/* The section named name (and its header), or NULL. */
static Elf_Scn *section_named(Elf *elf, const char *name, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL;
	size_t shstr;

	if (elf_getshdrstrndx(elf, &shstr) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (gelf_getshdr(scn, sh) &&
		    (n = elf_strptr(elf, shstr, sh->sh_name)) &&
		    !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* .symtab if there is one, else .dynsym. */
static Elf_Scn *symbol_table(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = section_named(elf, ".symtab", sh);

	return scn && sh->sh_type == SHT_SYMTAB ? scn :
		section_named(elf, ".dynsym", sh);
}

/* Sort key of a symbol's binding: globals name an address first. */
static int bind_rank(unsigned char info)
{
	switch (GELF_ST_BIND(info)) {
	case STB_GLOBAL: return 0;
	case STB_WEAK: return 1;
	default: return 2;
	}
}

struct rawsym {
	struct usym s;
	int rank;
	size_t index;
};

static int by_addr_rank(const void *a, const void *b)
{
	const struct rawsym *x = a, *y = b;

	if (x->s.addr != y->s.addr)
		return x->s.addr < y->s.addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank - y->rank;
	return x->index < y->index ? -1 : x->index > y->index;
}

static uint32_t add_name(struct ufile *f, size_t *cap, const char *name)
{
	size_t n = strlen(name) + 1;
	uint32_t at = f->names_len;

	if (f->names_len + n > *cap) {
		*cap = (*cap + n) * 2;
		f->names = xrealloc(f->names, *cap);
	}
	memcpy(f->names + at, name, n);
	f->names_len += n;
	return at;
}

static void read_symbols(Elf *elf, struct ufile *f)
{
	GElf_Shdr sh;
	Elf_Scn *scn = symbol_table(elf, &sh);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	size_t count, n = 0, cap = 0;
	struct rawsym *raw;

	if (!data || !sh.sh_entsize)
		return;
	count = sh.sh_size / sh.sh_entsize;
	raw = xmalloc((count + 1) * sizeof(*raw));
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;

		if (!gelf_getsym(data, i, &sym) ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC) ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		raw[n].s.addr = sym.st_value;
		raw[n].s.size = sym.st_size;
		raw[n].s.name = i;	/* the name comes later */
		raw[n].rank = bind_rank(sym.st_info);
		raw[n].index = i;
		n++;
	}
	qsort(raw, n, sizeof(*raw), by_addr_rank);
	f->syms = xmalloc((n + 1) * sizeof(*f->syms));
	for (size_t i = 0; i < n; i++) {
		GElf_Sym sym;

		if (f->nsyms && f->syms[f->nsyms - 1].addr == raw[i].s.addr)
			continue;
		gelf_getsym(data, raw[i].index, &sym);
		raw[i].s.name = add_name(f, &cap,
					 elf_strptr(elf, sh.sh_link,
						    sym.st_name));
		f->syms[f->nsyms++] = raw[i].s;
	}
	/* a symbol without a size reaches to the next one */
	for (size_t i = 0; i + 1 < f->nsyms; i++)
		if (!f->syms[i].size)
			f->syms[i].size = f->syms[i + 1].addr - f->syms[i].addr;
	free(raw);
}

/* ---- unwind rules ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The FDE start addresses of .eh_frame_hdr's binary search table,
 * sorted, into *out; how many (0 when the table is absent or encoded
 * in a way other than the linkers' usual one). */
static size_t fde_starts(Elf *elf, uint64_t **out)
{
	GElf_Shdr sh;
	Elf_Scn *scn = section_named(elf, ".eh_frame_hdr", &sh);
	Elf_Data *d = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *p;
	uint32_t count;

	*out = NULL;
	/* version 1; eh_frame_ptr pcrel|sdata4, count udata4, table
	 * datarel|sdata4 */
	if (!d || d->d_size < 12)
		return 0;
	p = d->d_buf;
	if (p[0] != 1 || p[2] != DW_EH_PE_udata4 ||
	    p[3] != (DW_EH_PE_datarel | DW_EH_PE_sdata4))
		return 0;
	memcpy(&count, p + 8, 4);
	if (12 + (uint64_t)count * 8 > d->d_size)
		return 0;
	*out = xmalloc((count + 1) * sizeof(**out));
	for (uint32_t i = 0; i < count; i++) {
		int32_t loc;

		memcpy(&loc, p + 12 + i * 8, 4);
		(*out)[i] = sh.sh_addr + (int64_t)loc;
	}
	qsort(*out, count, sizeof(**out), cmp_u64);
	return count;
}

/* Reads an "offset(N)" rule (CFA + N) from a register's expression. */
static bool cfa_offset_rule(const Dwarf_Op *ops, size_t nops, int64_t *off)
{
	if (!nops || ops[0].atom != DW_OP_call_frame_cfa)
		return false;
	if (nops == 1) {
		*off = 0;
		return true;
	}
	if (nops == 2 && ops[1].atom == DW_OP_plus_uconst) {
		*off = ops[1].number;
		return true;
	}
	if (nops == 3 && (ops[1].atom == DW_OP_consts ||
			  ops[1].atom == DW_OP_constu) &&
	    (ops[2].atom == DW_OP_plus || ops[2].atom == DW_OP_minus)) {
		*off = (int64_t)ops[1].number;
		if (ops[2].atom == DW_OP_minus)
			*off = -*off;
		return true;
	}
	if (nops == 2 && ops[1].atom == DW_OP_lit0) {
		*off = 0;
		return true;
	}
	return false;
}

/* Reduces frame to a row (usyms.h); false when its shape is not one
 * the runtime applies (the row then stops the unwinder). */
static bool reduce_frame(Dwarf_Frame *fr, struct ucfi *row)
{
	Dwarf_Op *ops, mem[3];
	size_t nops;
	int64_t off;
	uint64_t reg;

	if (dwarf_frame_cfa(fr, &ops, &nops) != 0 || nops != 1)
		return false;
	if (ops[0].atom == DW_OP_bregx) {
		reg = ops[0].number;
		off = (int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
		reg = ops[0].atom - DW_OP_breg0;
		off = (int64_t)ops[0].number;
	} else {
		return false;
	}
	if ((reg != REG_RSP && reg != REG_RBP) || off != (int16_t)off)
		return false;
	row->cfa_reg = reg;
	row->cfa_off = off;
	if (dwarf_frame_register(fr, REG_RA, mem, &ops, &nops) != 0 ||
	    !cfa_offset_rule(ops, nops, &off) || off < -128 || off > 127)
		return false;
	row->ra_off = off;
	if (dwarf_frame_register(fr, REG_RBP, mem, &ops, &nops) != 0)
		return false;
	if (!nops)
		row->bp_rule = ops ? 2 : 0;	/* undefined : same value */
	else if (cfa_offset_rule(ops, nops, &off) && off == (int16_t)off)
		row->bp_rule = 1, row->bp_off = off;
	else
		row->bp_rule = 2;
	return true;
}

static bool same_rule(const struct ucfi *a, const struct ucfi *b)
{
	return a->cfa_reg == b->cfa_reg && a->cfa_off == b->cfa_off &&
	       a->ra_off == b->ra_off && a->bp_rule == b->bp_rule &&
	       a->bp_off == b->bp_off;
}

static void push_row(struct ufile *f, size_t *cap, const struct ucfi *row)
{
	if (f->ncfi && same_rule(&f->cfi[f->ncfi - 1], row))
		return;
	if (f->ncfi == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		f->cfi = xrealloc(f->cfi, *cap * sizeof(*f->cfi));
	}
	f->cfi[f->ncfi++] = *row;
}

static void read_cfi(Elf *elf, struct ufile *f)
{
	Dwarf_CFI *cfi = dwarf_getcfi_elf(elf);
	uint64_t *starts, addr;
	size_t n, next = 0, cap = 0;

	if (!cfi)
		return;
	n = fde_starts(elf, &starts);
	addr = n ? starts[0] : 0;
	while (next < n) {
		Dwarf_Frame *fr;
		Dwarf_Addr start, end;
		struct ucfi row = { .addr = addr };

		if (dwarf_cfi_addrframe(cfi, addr, &fr) != 0) {
			/* a gap: no rule until the next FDE */
			push_row(f, &cap, &row);
			while (next < n && starts[next] <= addr)
				next++;
			if (next < n)
				addr = starts[next];
			continue;
		}
		dwarf_frame_info(fr, &start, &end, NULL);
		if (!reduce_frame(fr, &row))
			row = (struct ucfi){ .addr = addr };
		free(fr);
		push_row(f, &cap, &row);
		addr = end > addr ? end : addr + 1;
	}
	if (n) {
		struct ucfi stop = { .addr = addr };
		push_row(f, &cap, &stop);
	}
	if (n && addr > UINT32_MAX)	/* rows hold 32-bit addresses */
		f->ncfi = 0;
	free(starts);
	dwarf_cfi_end(cfi);
}

struct ufile *ufile_read(const char *path, bool want_cfi, char **err)
{
	int fd;
	Elf *elf = elf_open_file(path, &fd, err);
	struct ufile *f;
	struct stat st;

	if (!elf)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->path = xstrdup(path);
	if (fstat(fd, &st) == 0)
		f->size = st.st_size;
	read_segments(elf, f);
	read_symbols(elf, f);
	if (want_cfi)
		read_cfi(elf, f);
	elf_close(elf, fd);
	return f;
}

void ufile_free(struct ufile *f)
{
	if (!f)
		return;
	free(f->path);
	free(f->segs);
	free(f->syms);
	free(f->names);
	free(f->cfi);
	free(f);
}
