/*
 * The DWARF index (dwarf_index.h): building it from a debuginfo file
 * with libdwfl/libdw, caching it per build-id, loading it with mmap,
 * and the line-table lookups kernel.statement makes.
 *
 * Building walks every compilation unit once, descending only into
 * functions, lexical blocks and inlined copies (types and variables are
 * skipped whole), and maps each entry address to a symbol + offset with
 * the file's own symbol table: a symbol whose name is unique in the
 * file, else (several static functions of one name) the text section's
 * start symbol for vmlinux (_stext).  The entries are then sorted by
 * name and written with their strings as one file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include "dwarf_index.h"

#define DWX_MAGIC "stap-dwarf-index 7\n"
#define DWX_MAGIC_LEN 20

/* The cache file's header; entries and strings follow. */
struct dwx_header {
	char magic[DWX_MAGIC_LEN];
	uint32_t nentries;
	uint32_t strings_len;
};

struct dwx_index {
	char *path, *build_id;
	const struct dwx_header *hdr;
	const struct dwx_entry *entries;
	const char *strings;
	size_t map_len;
	void *map;		/* the mmapped cache file, or malloc'd */
	bool built;
	Dwfl *dwfl;		/* opened on demand */
	Dwfl_Module *mod;	/* the file, reported to dwfl */
	Dwarf *dbg;
	Dwarf_Addr bias;
};

/* ---- building ---- */

/* A function symbol of the file: address, size, name, whether the
 * name occurs once. */
struct fsym {
	uint64_t addr, size;
	const char *name;
	bool unique;
};

/* What one build collects. */
struct builder {
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct fsym *syms;
	size_t nsyms;
	struct hash exported;	/* names with a __ksymtab_ symbol */
	uint64_t init_lo, init_hi;	/* .init.text */
	const char *base_sym;	/* fallback symbol: "_stext" */
	uint64_t base_addr;
	bool have_base;
	struct strbuf strings;
	struct hash string_offs;	/* interned: string -> offset + 1 */
	struct dwx_entry *entries;
	size_t n, cap;
	const char *comp_dir;
	uint64_t cu;
};

static uint32_t intern(struct builder *b, const char *s)
{
	uintptr_t off = (uintptr_t)hash_get(&b->string_offs, s);

	if (off)
		return (uint32_t)(off - 1);
	off = b->strings.len;
	sb_add(&b->strings, s, strlen(s) + 1);
	hash_put(&b->string_offs, xstrdup(s), (void *)(off + 1));
	return (uint32_t)off;
}

static int by_addr(const void *a, const void *b)
{
	const struct fsym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int by_sym_name(const void *a, const void *b)
{
	return strcmp((*(const struct fsym *const *)a)->name,
		      (*(const struct fsym *const *)b)->name);
}

/* The file's function symbols, sorted by address, with uniqueness. */
static void load_symbols(struct builder *b)
{
	int n = dwfl_module_getsymtab(b->mod);
	struct fsym **byname;

	b->syms = xcalloc(n > 0 ? n : 1, sizeof(*b->syms));
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(b->mod, i, &sym,
							   &addr, NULL, NULL,
							   NULL);
		if (!name || !*name)
			continue;
		if (strncmp(name, "__ksymtab_", 10) == 0)
			hash_put(&b->exported, name + 10, (void *)1);
		if (strcmp(name, "_stext") == 0) {
			b->base_sym = "_stext";
			b->base_addr = addr;
			b->have_base = true;
		}
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_shndx)
			continue;
		b->syms[b->nsyms++] = (struct fsym){ addr, sym.st_size, name,
						     true };
	}
	qsort(b->syms, b->nsyms, sizeof(*b->syms), by_addr);
	byname = xcalloc(b->nsyms ? b->nsyms : 1, sizeof(*byname));
	for (size_t i = 0; i < b->nsyms; i++)
		byname[i] = &b->syms[i];
	qsort(byname, b->nsyms, sizeof(*byname), by_sym_name);
	for (size_t i = 1; i < b->nsyms; i++)
		if (strcmp(byname[i]->name, byname[i - 1]->name) == 0)
			byname[i]->unique = byname[i - 1]->unique = false;
	free(byname);
}

/* .init.text's range, in the module's addresses. */
static void load_init_text(struct builder *b)
{
	GElf_Addr bias;
	Elf *elf = dwfl_module_getelf(b->mod, &bias);
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, ".init.text") == 0) {
			b->init_lo = sh.sh_addr + bias;
			b->init_hi = b->init_lo + sh.sh_size;
		}
	}
}

/* The symbol covering addr (module addresses): the last one at or
 * below it whose size reaches it. */
static const struct fsym *symbol_at(const struct builder *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nsyms;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (b->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct fsym *s = &b->syms[--lo];
		if (addr < s->addr + (s->size ? s->size : 1))
			return s;
		if (s->size && s->addr + s->size <= addr)
			return NULL;
	}
	return NULL;
}

/* Upstream prints declaration files relative to the build directory
 * when it is absolute, and as the DWARF names them when it is not: a
 * relative DW_AT_comp_dir ("./malloc" in glibc) already prefixes the
 * file ("./malloc/malloc.c"), which must not lose it. */
static const char *relative_file(const struct builder *b, const char *f)
{
	size_t n = b->comp_dir ? strlen(b->comp_dir) : 0;

	if (!f)
		return "";
	if (!n || b->comp_dir[0] != '/')
		return f;
	if (strncmp(f, b->comp_dir, n) == 0 && f[n] == '/')
		f += n + 1;
	while (f[0] == '.' && f[1] == '/')
		f += 2;
	return f;
}

static void add_entry(struct builder *b, Dwarf_Die *die, enum dwx_kind kind,
		      const char *name, const char *func, uint64_t pc)
{
	struct dwx_entry *e;
	int line = 0;
	uint64_t addr = pc + b->bias;
	const struct fsym *s;
	Dwarf_Attribute attr;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 65536;
		b->entries = xrealloc(b->entries, b->cap * sizeof(*e));
	}
	e = &b->entries[b->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->name = intern(b, name);
	e->func = intern(b, func ? func : "");
	e->file = intern(b, relative_file(b, dwarf_decl_file(die)));
	dwarf_decl_line(die, &line);
	e->line = (uint32_t)line;
	e->die = dwarf_dieoffset(die);
	e->cu = b->cu;
	e->pc = pc;
	if (dwarf_attr_integrate(die, DW_AT_external, &attr))
		e->flags |= DWX_EXTERNAL;
	if (addr >= b->init_lo && addr < b->init_hi)
		e->flags |= DWX_INIT;
	if (kind == DWX_FUNC && hash_get(&b->exported, name))
		e->flags |= DWX_EXPORTED;
	s = symbol_at(b, addr);
	if (s && s->unique) {
		e->sym = intern(b, s->name);
		e->sym_off = addr - s->addr;
	} else if (b->have_base && (!s || addr >= b->base_addr)) {
		e->sym = intern(b, b->base_sym);
		e->sym_off = addr - b->base_addr;
	} else if (s) {
		e->sym = intern(b, s->name);	/* the kernel picks one */
		e->sym_off = addr - s->addr;
	} else {
		e->sym = intern(b, "");
		e->flags |= DWX_NOSYM;
	}
}

static void walk_children(struct builder *b, Dwarf_Die *parent,
			  const char *func);

/* A symbol gcc gives the part of a function it moved out of line
 * (`kbd_event.cold`): never the function's entry. */
static int cold_part(const struct builder *b, Dwarf_Addr pc)
{
	const struct fsym *s = symbol_at(b, pc + b->bias);
	size_t n = s ? strlen(s->name) : 0;

	return n > 5 && strcmp(s->name + n - 5, ".cold") == 0;
}

/* The entry of a concrete function: its entry or low pc, or, for one
 * gcc split into hot and cold parts (DW_AT_ranges, no DW_AT_low_pc),
 * the start of the range that is not the cold part.  False for a
 * function with no code. */
static int func_entry(const struct builder *b, Dwarf_Die *die,
		      Dwarf_Addr *pc)
{
	Dwarf_Addr base, lo, hi, first = 0;
	ptrdiff_t off = 0;

	if (dwarf_hasattr(die, DW_AT_low_pc))
		return dwarf_entrypc(die, pc) == 0 && *pc;
	if (!dwarf_hasattr(die, DW_AT_ranges))
		return 0;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (!lo)
			continue;
		if (!first)
			first = lo;
		if (!cold_part(b, lo)) {
			*pc = lo;
			return 1;
		}
	}
	*pc = first;
	return first != 0;
}

/* One DIE inside a CU: functions, their inlined copies and labels. */
static void walk_die(struct builder *b, Dwarf_Die *die, const char *func)
{
	Dwarf_Attribute attr;
	Dwarf_Addr pc;
	const char *name;

	switch (dwarf_tag(die)) {
	case DW_TAG_subprogram:
		if (dwarf_hasattr(die, DW_AT_declaration))
			return;
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name,
							     &attr));
		if (name && func_entry(b, die, &pc))
			add_entry(b, die, DWX_FUNC, name, NULL, pc);
		if (name && dwarf_haschildren(die))
			walk_children(b, die, name);
		return;
	case DW_TAG_inlined_subroutine:
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name,
							     &attr));
		if (name && dwarf_entrypc(die, &pc) == 0 && pc)
			add_entry(b, die, DWX_INLINE, name, func, pc);
		walk_children(b, die, name);	/* its labels are its own */
		return;
	case DW_TAG_lexical_block:
		walk_children(b, die, func);
		return;
	case DW_TAG_label:	/* a concrete copy names it by its origin */
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name,
							     &attr));
		if (name && func && dwarf_lowpc(die, &pc) == 0 && pc)
			add_entry(b, die, DWX_LABEL, name, func, pc);
		return;
	default:
		return;
	}
}

static void walk_children(struct builder *b, Dwarf_Die *parent,
			  const char *func)
{
	Dwarf_Die child;

	if (dwarf_child(parent, &child) != 0)
		return;
	do
		walk_die(b, &child, func);
	while (dwarf_siblingof(&child, &child) == 0);
}

/* Every CU of dbg. */
static void walk_units(struct builder *b, Dwarf *dbg)
{
	Dwarf_Off off = 0, next;
	size_t hsize;

	while (dwarf_nextcu(dbg, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Attribute attr;

		if (dwarf_offdie(dbg, off + hsize, &cu)) {
			b->cu = dwarf_dieoffset(&cu);
			b->comp_dir = dwarf_formstring(dwarf_attr(&cu,
							DW_AT_comp_dir, &attr));
			walk_children(b, &cu, NULL);
		}
		off = next;
	}
}

static struct builder *builder_new(Dwfl_Module *mod, Dwarf_Addr bias)
{
	struct builder *b = xcalloc(1, sizeof(*b));

	b->mod = mod;
	b->bias = bias;
	b->init_lo = b->init_hi = 0;
	intern(b, "");
	load_symbols(b);
	load_init_text(b);
	return b;
}

static const char *sort_strings;	/* entry_cmp's: qsort has no context */

static int entry_cmp(const void *a, const void *b)
{
	const struct dwx_entry *x = a, *y = b;
	int c = strcmp(sort_strings + x->name, sort_strings + y->name);

	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(sort_strings + x->file, sort_strings + y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* The cache file's bytes for b. */
static char *serialize(struct builder *b, size_t *len)
{
	struct dwx_header h = {0};
	char *buf;
	size_t elen = b->n * sizeof(struct dwx_entry);

	sort_strings = b->strings.buf;
	qsort(b->entries, b->n, sizeof(*b->entries), entry_cmp);
	memcpy(h.magic, DWX_MAGIC, sizeof(DWX_MAGIC));
	h.nentries = (uint32_t)b->n;
	h.strings_len = (uint32_t)b->strings.len;
	*len = sizeof(h) + elen + b->strings.len;
	buf = xmalloc(*len);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), b->entries, elen);
	memcpy(buf + sizeof(h) + elen, b->strings.buf, b->strings.len);
	return buf;
}

static void builder_free(struct builder *b)
{
	for (size_t i = 0; i < b->string_offs.cap; i++)
		if (b->string_offs.keys && b->string_offs.keys[i])
			free((char *)b->string_offs.keys[i]);
	hash_free(&b->string_offs);
	hash_free(&b->exported);
	sb_free(&b->strings);
	free(b->entries);
	free(b->syms);
	free(b);
}

/* ---- opening ---- */

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.find_elf = dwfl_build_id_find_elf,
};

/* Reports path alone to a new Dwfl; the module, or NULL. */
static Dwfl_Module *report_file(struct dwx_index *x, char **why)
{
	Dwfl_Module *mod;

	x->dwfl = dwfl_begin(&offline_callbacks);
	if (!x->dwfl) {
		*why = xasprintf("libdwfl: %s", dwfl_errmsg(-1));
		return NULL;
	}
	dwfl_report_begin(x->dwfl);
	mod = dwfl_report_offline(x->dwfl, "debuginfo", x->path, -1);
	dwfl_report_end(x->dwfl, NULL, NULL);
	if (!mod)
		*why = xasprintf("cannot read %s: %s", x->path,
				 dwfl_errmsg(-1));
	return mod;
}

/* The build-id of the file, in hex, or NULL. */
static char *build_id_of(Dwfl_Module *mod)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	char *hex;

	if (n <= 0)
		return NULL;
	hex = xmalloc(2 * n + 1);
	for (int i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", bits[i]);
	return hex;
}

static bool map_cache(struct dwx_index *x, const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p;
	const struct dwx_header *h;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*h)) {
		close(fd);
		return false;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return false;
	h = p;
	if (memcmp(h->magic, DWX_MAGIC, sizeof(DWX_MAGIC)) != 0 ||
	    sizeof(*h) + (size_t)h->nentries * sizeof(struct dwx_entry) +
	    h->strings_len != (size_t)st.st_size) {
		munmap(p, st.st_size);
		return false;
	}
	x->map = p;
	x->map_len = st.st_size;
	x->hdr = h;
	x->entries = (const void *)(h + 1);
	x->strings = (const char *)(x->entries + h->nentries);
	return true;
}

static bool build(struct dwx_index *x, Dwfl_Module *mod, const char *file,
		  char **why)
{
	Dwarf *dbg = dwfl_module_getdwarf(mod, &x->bias);
	struct builder *b;
	size_t len;
	char *data;

	if (!dbg) {
		*why = xasprintf("%s has no DWARF: %s", x->path,
				 dwfl_errmsg(-1));
		return false;
	}
	x->dbg = dbg;
	b = builder_new(mod, x->bias);
	walk_units(b, dbg);
	data = serialize(b, &len);
	builder_free(b);
	if (!write_file_atomic(file, data, len) || !map_cache(x, file)) {
		/* no cache (read-only?): keep it in memory */
		const struct dwx_header *h = (const void *)data;
		x->map = data;
		x->hdr = h;
		x->entries = (const void *)(h + 1);
		x->strings = (const char *)(x->entries + h->nentries);
	} else {
		free(data);
	}
	x->built = true;
	return true;
}

struct dwx_index *dwx_open(struct session *s, const char *path, char **why)
{
	struct dwx_index *x = xcalloc(1, sizeof(*x));
	Dwfl_Module *mod;
	char *dir, *file;
	bool ok;

	x->path = xstrdup(path);
	x->mod = mod = report_file(x, why);
	if (!mod)
		goto fail;
	x->build_id = build_id_of(mod);
	if (!x->build_id) {
		*why = xasprintf("%s has no build-id", path);
		goto fail;
	}
	dir = xasprintf("%s/dwarf", s->cache_dir);
	mkdir_p(dir);
	file = xasprintf("%s/%s.idx", dir, x->build_id);
	ok = map_cache(x, file) || build(x, mod, file, why);
	free(file);
	free(dir);
	if (ok)
		return x;
fail:
	if (x->dwfl)
		dwfl_end(x->dwfl);
	free(x->path);
	free(x);
	return NULL;
}

size_t dwx_count(const struct dwx_index *x)
{
	return x->hdr->nentries;
}

const struct dwx_entry *dwx_at(const struct dwx_index *x, size_t i)
{
	return &x->entries[i];
}

const char *dwx_str(const struct dwx_index *x, uint32_t off)
{
	return off < x->hdr->strings_len ? x->strings + off : "";
}

size_t dwx_find(const struct dwx_index *x, const char *name)
{
	size_t lo = 0, hi = x->hdr->nentries;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(x->strings + x->entries[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->hdr->nentries &&
	    strcmp(x->strings + x->entries[lo].name, name) == 0)
		return lo;
	return x->hdr->nentries;
}

Dwarf *dwx_dwarf(struct dwx_index *x)
{
	if (!x->dbg && x->mod)
		x->dbg = dwfl_module_getdwarf(x->mod, &x->bias);
	return x->dbg;
}

const char *dwx_build_id(const struct dwx_index *x)
{
	return x->build_id;
}

const char *dwx_path(const struct dwx_index *x)
{
	return x->path;
}

bool dwx_was_built(const struct dwx_index *x)
{
	return x->built;
}

/* Whether path names file: equal, or ending in "/file". */
static bool file_matches(const char *path, const char *file)
{
	size_t n = strlen(path), m = strlen(file);

	if (n < m || strcmp(path + n - m, file) != 0)
		return false;
	return n == m || path[n - m - 1] == '/';
}

bool dwx_lines(struct dwx_index *x, uint64_t cu_off, const char *file,
	       uint32_t lo, uint32_t hi, struct vec *out)
{
	Dwarf *dbg = dwx_dwarf(x);
	Dwarf_Die cu;
	Dwarf_Lines *lines;
	size_t n;

	if (!dbg || !dwarf_offdie(dbg, cu_off, &cu) ||
	    dwarf_getsrclines(&cu, &lines, &n) != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		const char *src = dwarf_linesrc(l, NULL, NULL);
		int line;
		bool end;
		Dwarf_Addr addr;

		if (!src || !file_matches(src, file) || dwarf_lineno(l, &line) ||
		    dwarf_lineendsequence(l, &end) || end ||
		    dwarf_lineaddr(l, &addr))
			continue;
		if ((uint32_t)line < lo || (uint32_t)line > hi)
			continue;
		struct dwx_line *r = xmalloc(sizeof(*r));
		r->line = (uint32_t)line;
		r->pc = addr;
		vec_push(out, r);
	}
	return true;
}

uint64_t dwx_prologue_end(struct dwx_index *x, uint64_t cu_off, uint64_t pc)
{
	Dwarf *dbg = dwx_dwarf(x);
	Dwarf_Die cu;
	Dwarf_Lines *lines;
	size_t n;
	int entry_line = -1;

	if (!dbg || !dwarf_offdie(dbg, cu_off, &cu) ||
	    dwarf_getsrclines(&cu, &lines, &n) != 0)
		return pc;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		int line;
		bool stmt, pe = false, end;

		if (dwarf_lineaddr(l, &addr) || dwarf_lineno(l, &line) ||
		    dwarf_lineendsequence(l, &end))
			continue;
		if (addr == pc && entry_line < 0) {
			entry_line = line;
			continue;
		}
		if (entry_line < 0 || addr <= pc)
			continue;
		if (end || addr - pc > 256)	/* left the function */
			return pc;
		dwarf_lineprologueend(l, &pe);
		dwarf_linebeginstatement(l, &stmt);
		if (pe || (stmt && line != entry_line))
			return addr;
	}
	return pc;
}
