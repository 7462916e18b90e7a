/*
 * The DWARF index: what pass 2 needs to find probe points in one
 * debuginfo file (vmlinux or a module's), built once per build-id and
 * cached on disk, so that every later script loads it in milliseconds.
 *
 * An entry is one probeable place with a name: an out-of-line function
 * (DW_TAG_subprogram with code), one inlined copy of a function
 * (DW_TAG_inlined_subroutine), or a label (DW_TAG_label) in a function.
 * Each carries its DIE and CU offsets (for libdw, dwarf_vars.h), its
 * address in the file's own link-time addresses, the declaration's
 * file:line as upstream prints it ("fs/read_write.c", relative to the
 * compilation directory), and the symbol + offset the kernel resolves
 * the address by (so KASLR and module load addresses are the kernel's
 * business).
 *
 * The cache file (<cache>/dwarf/BUILDID.idx) is the in-memory form:
 * a header, the entries sorted by name, then the strings; loading it is
 * one mmap.
 */
#ifndef STAP_DWARF_INDEX_H
#define STAP_DWARF_INDEX_H

#include <stdbool.h>
#include <stdint.h>
#include <elfutils/libdw.h>
#include "session.h"

enum dwx_kind {
	DWX_FUNC,	/* an out-of-line function */
	DWX_INLINE,	/* an inlined copy of a function */
	DWX_LABEL,	/* a label; func names its function */
};

enum dwx_flags {
	DWX_EXTERNAL = 1,	/* DW_AT_external: not static */
	DWX_INIT = 2,		/* in init text, freed after boot */
	DWX_EXPORTED = 4,	/* EXPORT_SYMBOL'd (in __ksymtab*) */
	DWX_NOSYM = 8,		/* no symbol covers the address */
};

/* One entry, as stored in the cache (fixed size; strings are offsets
 * into the index's string table). */
struct dwx_entry {
	uint32_t name;		/* the function's or label's name */
	uint32_t func;		/* DWX_LABEL: its function's name */
	uint32_t file;		/* declaration file, "fs/read_write.c" */
	uint32_t line;		/* declaration line */
	uint32_t kind;		/* enum dwx_kind */
	uint32_t flags;		/* enum dwx_flags */
	uint32_t sym;		/* the symbol the address is an offset of */
	uint32_t pad;
	uint64_t die;		/* DIE offset of the subprogram, inlined
				 * subroutine or label */
	uint64_t cu;		/* DIE offset of its compilation unit */
	uint64_t pc;		/* entry address (link-time) */
	uint64_t sym_off;	/* pc - the symbol's address */
};

struct dwx_index;

/* The index of the debuginfo file at path, loaded from the cache or
 * built (and cached) when there is none for its build-id; NULL with
 * *why a message when the file cannot be read. */
struct dwx_index *dwx_open(struct session *s, const char *path, char **why);

size_t dwx_count(const struct dwx_index *x);
const struct dwx_entry *dwx_at(const struct dwx_index *x, size_t i);
const char *dwx_str(const struct dwx_index *x, uint32_t off);
/* The first entry named name (entries are sorted by name, then kind,
 * then file:line), or dwx_count() when there is none. */
size_t dwx_find(const struct dwx_index *x, const char *name);
/* The file's DWARF, opened on first use (for dwarf_vars.h). */
Dwarf *dwx_dwarf(struct dwx_index *x);
/* The build-id in hex, and the debuginfo file's path. */
const char *dwx_build_id(const struct dwx_index *x);
const char *dwx_path(const struct dwx_index *x);
/* Whether the index was built by this run (for -v). */
bool dwx_was_built(const struct dwx_index *x);

/* The line table rows of CU cu for source lines [lo, hi] of files
 * ending in file (struct dwx_line *, appended in table order, a line
 * once per row).  Used by kernel.statement. */
struct dwx_line {
	uint32_t line;
	uint64_t pc;
};
bool dwx_lines(struct dwx_index *x, uint64_t cu, const char *file,
	       uint32_t lo, uint32_t hi, struct vec *out);

/* The address after the prologue of the function entered at pc in CU
 * cu: the first line-table row past pc marked prologue_end or starting
 * another line (within 256 bytes), else pc.  For -P. */
uint64_t dwx_prologue_end(struct dwx_index *x, uint64_t cu, uint64_t pc);

#endif
