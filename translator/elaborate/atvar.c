/*
 * @var("name@file"[, "module"]): a global or static variable of the
 * kernel (or of a module) read through its debuginfo, in any probe or
 * function, for pass 2; with a user-space program's or library's path
 * as the module, of that file, read in the probed process (in probes
 * on that file: the runtime finds where the process maps it); without
 * a module in a probe on a user-space file, of that file.  The variable is found by dwarf_global_var()
 * in the DWARF of the target kernel's vmlinux (dwarf_target_dbg()); its
 * location is its link-time address, relocated at run time as the
 * kernel was loaded (KASLR).  A resolved @var becomes an E_TARGET with
 * its typed node, so pass 3 lowers it like any target variable.
 */
#include <stdlib.h>
#include <string.h>
#include "debuginfo/dwarf_vars.h"
#include "debuginfo/elf_syms.h"
#include "debuginfo/types.h"
#include "probes/probes.h"
#include "resolver.h"
#include "session.h"

/* @var("name@file", "PATH") of a user-space program or library. */
static const struct target_var *user_lookup(struct session *s,
					    const struct expr *e, char **why)
{
	const char *real;
	Dwarf *dbg = dwarf_user_dbg(s, e->module, &real, why);
	uint64_t load;

	if (!dbg)
		return NULL;
	if (!elf_load_page(dwarf_getelf(dbg), &load)) {
		*why = xasprintf("%s has no loadable segment", real);
		return NULL;
	}
	char *name = xstrdup(e->str);
	char *at = strchr(name, '@');
	if (at)
		*at++ = 0;
	const struct target_var *tv = dwarf_user_global_var(dbg, real, load,
							    name, at);
	free(name);
	return tv;
}

/* The variable e names, or NULL with *why (NULL: just not there). */
static const struct target_var *lookup(struct session *s,
				       const struct expr *e, char **why)
{
	if (target_type_user(e->module))
		return user_lookup(s, e, why);
	if (e->module && strcmp(e->module, "kernel")) {
		/* a module's link-time addresses are section-relative:
		 * relocating them needs the loaded module's sections */
		*why = xasprintf("@var in kernel module '%s' is not "
				 "supported yet (only the kernel's)",
				 e->module);
		return NULL;
	}
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

/* @var("name") without a module in a probe on a user-space file reads
 * that file's DWARF (its family's user_module), as upstream reads "the
 * probe's module"; false (reported) when the probe's points are on
 * different files. */
static bool default_module(struct resolver *r, struct expr *e)
{
	const char *mod = NULL;

	if (e->module || !r->body || !r->body->probe)
		return true;
	for (size_t i = 0; i < r->prog->rprobes.len; i++) {
		const struct rprobe *rp = vec_at(&r->prog->rprobes, i);
		const char *m;

		if (rp->body != r->body)
			continue;
		m = rp->family && rp->family->user_module ?
			rp->family->user_module(rp) : NULL;
		if (!m)
			return true;	/* a kernel point: the kernel's */
		if (mod && strcmp(mod, m)) {
			diag_error(e->loc, "@var(\"%s\") names no module, and "
				   "the probe's points are in %s and %s: "
				   "name one as @var(\"%s\", \"PATH\")",
				   e->str, mod, m, e->str);
			return false;
		}
		mod = m;
	}
	if (mod)
		e->module = xstrdup(mod);
	return true;
}

void resolve_atvar(struct resolver *r, struct expr *e, unsigned access)
{
	char *why;
	const struct comp *bad;

	if (!default_module(r, e))
		return;
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
