/*
 * The module cache: a module is named after a hash of everything that
 * goes into it (the generated C, the runtime's files, the kernel, the
 * control protocol version), and kept under <cache>/modules/<release>/
 * so that running the same script again skips pass 4.  -k never uses
 * it: the user asked for the build directory.  --poison-cache never
 * reads it, --disable-cache swaps it for a temporary one, --clean-cache
 * empties it.
 *
 * The module pass 4 hands on is one that outlives stap: the cached
 * copy, or with -m (as upstream) a copy NAME.ko in the current
 * directory, which -p4 then prints.
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
#include "ctl_proto.h"

/* Folds the name and contents of every file under dir into h: contents,
 * not mtimes, so that another checkout of the same sources (a fresh
 * clone, CI) finds the modules an earlier one built. */
static uint64_t hash_tree(const char *dir, uint64_t h)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (name[0] != '.') {
			char *path = xasprintf("%s/%s", dir, name);
			struct stat st;
			if (stat(path, &st) == 0) {
				if (S_ISDIR(st.st_mode)) {
					h = hash_tree(path, h);
				} else {
					size_t len = 0;
					char *data = read_file(path, &len);

					h = hash_bytes(name, strlen(name), h);
					h = hash_bytes(data ? data : "", len, h);
					free(data);
				}
			}
			free(path);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return h;
}

static uint64_t source_hash(struct session *s)
{
	uint64_t h = hash_bytes(s->c_source, strlen(s->c_source), 0);
	h = hash_bytes(s->kernel_release, strlen(s->kernel_release), h);
	h = hash_bytes(STAP_VERSION, strlen(STAP_VERSION), h);
	int ctl_version = STAP_CTL_PROTO_VERSION;	/* kbuild.c's -D */
	h = hash_bytes(&ctl_version, sizeof(ctl_version), h);
	return hash_tree(s->runtime_dir, h);
}

/* "stap_<hash>": computed once, as it reads every runtime file. */
static const char *source_key(struct session *s)
{
	if (!s->source_key)
		s->source_key = xasprintf("stap_%016llx",
					  (unsigned long long)source_hash(s));
	return s->source_key;
}

const char *module_name_for(struct session *s)
{
	if (!s->module_name)
		s->module_name = source_key(s);
	return s->module_name;
}

/* A module named by -m keeps its name (the kernel and staprun know it
 * by it) in a directory named after the hash, so that another script
 * built under the same name never finds it. */
static char *cache_path(struct session *s)
{
	const char *name = module_name_for(s), *hashed = source_key(s);
	char *p = strcmp(name, hashed) == 0
		? xasprintf("%s/modules/%s/%s.ko", s->cache_dir,
			    s->kernel_release, name)
		: xasprintf("%s/modules/%s/%s/%s.ko", s->cache_dir,
			    s->kernel_release, hashed, name);
	return p;
}

char *cache_lookup(struct session *s)
{
	/* -k: the build is what the user wants */
	if (s->keep_tmpdir || s->poison_cache)
		return NULL;
	char *p = cache_path(s);
	if (access(p, R_OK) == 0)
		return p;
	free(p);
	return NULL;
}

/* Copies the built module into the cache and returns where, or NULL: a
 * failure only costs speed. */
char *cache_store(struct session *s)
{
	char *dst = cache_path(s);
	char *dir = xstrdup(dst);
	*strrchr(dir, '/') = '\0';
	size_t len;
	char *data = read_file(s->module_path, &len);
	bool ok = data && mkdir_p(dir) && write_file_atomic(dst, data, len);
	free(data);
	free(dir);
	if (!ok) {
		free(dst);
		return NULL;
	}
	return dst;
}

/* Whether pass 4 builds for more than one kernel (each in a child, all
 * under one module name). */
static bool several_kernels(const struct session *s)
{
	for (size_t i = 1; i < s->remote_releases.len; i++)
		if (strcmp(vec_at(&s->remote_releases, i),
			   vec_at(&s->remote_releases, 0)) != 0)
			return true;
	return false;
}

/* -m NAME (or -p4 with a cache that goes away): NAME.ko in the current
 * directory, which -p4 prints.  False after saying why not. */
static bool save_module(struct session *s)
{
	if (!(s->module_named || (s->disable_cache && s->last_pass == 4)) ||
	    several_kernels(s))
		return true;
	char *dst = xasprintf("%s.ko", module_name_for(s));
	size_t len;
	char *data = read_file(s->module_path, &len);
	bool ok = data && write_file_atomic(dst, data, len);
	free(data);
	if (!ok) {
		fatal_msg("cannot copy the module to %s in the current "
			  "directory", dst);
		free(dst);
		return false;
	}
	if (s->last_pass == 4) {
		free(s->module_path);
		s->module_path = dst;
	} else {
		free(dst);
	}
	return true;
}

bool module_for_source(struct session *s, bool *cached)
{
	s->module_path = cache_lookup(s);
	*cached = s->module_path != NULL;
	if (!*cached) {
		if (!session_make_tmpdir(s) || !build_module(s))
			return false;
		/* the temporary directory goes away, the cache stays */
		char *stored = cache_store(s);
		if (stored && !s->keep_tmpdir && !s->disable_cache) {
			free(s->module_path);
			s->module_path = stored;
		} else {
			free(stored);
		}
	}
	return save_module(s);
}

/* Removes what is under dir (not dir itself); false after saying why. */
static bool empty_dir(const char *dir)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	bool ok = true;

	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (strcmp(name, ".") && strcmp(name, "..")) {
			char *path = xasprintf("%s/%s", dir, name);
			char *argv[] = { "rm", "-rf", path, NULL };
			ok &= run_command(argv, "/dev/null") == 0;
			free(path);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	return ok;
}

int cache_options(struct session *s)
{
	if (s->clean_cache) {
		if (!empty_dir(s->cache_dir)) {
			fatal_msg("--clean-cache: cannot remove everything "
				  "under %s", s->cache_dir);
			return 1;
		}
		if (s->verbose)
			fprintf(stderr, "Cleaned the cache %s\n", s->cache_dir);
		return 0;
	}
	if (s->disable_cache) {
		char *dir = xstrdup("/tmp/stapcacheXXXXXX");
		if (!mkdtemp(dir)) {
			fatal_msg("cannot create a temporary directory in /tmp");
			return 1;
		}
		vec_push(&s->kernel_tmpdirs, dir);	/* removed at the end */
		s->cache_dir = dir;
	}
	return -1;
}
