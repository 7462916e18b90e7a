/*
 * process("PATH").function/.statement points found in PATH's DWARF
 * (process_dwarf.c), for the process family (process.c): each written-
 * out point is one place, with its target variables' scope.
 */
#ifndef STAP_PROCESS_DWARF_H
#define STAP_PROCESS_DWARF_H

#include "probes.h"
#include "debuginfo/dwarf_vars.h"

/* One place: a uprobe at a file offset of PATH. */
struct uplace {
	struct dwarf_point *dp;	/* scope, pc, is_return; user */
	uint64_t offset;	/* the file offset of dp->pc */
	char *name;		/* the function's name */
};

/*
 * Expands pp, a .function or .statement point of the program at path
 * (resolved): with *handled set, into out (its written-out points, or
 * an error reported when false); without, the point is left to the
 * symbol table (the program has no DWARF, or the function is not in
 * it, and the point asks for nothing only DWARF has).
 */
bool process_dwarf_expand(struct session *s, struct probe_point *pp,
			  const char *path, struct vec *out, bool *handled);

/* The place of a point process_dwarf_expand made, or NULL. */
const struct uplace *process_dwarf_place(const struct probe_point *pp);

/* pp with component i's string argument replaced by str (process.c). */
struct probe_point *process_point_with(const struct probe_point *pp,
				       size_t i, const char *str);

#endif
