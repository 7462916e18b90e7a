/*
 * The dynamic loader's library search (elf_ldso.h): an object's
 * dynamic section (DT_NEEDED, DT_RPATH, DT_RUNPATH, read with libelf),
 * the search path strings with $ORIGIN expanded, and the loader's
 * cache, /etc/ld.so.cache (glibc's "glibc-ld.so.cache1.1" format: a
 * header, entries of flags/key/value, string offsets from the start of
 * the file), read once per run.  Without a cache, the directories of
 * /etc/ld.so.conf (and the files it includes) are searched instead.
 */
#define _GNU_SOURCE		/* memmem */
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "debuginfo/elf_ldso.h"

/* The loader's trusted directories, searched last. */
static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
	"/usr/lib64", "/lib", "/usr/lib", NULL,
};

/* s with $ORIGIN and ${ORIGIN} replaced by dir. */
static char *expand_origin(const char *s, const char *dir)
{
	size_t cap = strlen(s) * 2 + strlen(dir) * 4 + 1, n = 0;
	char *out = xmalloc(cap);

	while (*s) {
		size_t skip = !strncmp(s, "${ORIGIN}", 9) ? 9 :
			      !strncmp(s, "$ORIGIN", 7) ? 7 : 0;
		if (skip) {
			size_t l = strlen(dir);

			if (n + l + strlen(s) + 1 > cap) {
				cap = (n + l + strlen(s)) * 2 + 1;
				out = xrealloc(out, cap);
			}
			memcpy(out + n, dir, l);
			n += l;
			s += skip;
		} else {
			out[n++] = *s++;
		}
	}
	out[n] = 0;
	return out;
}

bool elf_dyn_read(const char *path, struct elf_dyn *d)
{
	char buf[PATH_MAX];
	int fd;
	Elf *elf;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	memset(d, 0, sizeof(*d));
	if (!realpath(path, buf))
		return false;
	d->path = xstrdup(buf);
	elf_version(EV_CURRENT);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	*strrchr(buf, '/') = 0;		/* the $ORIGIN */
	while (elf && (scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize;
		     i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(data, (int)i, &dyn) ||
			    !(s = elf_strptr(elf, sh.sh_link, dyn.d_un.d_val)))
				continue;
			if (dyn.d_tag == DT_NEEDED)
				vec_push(&d->needed, xstrdup(s));
			else if (dyn.d_tag == DT_RPATH && !d->rpath)
				d->rpath = expand_origin(s, buf[0] ? buf : "/");
			else if (dyn.d_tag == DT_RUNPATH && !d->runpath)
				d->runpath = expand_origin(s, buf[0] ? buf : "/");
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return elf != NULL;
}

void elf_dyn_free(struct elf_dyn *d)
{
	for (size_t i = 0; i < d->needed.len; i++)
		free(vec_at(&d->needed, i));
	vec_free(&d->needed);
	free(d->path);
	free(d->rpath);
	free(d->runpath);
	memset(d, 0, sizeof(*d));
}

/* The real path of dir/soname, or NULL. */
static char *in_dir(const char *dir, size_t len, const char *soname)
{
	char buf[PATH_MAX];
	char *cand = xasprintf("%.*s/%s", (int)len, len ? dir : ".", soname);
	bool ok = realpath(cand, buf) != NULL;

	free(cand);
	return ok ? xstrdup(buf) : NULL;
}

/* soname in the ':'-separated directories of list, or NULL. */
static char *in_list(const char *list, const char *soname)
{
	while (list && *list) {
		size_t n = strcspn(list, ":");
		char *r = in_dir(list, n, soname);

		if (r)
			return r;
		list += n + (list[n] == ':');
	}
	return NULL;
}

/* ---- /etc/ld.so.cache ------------------------------------------------ */

#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define FLAG_ELF_LIBC6 0x0003
#define FLAG_X8664_LIB64 0x0300

struct cache_header {
	char magic[20];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags, pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct cache_entry {
	int32_t flags;
	uint32_t key, value;	/* offsets of the soname and the path */
	uint32_t osversion;
	uint64_t hwcap;
};

/* The cache: soname -> path of the x86-64 entries, first one wins. */
static struct hash cache;
static bool cache_loaded, cache_found;

static void load_cache(void)
{
	FILE *f;
	char *buf = NULL;
	long size;
	const struct cache_header *h;
	size_t off;

	if (cache_loaded)
		return;
	cache_loaded = true;
	f = fopen("/etc/ld.so.cache", "rb");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < (long)sizeof(*h) ||
	    fseek(f, 0, SEEK_SET) || !(buf = xmalloc(size + 1)) ||
	    fread(buf, 1, size, f) != (size_t)size)
		goto out;
	buf[size] = 0;
	/* an old-format cache may come first; the new one follows it */
	off = 0;
	if (memcmp(buf, CACHE_MAGIC, 20)) {
		char *p = memmem(buf, size, CACHE_MAGIC, 20);
		if (!p)
			goto out;
		off = p - buf;
	}
	h = (const struct cache_header *)(buf + off);
	if (off + sizeof(*h) + (size_t)h->nlibs * sizeof(struct cache_entry)
	    > (size_t)size)
		goto out;
	cache_found = true;
	for (uint32_t i = 0; i < h->nlibs; i++) {
		const struct cache_entry *e =
			(const struct cache_entry *)(h + 1) + i;

		if ((e->flags & 0xff) != FLAG_ELF_LIBC6 ||
		    (e->flags & 0xff00) != FLAG_X8664_LIB64 ||
		    e->key >= (uint32_t)size || e->value >= (uint32_t)size ||
		    hash_get(&cache, buf + e->key))
			continue;
		hash_put(&cache, xstrdup(buf + e->key),
			 xstrdup(buf + e->value));
	}
out:
	free(buf);
	fclose(f);
}

/* ---- /etc/ld.so.conf, without a cache -------------------------------- */

static void conf_read(const char *path, struct vec *dirs, int depth);

static void conf_include(const char *pattern, struct vec *dirs, int depth)
{
	glob_t g;

	if (glob(pattern, 0, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		conf_read(g.gl_pathv[i], dirs, depth + 1);
	globfree(&g);
}

static void conf_read(const char *path, struct vec *dirs, int depth)
{
	char line[PATH_MAX];
	FILE *f = depth < 8 ? fopen(path, "r") : NULL;

	while (f && fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		line[strcspn(line, "#\n")] = 0;
		s += strspn(s, " \t");
		for (e = s + strlen(s); e > s && strchr(" \t", e[-1]); e--)
			;
		*e = 0;
		if (!*s)
			continue;
		if (!strncmp(s, "include", 7) && strchr(" \t", s[7]))
			conf_include(s + 8 + strspn(s + 8, " \t"), dirs,
				     depth);
		else if (*s == '/')
			vec_push(dirs, xstrdup(s));
	}
	if (f)
		fclose(f);
}

static char *in_conf(const char *soname)
{
	static struct vec dirs;
	static bool read;

	if (!read) {
		read = true;
		conf_read("/etc/ld.so.conf", &dirs, 0);
	}
	for (size_t i = 0; i < dirs.len; i++) {
		const char *d = vec_at(&dirs, i);
		char *r = in_dir(d, strlen(d), soname);

		if (r)
			return r;
	}
	return NULL;
}

/* ---- the search ------------------------------------------------------ */

char *elf_ldso_find(const char *soname, const struct elf_dyn *d,
		    const struct elf_dyn *prog)
{
	char buf[PATH_MAX];
	const char *cached;
	char *r;

	if (strchr(soname, '/'))
		return realpath(soname, buf) ? xstrdup(buf) : NULL;
	if (!d->runpath) {
		if ((r = in_list(d->rpath, soname)))
			return r;
		if (prog && prog != d && !prog->runpath &&
		    (r = in_list(prog->rpath, soname)))
			return r;
	}
	if ((r = in_list(d->runpath, soname)))
		return r;
	load_cache();
	if ((cached = hash_get(&cache, soname)) && realpath(cached, buf))
		return xstrdup(buf);
	if (!cache_found && (r = in_conf(soname)))
		return r;
	for (size_t i = 0; default_dirs[i]; i++)
		if ((r = in_dir(default_dirs[i], strlen(default_dirs[i]),
				soname)))
			return r;
	return NULL;
}
