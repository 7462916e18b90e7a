/*
 * Reading a user-space ELF file's function symbols with libelf (the
 * interface is elf_syms.h).  The file offset of a symbol comes from the
 * PT_LOAD segment that holds its address, which is what uprobes are
 * registered at: the same in every process that maps the file, at any
 * load address.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "debuginfo/elf_syms.h"

bool elf_addr_offset(Elf *elf, uint64_t addr, uint64_t *offset)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (addr >= ph.p_vaddr && addr < ph.p_vaddr + ph.p_filesz) {
			*offset = addr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

bool elf_load_page(Elf *elf, uint64_t *vaddr)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD) {
			*vaddr = (ph.p_vaddr - ph.p_offset) & ~0xfffULL;
			return true;
		}
	}
	return false;
}

/* The symbol table section: .symtab if there is one, else .dynsym. */
static Elf_Scn *symbol_table(Elf *elf, GElf_Shdr *sh)
{
	Elf_Scn *scn = NULL, *dyn = NULL;
	GElf_Shdr dsh;

	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, sh))
			continue;
		if (sh->sh_type == SHT_SYMTAB)
			return scn;
		if (sh->sh_type == SHT_DYNSYM) {
			dyn = scn;
			dsh = *sh;
		}
	}
	if (dyn)
		*sh = dsh;
	return dyn;
}

static bool seen_addr(const struct vec *out, size_t from, uint64_t addr)
{
	for (size_t i = from; i < out->len; i++)
		if (((struct elf_func *)vec_at(out, i))->addr == addr)
			return true;
	return false;
}

Elf *elf_open_file(const char *path, int *fd, char **err)
{
	Elf *elf;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		*err = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(*fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		*err = xasprintf("'%s' is not an ELF file", path);
		elf_close(elf, *fd);
		return NULL;
	}
	return elf;
}

void elf_close(Elf *elf, int fd)
{
	if (elf)
		elf_end(elf);
	close(fd);
}

bool elf_functions(const char *path, const char *pattern, struct vec *out,
		   char **err)
{
	size_t first = out->len;
	int fd;
	Elf *elf = elf_open_file(path, &fd, err);
	Elf_Scn *scn;
	GElf_Shdr sh;
	Elf_Data *data;

	if (!elf)
		return false;
	scn = symbol_table(elf, &sh);
	data = scn ? elf_getdata(scn, NULL) : NULL;
	if (!data || !sh.sh_entsize) {
		*err = xasprintf("'%s' has no symbol table", path);
		goto fail;
	}
	for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
		GElf_Sym sym;
		const char *name;
		uint64_t off;

		if (!gelf_getsym(data, i, &sym) ||
		    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name || fnmatch(pattern, name, 0) != 0 ||
		    seen_addr(out, first, sym.st_value) ||
		    !elf_addr_offset(elf, sym.st_value, &off))
			continue;
		struct elf_func *f = xmalloc(sizeof(*f));
		f->name = xstrdup(name);
		f->addr = sym.st_value;
		f->offset = off;
		vec_push(out, f);
	}
	elf_close(elf, fd);
	return true;
fail:
	elf_close(elf, fd);
	return false;
}
