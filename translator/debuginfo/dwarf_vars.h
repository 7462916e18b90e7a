/*
 * Target variables from DWARF: what a probe at one address of a
 * function (or of one inlined copy of it) can read, in the type model
 * (ctype.h) and locations (tvar.h) that pass 3 lowers.
 *
 * The DWARF family (probes/dwarf.c) finds the points and keeps, per
 * point, the scope DIE and the address; this interface turns them into
 * target variables: parameters and locals visible at the address
 * (location lists evaluated there, every DW_OP the compilers of our
 * kernels emit), $return for a .return probe, and types by name for
 * @cast.  Nothing here knows how the point was found.
 */
#ifndef STAP_DWARF_VARS_H
#define STAP_DWARF_VARS_H

#include <elfutils/libdw.h>
#include "probes/probes.h"

/* One probe address in one scope, as the family found it. */
struct dwarf_point {
	Dwarf *dbg;		/* the module's (or vmlinux's) DWARF */
	Dwarf_Off scope;	/* DIE offset of the DW_TAG_subprogram or
				 * DW_TAG_inlined_subroutine probed */
	Dwarf_Addr pc;		/* the probe address, in dbg's own
				 * (link-time) addresses */
	bool is_return;		/* a .return probe: $return, and the
				 * parameters as at entry (@entry) */
	/* A user-space program or library (a uprobe): its memory is the
	 * probed process's (tloc.user) and its static addresses are
	 * relocated by where the file is mapped, load_vaddr being the
	 * page of its first loaded segment. */
	bool user;
	uint64_t load_vaddr;
	const char *file;	/* the program's or library's path */
	Elf *elf;		/* the program's or library's own ELF, whose
				 * .eh_frame has the CFI a separate
				 * debuginfo file lacks (NULL: dbg's) */
};

/* The target variable `name` ("$count", "$return") at pt, or NULL when
 * there is none of that name.  A variable with no location at pc is a
 * TL_OPTIMIZED_OUT variable, not NULL. */
const struct target_var *dwarf_point_var(const struct dwarf_point *pt,
					 const char *name);

/* Every target variable at pt (const struct target_var *, appended to
 * out): parameters in declaration order, locals innermost scope last,
 * $return last; as probes.h's target_list wants. */
void dwarf_point_vars(const struct dwarf_point *pt, struct vec *out);

/* @var("name@file"): the global or static variable name of dbg
 * defined in file (NULL: the first of that name), in memory at its
 * run-time address, or NULL when there is none. */
const struct target_var *dwarf_global_var(Dwarf *dbg, const char *name,
					  const char *file);

/* The DWARF of the target kernel (module NULL) or of module, opened
 * once per run (dwarf_target.c), or NULL with *why (NULL: none). */
struct session;
Dwarf *dwarf_target_dbg(struct session *s, const char *module, char **why);

/* @var("name@file", "PATH"): the same in the DWARF dbg of the
 * user-space program or library at path (whose first loaded segment's
 * page is load_vaddr), in the probed process's memory. */
const struct target_var *dwarf_user_global_var(Dwarf *dbg, const char *path,
					       uint64_t load_vaddr,
					       const char *name,
					       const char *file);

/* The DWARF of the user-space program or library at path, opened once
 * per run, or NULL with *why; *file (when file is not NULL) its real
 * path, kept for the run. */
Dwarf *dwarf_user_dbg(struct session *s, const char *path,
		      const char **file, char **why);

/* The type a script names in @cast ("task_struct", "struct file",
 * "unsigned long") as dbg's DWARF defines it, or NULL. */
const struct ctype *dwarf_type_named(Dwarf *dbg, const char *name);

#endif
