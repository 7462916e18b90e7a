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
	struct dwarf_point *dp;	/* scope, pc, is_return; user; NULL: a
				 * symbol's (no variables) */
	uint64_t offset;	/* the file offset of the address */
	char *name;		/* the function's name */
	bool is_return;
	const char *file;	/* the probed file (PATH, or a library) */
	const char *exe;	/* only in processes running this program
				 * (.library), or NULL */
	bool plt;		/* a PLT entry: $$name is name */
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

/* Like process_dwarf_expand, but a point the symbol table resolves
 * gets its places here too (for .library, whose written-out points
 * process.c does not resolve itself). */
bool process_places_expand(struct session *s, struct probe_point *pp,
			   const char *path, struct vec *out);

/* The place of written-out point old is that of new, in processes
 * running exe only. */
void process_place_rebind(const struct probe_point *old,
			  struct probe_point *new, const char *exe);

/* process("PATH").library("LIB")...: the points of the libraries of
 * the program at path (resolved) that LIB names (process_library.c). */
bool process_library_expand(struct session *s, struct probe_point *pp,
			    const char *path, struct vec *out);

/* process("PATH").plt("NAME")[.return] (process_plt.c). */
bool process_plt_expand(struct probe_point *pp, const char *path,
			struct vec *out);

/* Records the place of a written-out point. */
void process_place_add(struct probe_point *np, struct uplace *pl);

/* The place of a point process_dwarf_expand made, or NULL. */
const struct uplace *process_dwarf_place(const struct probe_point *pp);

/* pp with component i's string argument replaced by str (process.c). */
struct probe_point *process_point_with(const struct probe_point *pp,
				       size_t i, const char *str);

/* The absolute path of program name as a shell would find it (through
 * $PATH without a '/'), or NULL with errno set (process.c). */
char *process_find_program(const char *name);
/* process(ARG)'s target: *path (a resolved program) for a string, *pid
 * for a number, neither without ARG; false after an error at ARG. */
bool process_resolve_arg(const struct pp_comp *c, char **path, int64_t *pid);

#endif
