/*
 * process("PATH").plt("NAME")[.return] (.plt alone: every entry): a
 * uprobe at the PLT entry through which PATH calls each imported
 * function whose name matches (debuginfo/elf_plt.h), written out one
 * point per name as process("PATH").plt("printf"); $$name is the
 * function's name (the runtime's marker-name accessor).  There are no
 * other target variables: a PLT entry has no debuginfo.
 */
#include <stdlib.h>
#include <string.h>
#include "process_dwarf.h"
#include "util/diag.h"
#include "debuginfo/elf_plt.h"

/* pp with the .plt component's argument name (added when it has
 * none). */
static struct probe_point *named(const struct probe_point *pp,
				 const char *name)
{
	struct pp_comp *c = pp_comp_at(pp, 1);

	if (c->arg)
		return process_point_with(pp, 1, name);
	struct probe_point *np = xmalloc(sizeof(*np));
	struct pp_comp *nc = xmalloc(sizeof(*nc));

	*np = *pp;
	np->comps = (struct vec){0};
	*nc = *c;
	nc->arg = expr_new(E_STR, c->loc);
	nc->arg->str = xstrdup(name);
	nc->arg->len = strlen(name);
	for (size_t k = 0; k < pp->comps.len; k++)
		vec_push(&np->comps, k == 1 ? nc : vec_at(&pp->comps, k));
	return np;
}

bool process_plt_expand(struct probe_point *pp, const char *path,
			struct vec *out)
{
	struct pp_comp *c = pp_comp_at(pp, 1), *r = pp_comp_at(pp, 2);
	const char *pattern = c->arg ? c->arg->str : "*";
	struct vec ents = {0};
	char *err = NULL;

	if (c->arg && (c->arg->kind != E_STR || !c->arg->len)) {
		diag_error(c->loc, ".plt needs a function name or pattern "
			   "string, as in .plt(\"malloc\")");
		return false;
	}
	if ((r && strcmp(r->name, "return")) || pp->comps.len > 3 ||
	    (r && r->arg)) {
		struct pp_comp *x = r ? r : pp_comp_at(pp, 3);
		diag_error(x->loc, "unexpected '.%s' after .plt(...) "
			   "(supported: .return)", x->name);
		return false;
	}
	if (!elf_plt_entries(path, pattern, &ents, &err)) {
		diag_error(pp_comp_at(pp, 0)->loc, "%s", err);
		free(err);
		return false;
	}
	if (!ents.len && !pp_optional(pp)) {
		diag_error((c->arg ? c->arg : NULL) ? c->arg->loc : c->loc,
			   "probe point mismatch: no PLT entry %s '%s' in %s",
			   strpbrk(pattern, "*?[") ? "matches" : "named",
			   pattern, path);
		return false;
	}
	for (size_t i = 0; i < ents.len; i++) {
		const struct elf_plt *e = vec_at(&ents, i);
		struct uplace *pl = xcalloc(1, sizeof(*pl));
		struct probe_point *np = process_point_with(named(pp, e->name),
							    0, path);

		np->from_wildcard = strpbrk(pattern, "*?[") != NULL;
		pl->offset = e->offset;
		pl->name = e->name;
		pl->is_return = r != NULL;
		pl->file = path;
		pl->plt = true;
		process_place_add(np, pl);
		vec_push(out, np);
	}
	vec_free(&ents);
	return true;
}
