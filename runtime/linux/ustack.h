/*
 * The user-space symbol and unwind tables the translator writes into a
 * module (translator/emit/usyms.c, translator/debuginfo/usyms.h says
 * what each field holds), one set per program or library.  Read by
 * ustack.c; never written.
 */
#ifndef STAP_USTACK_H
#define STAP_USTACK_H

/* A loaded segment: file bytes [off, off + filesz) at ELF address
 * vaddr. */
struct stap_useg {
	unsigned long off, filesz, vaddr;
};

/* A function: [addr, addr + size), its name at names + name. */
struct stap_usym {
	unsigned long addr, size;
	unsigned int name;
};

/* From addr to the next row: CFA = reg cfa_reg (6 rbp, 7 rsp; 0: no
 * rule, stop) + cfa_off; the return address at CFA + ra_off; the
 * caller's rbp unchanged (bp_rule 0), at CFA + bp_off (1), unknown
 * (2). */
struct stap_ucfi {
	u32 addr;
	s16 cfa_off, bp_off;
	s8 ra_off;
	u8 cfa_reg, bp_rule;
};

/* One file: its path on the translator's side, its size, and its
 * sorted tables, each ending with a zero entry. */
struct stap_ufile {
	const char *path;
	unsigned long size;
	const struct stap_useg *segs;
	unsigned int nsegs;
	const struct stap_usym *syms;
	unsigned int nsyms;
	const char *names;
	const struct stap_ucfi *cfi;
	unsigned int ncfi;
};

#endif
