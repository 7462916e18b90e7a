/*
 * process("PATH").library("LIB").function(...) / .statement(...): the
 * points of a shared library, hit only in the processes that run PATH.
 * LIB is a library's path (any file, needed by PATH or not), or a
 * shell pattern matched against the libraries PATH needs (its
 * DT_NEEDED entries and theirs, found as the dynamic loader finds
 * them: debuginfo/elf_ldso.h): their file names, sonames or whole
 * paths.  Each library
 * is expanded as process("LIB")'s point (process_places_expand: its
 * DWARF, else its symbol table) and written out as
 * process("PATH").library("/real/lib.so").function("NAME@FILE:LINE").
 */
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "process_dwarf.h"
#include "util/diag.h"
#include "debuginfo/elf_ldso.h"

static bool lib_matches(const char *pattern, const char *soname,
			const char *real)
{
	const char *base = strrchr(real, '/');

	return !fnmatch(pattern, soname, 0) || !fnmatch(pattern, real, 0) ||
	       (base && !fnmatch(pattern, base + 1, 0));
}

/* The libraries of prog that pattern names (char *, real paths, each
 * once): the needed ones, breadth first, each found as ld.so finds it
 * (debuginfo/elf_ldso.h: the needing object's RPATH or RUNPATH, the
 * program's RPATH, ld.so.cache, the default directories). */
static void libraries(const char *prog, const char *pattern, struct vec *out)
{
	struct vec todo = {0}, seen = {0};
	struct elf_dyn *pd = xcalloc(1, sizeof(*pd));
	char buf[PATH_MAX];

	if (strchr(pattern, '/') && !strpbrk(pattern, "*?[") &&
	    realpath(pattern, buf)) {
		vec_push(out, xstrdup(buf));
		free(pd);
		return;
	}
	if (!elf_dyn_read(prog, pd)) {
		elf_dyn_free(pd);
		free(pd);
		return;
	}
	vec_push(&todo, pd);
	for (size_t i = 0; i < todo.len && i < 256; i++) {
		struct elf_dyn *d = vec_at(&todo, i);

		for (size_t j = 0; j < d->needed.len; j++) {
			const char *so = vec_at(&d->needed, j);
			char *real = elf_ldso_find(so, d, pd);
			bool dup = false;

			for (size_t k = 0; real && k < seen.len && !dup; k++)
				dup = !strcmp(vec_at(&seen, k), real);
			if (!real || dup) {
				free(real);
				continue;
			}
			vec_push(&seen, real);
			if (lib_matches(pattern, so, real))
				vec_push(out, xstrdup(real));
			struct elf_dyn *nd = xcalloc(1, sizeof(*nd));
			if (elf_dyn_read(real, nd))
				vec_push(&todo, nd);
			else
				free(nd);
		}
	}
	for (size_t i = 0; i < todo.len; i++) {
		elf_dyn_free(vec_at(&todo, i));
		free(vec_at(&todo, i));
	}
	for (size_t k = 0; k < seen.len; k++)
		free(vec_at(&seen, k));
	vec_free(&todo);
	vec_free(&seen);
}

/* pp without its .library component, the library as its process. */
static struct probe_point *as_library(const struct probe_point *pp,
				      const char *lib)
{
	struct probe_point *np = xmalloc(sizeof(*np));

	*np = *pp;
	np->comps = (struct vec){0};
	for (size_t k = 0; k < pp->comps.len; k++)
		if (k != 1)
			vec_push(&np->comps, vec_at(&pp->comps, k));
	return process_point_with(np, 0, lib);
}

/* The written-out point of the user's pp for lib's written-out np. */
static struct probe_point *written_out(const struct probe_point *pp,
				       const char *prog, const char *lib,
				       const struct probe_point *np)
{
	struct probe_point *w = process_point_with(pp, 1, lib);

	w = process_point_with(w, 0, prog);
	for (size_t k = 2; k < w->comps.len; k++)
		w->comps.items[k] = vec_at(&np->comps, k - 1);
	w->from_wildcard = np->from_wildcard;
	return w;
}

bool process_library_expand(struct session *s, struct probe_point *pp,
			    const char *path, struct vec *out)
{
	struct pp_comp *l = pp_comp_at(pp, 1), *f = pp_comp_at(pp, 2);
	struct vec libs = {0};
	bool ok = true;

	if (!l->arg || l->arg->kind != E_STR || !l->arg->len) {
		diag_error(l->loc, ".library needs a library path or pattern "
			   "string, as in .library(\"libc.so*\")");
		return false;
	}
	if (!f || (strcmp(f->name, "function") && strcmp(f->name, "statement"))
	    || !f->arg || f->arg->kind != E_STR || !f->arg->len) {
		diag_error((f ? f : l)->loc, "expected .function(\"PATTERN\") "
			   "or .statement(\"PATTERN\") after .library(...)");
		return false;
	}
	libraries(path, l->arg->str, &libs);
	if (!libs.len && !pp_optional(pp)) {
		diag_error(l->arg->loc, "probe point mismatch: no library "
			   "matching '%s' is needed by %s (a library's path "
			   "names any)", l->arg->str, path);
		return false;
	}
	for (size_t i = 0; i < libs.len && ok; i++) {
		const char *lib = vec_at(&libs, i);
		struct vec made = {0};

		ok = process_places_expand(s, as_library(pp, lib), lib, &made);
		for (size_t k = 0; k < made.len; k++) {
			struct probe_point *np = vec_at(&made, k);
			struct probe_point *w = written_out(pp, path, lib, np);

			w->from_wildcard |= libs.len > 1;
			process_place_rebind(np, w, path);
			vec_push(out, w);
		}
		vec_free(&made);
	}
	vec_free(&libs);
	return ok;
}
