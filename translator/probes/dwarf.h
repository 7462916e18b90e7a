/*
 * What the DWARF family (dwarf.c) lends the process family: finding
 * the places a .function("PATTERN[@FILE[:LINE]]") (.call, .return,
 * .inline, .label) or .statement("FUNC@FILE:LINE") point names in a
 * user-space program's DWARF index, with the same matching, written-out
 * names and target variable scopes as kernel points have.
 */
#ifndef STAP_PROBES_DWARF_H
#define STAP_PROBES_DWARF_H

#include "probes.h"
#include "debuginfo/dwarf_index.h"
#include "debuginfo/dwarf_vars.h"

/*
 * The points pp (process("PATH").function(...)... or .statement(...))
 * names in x, the index of PATH's DWARF: one written-out point per
 * place (appended to out, process(PATH) naming the resolved path
 * `path`), each with its struct dwarf_point * (appended to places, in
 * the same order; dp->pc is a link-time address of PATH).  False after
 * reporting an error when pp is malformed, or matches nothing and is
 * not optional (quiet: without the error, the caller tries elsewhere).
 */
bool dwarf_expand_user(struct session *s, struct dwx_index *x,
		       const char *path, struct probe_point *pp, bool quiet,
		       struct vec *out, struct vec *places);

#endif
