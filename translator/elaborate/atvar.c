/*
 * @var("name@file"[, "module"]): a global or static variable of the
 * kernel (or of a module) read through its debuginfo, in any probe or
 * function, for pass 2.  The variable is found by dwarf_global_var()
 * in the DWARF of the target kernel's vmlinux (dwarf_target_dbg()); its
 * location is its link-time address, relocated at run time as the
 * kernel was loaded (KASLR).  A resolved @var becomes an E_TARGET with
 * its typed node, so pass 3 lowers it like any target variable.
 */
#include <stdlib.h>
#include <string.h>
#include "debuginfo/dwarf_vars.h"
#include "probes/probes.h"
#include "resolver.h"
#include "session.h"

/* The variable e names, or NULL with *why (NULL: just not there). */
static const struct target_var *lookup(struct session *s,
				       const struct expr *e, char **why)
{
	Dwarf *dbg = dwarf_target_dbg(s, e->module, why);

	if (!dbg)
		return NULL;
	char *name = xstrdup(e->str);
	char *at = strchr(name, '@');
	if (at)
		*at++ = 0;
	const struct target_var *tv = dwarf_global_var(dbg, name, at);
	free(name);
	return tv;
}

void resolve_atvar(struct resolver *r, struct expr *e, unsigned access)
{
	char *why;
	const struct comp *bad;
	const struct target_var *tv = lookup(r->s, e, &why);

	if (e->suffix) {
		diag_error(e->loc, "@var(\"%s\")%s: pretty printing @var is "
			   "not supported yet", e->str, e->suffix);
		return;
	}
	if (!tv) {
		diag_error(e->loc, "unresolved @var(\"%s\"): %s", e->str,
			   why ? why : "no global or static variable of that "
			   "name (in that file) in the debuginfo");
		free(why);
		return;
	}
	struct tvar_ref *ref = tvar_resolve(tv->name, tv->type, &tv->loc,
					    &e->comps, NULL, &why, &bad);
	if (!ref) {
		diag_error(bad ? bad->loc : e->loc, "%s %s", tv->name, why);
		free(why);
		return;
	}
	if (ref->loc.kind == TL_OPTIMIZED_OUT) {
		diag_error(e->loc, "%s cannot be read: %s", tv->name,
			   tv->loc.why ? tv->loc.why : "it has no location");
		return;
	}
	if ((access & ~TARGET_READ) && !r->s->guru) {
		diag_error(e->loc, "%s cannot be assigned without guru mode "
			   "(-g): it is the kernel's own memory", tv->name);
		return;
	}
	if (!access || ref->type == TYPE_UNKNOWN || (access & TARGET_APPEND) ||
	    ((access & TARGET_SET) && ref->bit_size)) {
		diag_error(e->loc, "%s cannot be used that way here", tv->name);
		return;
	}
	ref->access = access;
	e->kind = E_TARGET;
	e->name = (char *)tv->name;
	e->target = ref;
	e->type = ref->type;
}

int atvar_defined(struct session *s, const struct expr *e)
{
	char *why, *why2;
	const struct comp *bad;
	const struct target_var *tv = lookup(s, e, &why);

	free(why);
	if (!tv || e->suffix)
		return 0;
	const struct tvar_ref *ref = tvar_resolve(tv->name, tv->type, &tv->loc,
						  &e->comps, NULL, &why2, &bad);
	free(why2);
	return ref && ref->loc.kind != TL_OPTIMIZED_OUT;
}
