/*
 * Named types for a script (@cast, pretty printing): the one place that
 * maps a type name and a module string to a type of the model, whatever
 * describes it.  Today that is BTF (btf.h); DWARF, when a module's
 * debuginfo is installed, is to be tried first here.
 */
#ifndef STAP_TYPES_H
#define STAP_TYPES_H

#include "ctype.h"
#include "session.h"

/*
 * The type `name` ("task_struct", "struct file", "unsigned long",
 * "char *") in module, as @cast's third argument names it: NULL or
 * "kernel" (the kernel), "kernel<linux/sched.h>" (the header is
 * upstream's way to find the type; the kernel's types are all in its
 * BTF), a module name, a user-space program's or library's path (its
 * DWARF), or several joined with ':' (the first that has the type).  NULL with *why (a new string completing "cannot find
 * type 'T' ...") when none does.
 */
const struct ctype *target_type_named(struct session *s, const char *module,
				      const char *name, char **why);

/* Whether module (as @cast's third argument) names a user-space file
 * (a path, but not a kernel module's "/path/m.ko"):
 * the object is then in the probed process's memory (tloc.user). */
bool target_type_user(const char *module);

#endif
