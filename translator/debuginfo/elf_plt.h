/*
 * The procedure linkage table of a user-space ELF file (x86-64), for
 * process("PATH").plt("NAME") probes: the PLT entry through which the
 * file calls each function it imports, with its file offset.
 */
#ifndef STAP_ELF_PLT_H
#define STAP_ELF_PLT_H

#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

/* One PLT entry: the imported function's name and the entry's address
 * and file offset. */
struct elf_plt {
	char *name;
	uint64_t addr;
	uint64_t offset;
};

/*
 * Appends to out (struct elf_plt *) the PLT entries of the ELF file
 * path whose function names match the shell pattern pattern: entry i
 * of .plt.sec (IBT) or entry i + 1 of .plt (16 bytes each) serves
 * relocation i of .rela.plt.  False with *err (a message to free) when
 * the file cannot be read as ELF.
 */
bool elf_plt_entries(const char *path, const char *pattern, struct vec *out,
		     char **err);

#endif
