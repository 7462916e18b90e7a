/*
 * The SDT markers of a user-space ELF file (<sys/sdt.h>'s
 * STAP_PROBEn / DTRACE_PROBEn): its .note.stapsdt notes, with the file
 * offsets uprobes go at and the argument specs the compiler wrote.
 */
#ifndef STAP_ELF_SDT_H
#define STAP_ELF_SDT_H

#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

/* Where one argument is, from a spec "N@OP": SIZE bytes (negative:
 * signed) in register reg, in memory at reg + offset (+ index * scale),
 * or the constant offset.  reg and index are pt_regs fields ("ax",
 * "r12"). */
enum sdt_arg_kind { SDT_REG, SDT_MEM, SDT_IMM, SDT_UNSUPPORTED };

struct sdt_arg {
	enum sdt_arg_kind kind;
	int size;		/* 1, 2, 4, 8; negative when signed */
	const char *reg;	/* SDT_REG, SDT_MEM */
	int reg_bytes;		/* SDT_REG: the width the name reads (%eax 4) */
	int64_t offset;		/* SDT_MEM: displacement; SDT_IMM: value */
	const char *index;	/* SDT_MEM: the index register, or NULL */
	int scale;		/* SDT_MEM with an index: 1, 2, 4, 8 */
	char *spec;		/* as written, for messages */
};

/* One marker site: offset is its file offset, sem_offset its
 * semaphore's (0: none). */
struct sdt_mark {
	char *provider, *name;
	uint64_t offset, sem_offset;
	int nargs;
	struct sdt_arg args[12];
};

/*
 * Appends to out (struct sdt_mark *) the markers of ELF file path whose
 * provider and name match the shell patterns (provider NULL: any).
 * Returns false with *err set (a message to free) when the file cannot
 * be read as ELF.
 */
bool elf_sdt_marks(const char *path, const char *provider, const char *name,
		   struct vec *out, char **err);

#endif
