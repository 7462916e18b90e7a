/*
 * Finding debuginfo files (dwarf_find.h).  The roots searched, in
 * order: / (the system's /usr/lib/debug), then stap-prep's cache, which
 * extracts the -dbg package's usr/lib/debug under <cache>/debuginfo/R/.
 * A module's file is found by walking lib/modules/R/ of each root (and
 * /lib/modules/R/ itself for modules built with their DWARF), the
 * name's '-' and '_' taken alike.
 */
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <gelf.h>
#include "dwarf_find.h"

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether the ELF file at path has a .debug_info section. */
static bool has_dwarf(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	bool found = false;

	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			found = name && (strcmp(name, ".debug_info") == 0 ||
					 strcmp(name, ".zdebug_info") == 0);
		}
	}
	elf_end(elf);
	close(fd);
	return found;
}

/* The roots that may hold usr/lib/debug: "" (the system) and the
 * cache's copy for the target release. */
static char *cache_root(struct session *s)
{
	return xasprintf("%s/debuginfo/%s", s->cache_dir, s->kernel_release);
}

/* The running kernel's build-id, from /sys/kernel/notes, in hex. */
static char *running_build_id(void)
{
	size_t len;
	char *notes = read_file("/sys/kernel/notes", &len);
	char *hex = NULL;
	size_t off = 0;

	while (notes && off + 12 <= len) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, notes + off, 4);
		memcpy(&descsz, notes + off + 4, 4);
		memcpy(&type, notes + off + 8, 4);
		size_t name_at = off + 12, desc_at = name_at + ((namesz + 3) & ~3u);
		if (desc_at + descsz > len)
			break;
		if (type == 3 && namesz == 4 &&
		    memcmp(notes + name_at, "GNU", 4) == 0) {
			hex = xmalloc(2 * descsz + 1);
			for (uint32_t i = 0; i < descsz; i++)
				sprintf(hex + 2 * i, "%02x",
					(unsigned char)notes[desc_at + i]);
			break;
		}
		off = desc_at + ((descsz + 3) & ~3u);
	}
	free(notes);
	return hex;
}

static bool is_running_kernel(struct session *s)
{
	struct utsname u;

	return uname(&u) == 0 && strcmp(u.release, s->kernel_release) == 0;
}

static char *find_vmlinux(struct session *s)
{
	const char *r = s->kernel_release;
	char *root = cache_root(s);
	char *cands[6] = {
		s->kernel_build_tree ? xasprintf("%s/vmlinux", s->kernel_build_tree) : NULL,
		xasprintf("/usr/lib/debug/boot/vmlinux-%s", r),
		xasprintf("/usr/lib/debug/lib/modules/%s/vmlinux", r),
		xasprintf("%s/usr/lib/debug/boot/vmlinux-%s", root, r),
		NULL, NULL,
	};
	char *found = NULL;

	if (is_running_kernel(s)) {
		char *id = running_build_id();
		if (id)
			cands[4] = xasprintf("/usr/lib/debug/.build-id/%.2s/%s.debug",
					     id, id + 2);
		free(id);
	}
	for (size_t i = 0; i < 6; i++) {
		if (!found && cands[i] && exists(cands[i]) && has_dwarf(cands[i]))
			found = cands[i];
		else
			free(cands[i]);
	}
	free(root);
	return found;
}

/* A module's name as the kernel keeps it: '-' is '_'. */
static char *module_key(const char *name, size_t n)
{
	char *k = xstrndup(name, n);

	for (char *p = k; *p; p++)
		if (*p == '-')
			*p = '_';
	return k;
}

char *dwarf_module_name(const char *module)
{
	const char *b = strrchr(module, '/');
	size_t n;

	b = b ? b + 1 : module;
	n = strlen(b);
	if (n > 3 && strcmp(b + n - 3, ".ko") == 0)
		n -= 3;
	return module_key(b, n);
}

/* Walks dir for NAME.ko files: calls fn(path, key, arg) for each. */
static void walk_modules(const char *dir,
			 void (*fn)(const char *path, const char *key, void *arg),
			 void *arg, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d || depth > 8) {
		if (d)
			closedir(d);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *path;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			walk_modules(path, fn, arg, depth + 1);
		else if (n > 3 && strcmp(de->d_name + n - 3, ".ko") == 0) {
			char *key = module_key(de->d_name, n - 3);
			fn(path, key, arg);
			free(key);
		}
		free(path);
	}
	closedir(d);
}

/* The directories that may hold module debuginfo, most specific first. */
static void module_dirs(struct session *s, struct vec *out)
{
	char *root = cache_root(s);

	vec_push(out, xasprintf("/usr/lib/debug/lib/modules/%s", s->kernel_release));
	vec_push(out, xasprintf("%s/usr/lib/debug/lib/modules/%s", root,
				s->kernel_release));
	vec_push(out, xasprintf("/lib/modules/%s", s->kernel_release));
	free(root);
}

struct module_search {
	const char *key;	/* what to find, or NULL: every match */
	const char *pattern;
	char *found;
	struct hash seen;
	struct vec *names;
};

static void match_module(const char *path, const char *key, void *arg)
{
	struct module_search *ms = arg;

	if (ms->key) {
		if (!ms->found && strcmp(key, ms->key) == 0 && has_dwarf(path))
			ms->found = xstrdup(path);
		return;
	}
	if (hash_get(&ms->seen, key) || fnmatch(ms->pattern, key, 0) != 0)
		return;
	if (!has_dwarf(path))
		return;
	char *k = xstrdup(key);
	hash_put(&ms->seen, k, k);
	vec_push(ms->names, k);
}

static char *prep_hint(struct session *s)
{
	return xasprintf("run 'stap-prep %s' to install it", s->kernel_release);
}

char *dwarf_find_debuginfo(struct session *s, const char *module, char **why)
{
	struct module_search ms = {0};
	struct vec dirs = {0};
	size_t n;

	if (!module) {
		char *f = find_vmlinux(s);
		if (!f) {
			char *hint = prep_hint(s);
			*why = xasprintf("no debuginfo for kernel %s (looked for "
					 "/usr/lib/debug/boot/vmlinux-%s and in "
					 "%s/debuginfo/%s/): %s", s->kernel_release,
					 s->kernel_release, s->cache_dir,
					 s->kernel_release, hint);
			free(hint);
		}
		return f;
	}
	n = strlen(module);
	if (strchr(module, '/') || (n > 3 && strcmp(module + n - 3, ".ko") == 0)) {
		if (exists(module) && has_dwarf(module))
			return xstrdup(module);
		*why = xasprintf("module file '%s' %s", module, exists(module) ?
				 "has no DWARF debuginfo" : "does not exist");
		return NULL;
	}
	ms.key = module_key(module, n);
	module_dirs(s, &dirs);
	for (size_t i = 0; i < dirs.len && !ms.found; i++)
		walk_modules(vec_at(&dirs, i), match_module, &ms, 0);
	for (size_t i = 0; i < dirs.len; i++)
		free(vec_at(&dirs, i));
	vec_free(&dirs);
	if (!ms.found) {
		char *hint = prep_hint(s);
		*why = xasprintf("no debuginfo for module '%s' of kernel %s: %s",
				 module, s->kernel_release, hint);
		free(hint);
	}
	free((char *)ms.key);
	return ms.found;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dwarf_find_modules(struct session *s, const char *pattern,
			struct vec *out)
{
	struct module_search ms = { .pattern = pattern, .names = out };
	struct vec dirs = {0};
	size_t first = out->len;

	module_dirs(s, &dirs);
	for (size_t i = 0; i < dirs.len; i++) {
		walk_modules(vec_at(&dirs, i), match_module, &ms, 0);
		free(vec_at(&dirs, i));
	}
	vec_free(&dirs);
	hash_free(&ms.seen);
	qsort(out->items + first, out->len - first, sizeof(void *), by_str);
}
