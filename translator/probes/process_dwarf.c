/*
 * process("PATH").function("PATTERN[@FILE[:LINE]]") (.call, .return,
 * .inline, .label("L")) and process("PATH").statement("FUNC@FILE:LINE")
 * with PATH's DWARF: its own, or the file its .gnu_debuglink or
 * build-id names under /usr/lib/debug (libdwfl finds them).  The
 * places are found by the DWARF family's matching over the program's
 * DWARF index (probes/dwarf.h, built once per build-id and cached), so
 * the written-out points, the scopes and the target variables ($parm,
 * $local->member, $$parms, $return ...) are the kernel's; their memory
 * is the probed process's (dwarf_point.user).  Each place becomes one
 * uprobe at the file offset of its address (process_dwarf.h).
 */
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "process_dwarf.h"
#include "dwarf.h"
#include "util/diag.h"
#include "debuginfo/elf_syms.h"

/* One program's DWARF, opened once per run. */
struct uprog {
	struct dwx_index *x;	/* NULL: none, why says why */
	char *why;
	Elf *elf;		/* the program itself: file offsets */
	uint64_t load_page;	/* elf_load_page() */
};

static struct hash progs;	/* path -> struct uprog * */
static struct vec made_points;	/* struct probe_point * */
static struct vec made_places;	/* struct uplace *, parallel */

static struct uprog *open_prog(struct session *s, const char *path)
{
	struct uprog *u = hash_get(&progs, path);
	int fd;

	if (u)
		return u;
	u = xcalloc(1, sizeof(*u));
	hash_put(&progs, xstrdup(path), u);
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	u->elf = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!u->elf || !elf_load_page(u->elf, &u->load_page)) {
		u->why = xasprintf("%s is not a loadable ELF file", path);
		return u;
	}
	u->x = dwx_open(s, path, &u->why);
	return u;
}

/* Whether the point asks for what only DWARF knows: a statement, a
 * source file or line, a label, inlined copies. */
static const char *needs_dwarf(const struct probe_point *pp)
{
	const struct pp_comp *c = pp_comp_at(pp, 1);

	if (!strcmp(c->name, "statement"))
		return ".statement";
	if (c->arg && c->arg->kind == E_STR && strpbrk(c->arg->str, "@:"))
		return "a source file or line";
	for (size_t i = 2; i < pp->comps.len; i++) {
		c = pp_comp_at(pp, i);
		if (!strcmp(c->name, "label"))
			return ".label";
		if (!strcmp(c->name, "inline"))
			return ".inline";
	}
	return NULL;
}

/* The suffixes a process point takes after .function/.statement. */
static bool suffixes_ok(const struct probe_point *pp)
{
	for (size_t i = 2; i < pp->comps.len; i++) {
		const struct pp_comp *c = pp_comp_at(pp, i);
		static const char *const ok[] = {
			"call", "return", "inline", "label", "nearest",
		};
		bool good = false;

		for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
			good |= !strcmp(c->name, ok[k]);
		if (!good) {
			diag_error(c->loc, "not supported yet: '.%s' in a "
				   "process(...).%s probe point (supported: "
				   ".call, .return, .inline, .label(\"NAME\"); "
				   ".nearest after .statement)", c->name,
				   pp_comp_at(pp, 1)->name);
			return false;
		}
	}
	return true;
}

/* The function name of a written-out "NAME@FILE:LINE". */
static char *place_name(const struct probe_point *np)
{
	const char *t = pp_comp_at(np, 1)->arg->str;

	return xstrndup(t, strcspn(t, "@"));
}

static bool add_places(struct uprog *u, const struct vec *pts,
		       const struct vec *places, struct vec *out)
{
	for (size_t i = 0; i < pts->len; i++) {
		struct probe_point *np = vec_at(pts, i);
		struct dwarf_point *dp = vec_at(places, i);
		struct uplace *pl = xcalloc(1, sizeof(*pl));

		dp->user = true;
		dp->load_vaddr = u->load_page;
		dp->file = pp_comp_at(np, 0)->arg->str;
		dp->elf = u->elf;
		pl->dp = dp;
		pl->is_return = dp->is_return;
		pl->file = dp->file;
		pl->name = place_name(np);
		if (!elf_addr_offset(u->elf, dp->pc, &pl->offset)) {
			diag_error(np->loc, "internal error: address 0x%llx "
				   "of '%s' is in no loaded segment",
				   (unsigned long long)dp->pc, pl->name);
			return false;
		}
		vec_push(&made_points, np);
		vec_push(&made_places, pl);
		vec_push(out, np);
	}
	return true;
}

/* The DWARF name of the function at the address of symbol name, when
 * name is only an alias there (libc's malloc is __libc_malloc in its
 * DWARF), or NULL. */
static const char *dwarf_alias(struct uprog *u, const char *path,
			       const char *name)
{
	struct vec funcs = {0};
	const char *found = NULL;
	char *err = NULL;

	if (strpbrk(name, "*?[@:") || !elf_functions(path, name, &funcs, &err)) {
		free(err);
		return NULL;
	}
	for (size_t i = 0; i < funcs.len && !found; i++) {
		const struct elf_func *f = vec_at(&funcs, i);

		for (size_t k = 0; k < dwx_count(u->x) && !found; k++) {
			const struct dwx_entry *e = dwx_at(u->x, k);

			if (e->kind == DWX_FUNC && e->pc == f->addr)
				found = dwx_str(u->x, e->name);
		}
	}
	vec_free(&funcs);
	return found;
}

bool process_dwarf_expand(struct session *s, struct probe_point *pp,
			  const char *path, struct vec *out, bool *handled)
{
	const char *need = needs_dwarf(pp);
	struct uprog *u = open_prog(s, path);
	struct vec pts = {0}, places = {0};
	bool ok;

	*handled = false;
	if (!suffixes_ok(pp)) {
		*handled = true;
		return false;
	}
	if (!u->x) {
		if (!need)
			return true;	/* the symbol table's (process.c) */
		*handled = true;
		diag_error(pp_comp_at(pp, 1)->loc, "%s in process(\"%s\") "
			   "needs debuginfo: %s (build it with -g, or install "
			   "its -dbgsym package)", need, path, u->why);
		return false;
	}
	ok = dwarf_expand_user(s, u->x, path, pp, !need, &pts, &places);
	if (!pts.len && !need) {
		const char *alias = dwarf_alias(u, path,
						pp_comp_at(pp, 1)->arg->str);
		if (alias)
			ok = dwarf_expand_user(s, u->x, path,
					       process_point_with(pp, 1, alias),
					       true, &pts, &places);
	}
	if (!pts.len && !need)
		return true;	/* not in the DWARF: the symbol table's */
	*handled = true;
	ok = ok && add_places(u, &pts, &places, out);
	vec_free(&pts);
	vec_free(&places);
	return ok;
}

const struct uplace *process_dwarf_place(const struct probe_point *pp)
{
	for (size_t i = 0; i < made_points.len; i++)
		if (vec_at(&made_points, i) == pp)
			return vec_at(&made_places, i);
	return NULL;
}

/* The symbol table's places of .function("NAME")[.call|.return]. */
static bool symbol_places(struct probe_point *pp, const char *path,
			  struct vec *out)
{
	const struct pp_comp *c = pp_comp_at(pp, 1), *r = pp_comp_at(pp, 2);
	bool wild = strpbrk(c->arg->str, "*?[") != NULL;
	struct vec funcs = {0};
	char *err = NULL;

	if (!elf_functions(path, c->arg->str, &funcs, &err)) {
		diag_error(pp_comp_at(pp, 0)->loc, "%s", err);
		free(err);
		return false;
	}
	if (!funcs.len && !pp_optional(pp)) {
		diag_error(c->arg->loc, "probe point mismatch: no function "
			   "%s '%s' in the symbol table of %s",
			   wild ? "matches" : "named", c->arg->str, path);
		return false;
	}
	for (size_t i = 0; i < funcs.len; i++) {
		const struct elf_func *f = vec_at(&funcs, i);
		struct uplace *pl = xcalloc(1, sizeof(*pl));
		struct probe_point *np = process_point_with(pp, 1, f->name);

		np->from_wildcard = wild;
		pl->offset = f->offset;
		pl->name = f->name;
		pl->is_return = r && !strcmp(r->name, "return");
		pl->file = xstrdup(path);
		vec_push(&made_points, np);
		vec_push(&made_places, pl);
		vec_push(out, np);
	}
	vec_free(&funcs);
	return true;
}

bool process_places_expand(struct session *s, struct probe_point *pp,
			   const char *path, struct vec *out)
{
	bool handled;
	bool ok = process_dwarf_expand(s, pp, path, out, &handled);

	if (handled || !ok)
		return ok;
	return symbol_places(pp, path, out);
}

void process_place_rebind(const struct probe_point *old,
			  struct probe_point *new, const char *exe)
{
	for (size_t i = 0; i < made_points.len; i++)
		if (vec_at(&made_points, i) == old) {
			struct uplace *pl = vec_at(&made_places, i);
			pl->exe = exe;
			made_points.items[i] = new;
		}
}

void process_place_add(struct probe_point *np, struct uplace *pl)
{
	vec_push(&made_points, np);
	vec_push(&made_places, pl);
}
