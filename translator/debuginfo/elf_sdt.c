/*
 * Reading SDT markers (elf_sdt.h) with libelf.  Each .note.stapsdt note
 * (owner "stapsdt", type 3) holds the marker's address, the link-time
 * address of .stapsdt.base, its semaphore's address (0: none) and
 * three strings: provider, name, argument specs.  A file moved by
 * prelink has .stapsdt.base elsewhere: the addresses shift by the same
 * amount.  Addresses become file offsets through the PT_LOAD segment
 * that holds them.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "debuginfo/elf_sdt.h"
#include "debuginfo/elf_syms.h"

#define NT_STAPSDT 3

/* The pt_regs field and width of an x86-64 register name (no %). */
static bool sdt_register(const char *name, const char **field, int *bytes)
{
	static const struct { const char *names[4]; const char *field; } regs[] = {
		{ { "rax", "eax", "ax", "al" }, "ax" },
		{ { "rbx", "ebx", "bx", "bl" }, "bx" },
		{ { "rcx", "ecx", "cx", "cl" }, "cx" },
		{ { "rdx", "edx", "dx", "dl" }, "dx" },
		{ { "rsi", "esi", "si", "sil" }, "si" },
		{ { "rdi", "edi", "di", "dil" }, "di" },
		{ { "rbp", "ebp", "bp", "bpl" }, "bp" },
		{ { "rsp", "esp", "sp", "spl" }, "sp" },
		{ { "rip", "eip", "ip", NULL }, "ip" },
		{ { "r8", "r8d", "r8w", "r8b" }, "r8" },
		{ { "r9", "r9d", "r9w", "r9b" }, "r9" },
		{ { "r10", "r10d", "r10w", "r10b" }, "r10" },
		{ { "r11", "r11d", "r11w", "r11b" }, "r11" },
		{ { "r12", "r12d", "r12w", "r12b" }, "r12" },
		{ { "r13", "r13d", "r13w", "r13b" }, "r13" },
		{ { "r14", "r14d", "r14w", "r14b" }, "r14" },
		{ { "r15", "r15d", "r15w", "r15b" }, "r15" },
	};
	static const int widths[] = { 8, 4, 2, 1 };

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (int w = 0; w < 4; w++)
			if (regs[i].names[w] && !strcmp(regs[i].names[w], name)) {
				*field = regs[i].field;
				*bytes = widths[w];
				return true;
			}
	return false;
}

/* One spec: "-4@%eax", "8@-16(%rbp)", "4@$42". */
static void sdt_parse_arg(const char *spec, struct sdt_arg *a)
{
	char *end, reg[8];
	int n;

	memset(a, 0, sizeof(*a));
	a->spec = xstrdup(spec);
	a->kind = SDT_UNSUPPORTED;
	a->size = (int)strtol(spec, &end, 10);
	if (*end != '@' || !a->size)
		return;
	spec = end + 1;
	if (*spec == '$') {
		a->offset = strtoll(spec + 1, &end, 0);
		if (!*end)
			a->kind = SDT_IMM;
	} else if (*spec == '%') {
		if (sdt_register(spec + 1, &a->reg, &a->reg_bytes))
			a->kind = SDT_REG;
	} else {
		char idx[8];
		int ib, scale = 1;

		a->offset = strtoll(spec, &end, 0);
		n = 0;
		if (sscanf(end, "(%%%7[a-z0-9])%n", reg, &n) == 1 && n &&
		    !end[n]) {
			if (sdt_register(reg, &a->reg, &a->reg_bytes) &&
			    a->reg_bytes == 8)
				a->kind = SDT_MEM;
		} else if (sscanf(end, "(%%%7[a-z0-9],%%%7[a-z0-9],%d)%n",
				  reg, idx, &scale, &n) == 3 && n && !end[n] &&
			   sdt_register(reg, &a->reg, &a->reg_bytes) &&
			   a->reg_bytes == 8 &&
			   sdt_register(idx, &a->index, &ib) && ib == 8) {
			a->scale = scale;
			a->kind = SDT_MEM;
		}
	}
}

static void sdt_parse_args(char *specs, struct sdt_mark *m)
{
	char *save = NULL;

	for (char *s = strtok_r(specs, " ", &save); s && m->nargs < 12;
	     s = strtok_r(NULL, " ", &save))
		sdt_parse_arg(s, &m->args[m->nargs++]);
}

/* The address of section name, or 0. */
static uint64_t section_addr(Elf *elf, const char *name)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) &&
		    !strcmp(elf_strptr(elf, shstrndx, sh.sh_name) ?: "", name))
			return sh.sh_addr;
	return 0;
}

/* Reads one note's descriptor into a mark, if it matches. */
static void sdt_note(Elf *elf, const char *desc, size_t size, uint64_t base,
		     const char *provider, const char *name, struct vec *out)
{
	uint64_t pc, lbase, sem;
	const char *prov, *nm, *args, *end = desc + size;

	if (size < 3 * 8 + 3)
		return;
	memcpy(&pc, desc, 8);
	memcpy(&lbase, desc + 8, 8);
	memcpy(&sem, desc + 16, 8);
	prov = desc + 24;
	nm = memchr(prov, 0, end - prov);
	if (!nm++ || nm >= end)
		return;
	args = memchr(nm, 0, end - nm);
	if (!args++ || args > end || !memchr(args, 0, end - args))
		return;
	if ((provider && fnmatch(provider, prov, 0)) || fnmatch(name, nm, 0))
		return;
	if (base && lbase) {
		pc += base - lbase;
		if (sem)
			sem += base - lbase;
	}
	struct sdt_mark *m = xcalloc(1, sizeof(*m));
	if (!elf_addr_offset(elf, pc, &m->offset) ||
	    (sem && !elf_addr_offset(elf, sem, &m->sem_offset))) {
		free(m);
		return;
	}
	m->provider = xstrdup(prov);
	m->name = xstrdup(nm);
	char *specs = xstrdup(args);
	sdt_parse_args(specs, m);
	free(specs);
	vec_push(out, m);
}

bool elf_sdt_marks(const char *path, const char *provider, const char *name,
		   struct vec *out, char **err)
{
	int fd;
	Elf *elf = elf_open_file(path, &fd, err);
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t base;

	if (!elf)
		return false;
	base = section_addr(elf, ".stapsdt.base");
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nh;
		size_t off = 0, noff, doff;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(data = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(data, off, &nh, &noff, &doff)) > 0) {
			if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
			    memcmp((char *)data->d_buf + noff, "stapsdt", 8))
				continue;
			sdt_note(elf, (char *)data->d_buf + doff, nh.n_descsz,
				 base, provider, name, out);
		}
	}
	elf_close(elf, fd);
	return true;
}
