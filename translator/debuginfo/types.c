/*
 * Named types for @cast (types.h): the module string split into the
 * places to look, each looked up in its DWARF when the debuginfo is
 * installed (dwarf_vars.h), else in its BTF (the kernel's, or a
 * module's split over it); a user-space program's or library's path in
 * its DWARF.
 */
#include <stdlib.h>
#include <string.h>
#include "types.h"
#include "btf.h"
#include "dwarf_vars.h"

/* The type from the place's DWARF, when its debuginfo is installed:
 * DWARF goes first (it has every type, BTF only those the kernel
 * kept); without it, BTF. */
static const struct ctype *in_dwarf(struct session *s, const char *place,
				    const char *name)
{
	char *why;
	bool kernel = !strcmp(place, "kernel") || !*place;
	Dwarf *dbg = dwarf_target_dbg(s, kernel ? NULL : place, &why);

	free(why);
	return dbg ? dwarf_type_named(dbg, name) : NULL;
}

/* One place of a module string ("kernel<linux/fs.h>" -> "kernel"). */
static const struct ctype *in_place(struct session *s, const char *place,
				    const char *name, struct strbuf *why)
{
	struct kbtf *b;
	const struct ctype *t;

	if (target_type_user(place)) {
		char *w;
		Dwarf *dbg = dwarf_user_dbg(s, place, NULL, &w);

		if (dbg && (t = dwarf_type_named(dbg, name)))
			return t;
		sb_printf(why, "%s%s%s", why->len ? "; " : "",
			  dbg ? place : w, dbg ? "'s DWARF has no such type"
			  : "");
		free(w);
		return NULL;
	}
	if ((t = in_dwarf(s, place, name)))
		return t;
	if (!strcmp(place, "kernel") || !*place) {
		b = target_btf(s);
		if (!b) {
			sb_printf(why, "%sthe kernel's BTF is not available: "
				  "%s", why->len ? "; " : "",
				  btf_missing_reason(s));
			return NULL;
		}
	} else if (!(b = target_module_btf(s, place))) {
		sb_printf(why, "%smodule '%s' has no BTF in the target "
			  "(is it loaded?)", why->len ? "; " : "", place);
		return NULL;
	}
	if ((t = kbtf_type_named(b, name)))
		return t;
	sb_printf(why, "%s%s's BTF has no such type", why->len ? "; " : "",
		  !strcmp(place, "kernel") || !*place ? "the kernel" : place);
	return NULL;
}

bool target_type_user(const char *module)
{
	size_t n = module ? strlen(module) : 0;

	/* a kernel module's .ko file is kernel memory once loaded */
	return module && strchr(module, '/') &&
	       !(n > 3 && strcmp(module + n - 3, ".ko") == 0);
}

const struct ctype *target_type_named(struct session *s, const char *module,
				      const char *name, char **why)
{
	char *copy = xstrdup(module ? module : "kernel"), *save = NULL;
	struct strbuf sb = {0};
	const struct ctype *t = NULL;

	for (char *p = strtok_r(copy, ":", &save); p && !t;
	     p = strtok_r(NULL, ":", &save)) {
		char *hdr = strchr(p, '<');
		if (hdr)
			*hdr = '\0';	/* "kernel<linux/sched.h>" */
		t = in_place(s, p, name, &sb);
	}
	free(copy);
	*why = t ? NULL : sb_steal(&sb);
	if (t)
		sb_free(&sb);
	return t;
}
