/*
 * The kernel feature probes: each runtime/compat/NAME.c is a tiny file
 * that compiles only if the target kernel has some API.  They are built
 * all at once against the build tree (make -k), and stap_compat.h gets a
 * STAP_HAVE_<NAME> for each one that compiled, which the runtime tests
 * instead of kernel version numbers.
 *
 * The header is cached as <cache>/compat/<release>-<key>.h, the key a
 * hash of the build tree's .config and Module.symvers and of the probes'
 * names and contents: a rebuilt tree, another tree with the same release
 * name, or a probe added to or changed in the runtime gets a new header.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kbuild.h"
#include "util/command.h"
#include "util/diag.h"

static bool is_probe_file(const char *name)
{
	size_t n = strlen(name);
	return n > 2 && name[0] != '.' && strcmp(name + n - 2, ".c") == 0;
}

/* The names of the feature probes in dir (char *, sorted). */
static struct vec probe_names(const char *dir)
{
	struct vec names = {0};
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (is_probe_file(list[i]->d_name))
			vec_push(&names, xstrdup(list[i]->d_name));
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return names;
}

static void free_names(struct vec *names)
{
	for (size_t i = 0; i < names->len; i++)
		free(vec_at(names, i));
	vec_free(names);
}

static char *upper(const char *s, size_t n)
{
	char *u = xstrndup(s, n);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	return u;
}

/* Copies the probes into <tmpdir>/compat with an empty Kbuild; returns
 * that directory. */
static char *copy_probes(struct session *s, const char *compat,
			 const struct vec *names)
{
	char *dir = xasprintf("%s/compat", s->tmpdir);

	mkdir(dir, 0755);
	for (size_t i = 0; i < names->len; i++) {
		const char *name = vec_at(names, i);
		char *src = xasprintf("%s/%s", compat, name);
		char *dst = xasprintf("%s/%s", dir, name);
		size_t len;
		char *text = read_file(src, &len);
		if (text)
			write_file(dst, text, len);
		free(text), free(src), free(dst);
	}
	char *kpath = xasprintf("%s/Kbuild", dir);
	write_file(kpath, "", 0);
	free(kpath);
	return dir;
}

/* make -k -C tree M=dir a.o b.o ... (a failed object is an answer). */
static void make_probes(struct session *s, const char *dir,
			const struct vec *names)
{
	struct vec argv = {0}, owned = {0};
	vec_push(&argv, "make");
	vec_push(&argv, "-k");
	vec_push(&argv, "-j2");
	vec_push(&owned, xasprintf("-C%s", s->kernel_build_tree));
	vec_push(&owned, xasprintf("M=%s", dir));
	for (size_t i = 0; i < names->len; i++) {
		char *o = xstrdup(vec_at(names, i));
		o[strlen(o) - 1] = 'o';
		vec_push(&owned, o);
	}
	for (size_t i = 0; i < owned.len; i++)
		vec_push(&argv, vec_at(&owned, i));
	vec_push(&argv, NULL);
	char *log = xasprintf("%s/compat.log", s->tmpdir);
	run_command((char *const *)argv.items, log);
	free(log);
	vec_free(&argv);
	free_names(&owned);
}

/* Builds every feature probe and writes the header with a
 * STAP_HAVE_<NAME> for each that compiled. */
static bool run_feature_probes(struct session *s, const char *compat,
			       const struct vec *names, const char *out_path)
{
	char *dir = copy_probes(s, compat, names);
	struct strbuf header = {0};

	make_probes(s, dir, names);
	sb_puts(&header, "/* Kernel features found by runtime/compat probes. */\n");
	for (size_t i = 0; i < names->len; i++) {
		const char *name = vec_at(names, i);
		char *o = xasprintf("%s/%.*s.o", dir, (int)strlen(name) - 2,
				    name);
		char *macro = upper(name, strlen(name) - 2);
		if (access(o, F_OK) == 0)
			sb_printf(&header, "#define STAP_HAVE_%s 1\n", macro);
		else
			sb_printf(&header, "/* no %s */\n", macro);
		free(o), free(macro);
	}
	bool ok = write_file(out_path, header.buf, header.len);
	sb_free(&header), free(dir);
	return ok;
}

/* Folds dir/name's name and contents (or its absence) into h. */
static uint64_t hash_file(const char *dir, const char *name, uint64_t h)
{
	char *path = xasprintf("%s/%s", dir, name);
	size_t len = 0;
	char *text = read_file(path, &len);
	uint64_t size = text ? len : UINT64_MAX;

	h = hash_bytes(name, strlen(name) + 1, h);
	h = hash_bytes(&size, sizeof(size), h);
	if (text)
		h = hash_bytes(text, len, h);
	free(text), free(path);
	return h;
}

/* Where the header for this build tree and these probes is cached. */
static char *cached_header_path(struct session *s, const char *compat,
				const struct vec *names)
{
	uint64_t h = hash_file(s->kernel_build_tree, ".config", 0);
	h = hash_file(s->kernel_build_tree, "Module.symvers", h);
	for (size_t i = 0; i < names->len; i++)
		h = hash_file(compat, vec_at(names, i), h);
	return xasprintf("%s/compat/%s-%016llx.h", s->cache_dir,
			 s->kernel_release, (unsigned long long)h);
}

bool compat_header(struct session *s)
{
	char *compat = xasprintf("%s/compat", s->runtime_dir);
	struct vec names = probe_names(compat);
	char *dst = xasprintf("%s/stap_compat.h", s->tmpdir);
	char *cached = cached_header_path(s, compat, &names);
	size_t len;
	char *text = s->poison_cache ? NULL : read_file(cached, &len);
	bool ok;

	if (text) {
		ok = write_file(dst, text, len);
	} else {
		ok = run_feature_probes(s, compat, &names, dst);
		text = ok ? read_file(dst, &len) : NULL;
		if (text) {	/* atomic: other staps may read it now */
			char *dir = xasprintf("%s/compat", s->cache_dir);
			mkdir_p(dir);
			write_file_atomic(cached, text, len);
			free(dir);
		}
	}
	free(text), free(cached), free(dst), free(compat);
	free_names(&names);
	return ok;
}
