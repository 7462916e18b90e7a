/*
 * Privilege: what a script may do without guru mode (-g) and, under
 * -u / --unprivileged, what upstream lets a member of stapusr only do.
 *
 *   - embedded C written in the script itself needs -g, and is refused
 *     outright under -u;
 *   - a probe point is allowed under -u only if its family says so
 *     (begin, end, never, the timers but timer.profile);
 *   - an embedded-C function may be called under -u only if its code
 *     is marked unprivileged or myproc-unprivileged;
 *   - an embedded-C function marked guru may be called from the script
 *     only with -g (tapsets are trusted to call it safely).
 *
 * The messages are upstream's.
 */
#include "elaborate.h"
#include "probes/probes.h"
#include "session.h"

#define STAPUSR "--privilege=stapusr"

bool script_embedded_allowed(const struct session *s, struct srcloc loc,
			     const char *what, bool expression)
{
	if (s->unprivileged) {
		diag_error(loc, "embedded %scode in unprivileged script; "
			   "need stap -g", expression ? "expression " : "");
		return false;
	}
	if (s->guru)
		return true;
	diag_error(loc, "embedded C %s requires guru mode (-g)", what);
	return false;
}

void check_probe_privilege(const struct session *s, const struct rprobe *rp)
{
	if (s->unprivileged && !(rp->family->unprivileged &&
				 rp->family->unprivileged(rp)))
		diag_error(rp->pp->loc, "probe point is not allowed for "
			   STAPUSR " (probe point '%s')", rp->text);
}

void check_call_privilege(const struct session *s, const struct expr *call,
			  const struct function *fn, bool from_script)
{
	if (!fn->embedded)
		return;
	if (s->unprivileged && !(fn->pragmas & (PRAGMA_UNPRIVILEGED |
						PRAGMA_MYPROC_UNPRIVILEGED)))
		diag_error(call->loc, "function may not be used when "
			   STAPUSR " is specified (function '%s')", fn->name);
	if (from_script && !s->guru && (fn->pragmas & PRAGMA_GURU))
		diag_error(call->loc, "function may not be used unless -g is "
			   "specified (function '%s')", fn->name);
}
