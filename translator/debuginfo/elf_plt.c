/*
 * Reading a user-space ELF file's PLT with libelf (elf_plt.h): the
 * .rela.plt relocations name the imported functions in order, and the
 * PLT holds one 16-byte entry per relocation, after the resolver's
 * entry in .plt, or from the start of .plt.sec when the file has one
 * (IBT's second PLT, the one the code calls).
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "debuginfo/elf_plt.h"
#include "debuginfo/elf_syms.h"

/* The sections the PLT is made of. */
struct plt_secs {
	Elf_Scn *rela;
	GElf_Shdr rela_sh, plt_sh, sec_sh;
	bool have_plt, have_sec;
};

static void find_sections(Elf *elf, struct plt_secs *ps)
{
	Elf_Scn *scn = NULL;
	size_t shstr;
	GElf_Shdr sh;

	memset(ps, 0, sizeof(*ps));
	if (elf_getshdrstrndx(elf, &shstr) != 0)
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh) ||
		    !(n = elf_strptr(elf, shstr, sh.sh_name)))
			continue;
		if (!strcmp(n, ".rela.plt") && sh.sh_type == SHT_RELA) {
			ps->rela = scn;
			ps->rela_sh = sh;
		} else if (!strcmp(n, ".plt")) {
			ps->plt_sh = sh;
			ps->have_plt = true;
		} else if (!strcmp(n, ".plt.sec")) {
			ps->sec_sh = sh;
			ps->have_sec = true;
		}
	}
}

/* The address of the entry of relocation i, or 0. */
static uint64_t entry_addr(const struct plt_secs *ps, size_t i)
{
	if (ps->have_sec && (i + 1) * 16 <= ps->sec_sh.sh_size)
		return ps->sec_sh.sh_addr + 16 * i;
	if (!ps->have_sec && ps->have_plt &&
	    (i + 2) * 16 <= ps->plt_sh.sh_size)
		return ps->plt_sh.sh_addr + 16 * (i + 1);
	return 0;
}

static void add_entries(Elf *elf, const struct plt_secs *ps,
			const char *pattern, struct vec *out)
{
	Elf_Data *d = elf_getdata(ps->rela, NULL);
	Elf_Scn *symscn = elf_getscn(elf, ps->rela_sh.sh_link);
	Elf_Data *syms = symscn ? elf_getdata(symscn, NULL) : NULL;
	GElf_Shdr symsh;

	if (!d || !syms || !gelf_getshdr(symscn, &symsh))
		return;
	for (size_t i = 0; i < ps->rela_sh.sh_size / ps->rela_sh.sh_entsize;
	     i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *name;
		uint64_t addr = entry_addr(ps, i), off;

		if (!gelf_getrela(d, (int)i, &r) || !addr ||
		    GELF_R_TYPE(r.r_info) != R_X86_64_JUMP_SLOT ||
		    !gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym) ||
		    !(name = elf_strptr(elf, symsh.sh_link, sym.st_name)) ||
		    !*name || fnmatch(pattern, name, 0) ||
		    !elf_addr_offset(elf, addr, &off))
			continue;
		struct elf_plt *p = xmalloc(sizeof(*p));
		p->name = xstrdup(name);
		p->addr = addr;
		p->offset = off;
		vec_push(out, p);
	}
}

bool elf_plt_entries(const char *path, const char *pattern, struct vec *out,
		     char **err)
{
	int fd;
	Elf *elf = elf_open_file(path, &fd, err);
	struct plt_secs ps;

	if (!elf)
		return false;
	find_sections(elf, &ps);
	if (ps.rela)
		add_entries(elf, &ps, pattern, out);
	elf_close(elf, fd);
	return true;
}
