/*
 * The DWARF of the target kernel or of one of its modules, for the
 * users that are not probe points (@var, @cast): found where
 * dwarf_find.h looks, opened through its index (dwarf_index.h) once per
 * run; and a user-space program's or library's, found by libdwfl (its
 * own, its .gnu_debuglink's or its build-id's file).
 */
#include <limits.h>
#include <stdlib.h>
#include "dwarf_find.h"
#include "dwarf_index.h"
#include "dwarf_types.h"
#include "dwarf_vars.h"
#include "session.h"

Dwarf *dwarf_target_dbg(struct session *s, const char *module, char **why)
{
	static struct hash opened;	/* module or "" -> struct dwx_index * */
	const char *key = module ? module : "";
	struct dwx_index *x = hash_get(&opened, key);

	*why = NULL;
	dwarf_types_cache(s->cache_dir);
	if (!x) {
		char *path = dwarf_find_debuginfo(s, module, why);
		if (!path)
			return NULL;
		x = dwx_open(s, path, why);
		free(path);
		if (!x)
			return NULL;
		hash_put(&opened, xstrdup(key), x);
	}
	return dwx_dwarf(x);
}

Dwarf *dwarf_user_dbg(struct session *s, const char *path,
		      const char **file, char **why)
{
	static struct hash opened;	/* real path -> struct dwx_index * */
	static struct hash names;	/* real path -> itself, kept */
	char real[PATH_MAX];
	struct dwx_index *x;

	*why = NULL;
	dwarf_types_cache(s->cache_dir);
	if (!realpath(path, real)) {
		*why = xasprintf("cannot find '%s'", path);
		return NULL;
	}
	x = hash_get(&opened, real);
	if (!x) {
		x = dwx_open(s, real, why);
		if (!x)
			return NULL;
		hash_put(&opened, xstrdup(real), x);
		hash_put(&names, xstrdup(real), xstrdup(real));
	}
	if (file)
		*file = hash_get(&names, real);
	return dwx_dwarf(x);
}
