/*
 * The functions of a user-space ELF file (a program or a shared
 * library) by its symbol table, for process("PATH").function probes
 * without debuginfo: names, addresses and the file offsets uprobes
 * are placed at.
 */
#ifndef STAP_ELF_SYMS_H
#define STAP_ELF_SYMS_H

#include <stdbool.h>
#include <stdint.h>
#include <libelf.h>
#include "util/util.h"

/* One function symbol: offset is its position in the file (what
 * uprobe_register takes), addr its st_value. */
struct elf_func {
	char *name;
	uint64_t addr;
	uint64_t offset;
};

/* Opens path as an ELF file to read: its handle, the descriptor in
 * *fd (close both with elf_close), or NULL with *err set ("cannot open
 * 'P': why", "'P' is not an ELF file"). */
Elf *elf_open_file(const char *path, int *fd, char **err);
void elf_close(Elf *elf, int fd);

/*
 * Appends to out (struct elf_func *) the defined functions of the ELF
 * file path whose names match the shell pattern pattern, one per
 * address (the first name in symbol order for aliases), from .symtab,
 * or .dynsym for a stripped file.  Returns false with *err set (a
 * message to free) when the file cannot be read as ELF.
 */
bool elf_functions(const char *path, const char *pattern, struct vec *out,
		   char **err);

/* The file offset of address addr of elf, or false when no loaded
 * segment holds it. */
bool elf_addr_offset(Elf *elf, uint64_t addr, uint64_t *offset);

/* The page (4 KiB) of the first loaded segment's address: where the
 * mapping at file offset 0 starts, less the load bias; false when elf
 * has no PT_LOAD. */
bool elf_load_page(Elf *elf, uint64_t *vaddr);

#endif
