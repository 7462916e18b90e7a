/*
 * What the runtime needs to name and unwind user-space addresses of one
 * ELF file (a program or a shared library): its loaded segments (file
 * offset -> ELF address), its function symbols sorted by address, and
 * the CFA rules of its .eh_frame reduced to the few shapes an x86-64
 * unwinder needs.  emit/usyms.c writes them into the module.
 */
#ifndef STAP_USYMS_H
#define STAP_USYMS_H

#include <stdbool.h>
#include <stdint.h>

/* A PT_LOAD segment: file bytes [off, off + filesz) are at ELF address
 * vaddr. */
struct useg {
	uint64_t off, filesz, vaddr;
};

/* A function symbol: [addr, addr + size), name an offset into the
 * file's name blob. */
struct usym {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
};

/* Where the CFA is and where the caller's registers are, from addr up
 * to the next row's addr.  cfa_reg is the DWARF register the CFA is
 * an offset from (6 rbp, 7 rsp), 0 when there is no usable rule here
 * (no FDE, or a rule shape the runtime does not apply): the unwinder
 * stops.  The return address is at CFA + ra_off; bp_rule says where
 * the caller's rbp is: 0 unchanged, 1 at CFA + bp_off, 2 unknown.
 * Addresses past 4 GiB and offsets past 16 bits have no rows. */
struct ucfi {
	uint32_t addr;
	int16_t cfa_off;
	int16_t bp_off;
	int8_t ra_off;
	uint8_t cfa_reg;
	uint8_t bp_rule;
};

/* One file's tables.  syms sorted by addr (one per address); cfi
 * sorted by addr, rows with equal rules merged. */
struct ufile {
	char *path;		/* absolute, real */
	uint64_t size;		/* in bytes: the runtime also knows a file
				 * by its base name and size */
	struct useg *segs;
	size_t nsegs;
	struct usym *syms;
	size_t nsyms;
	char *names;		/* NUL-separated symbol names */
	size_t names_len;
	struct ucfi *cfi;
	size_t ncfi;
};

/*
 * Reads path's segments and symbols (.symtab, else .dynsym), and with
 * want_cfi its .eh_frame rules.  Returns NULL with *err set (a message
 * to free) when path is not a readable ELF file.
 */
struct ufile *ufile_read(const char *path, bool want_cfi, char **err);
void ufile_free(struct ufile *f);

#endif
