/*
 * Where the debuginfo of the target kernel and of its modules is: the
 * usual places of Debian's -dbg packages (/usr/lib/debug/boot/
 * vmlinux-R, /usr/lib/debug/lib/modules/R/...), the build-id tree
 * (/usr/lib/debug/.build-id/) for the running kernel, a -r build
 * tree's own vmlinux, stap-prep's cache (<cache>/debuginfo/R/usr/lib/
 * debug/...), and a module's own .ko when it carries DWARF sections.
 */
#ifndef STAP_DWARF_FIND_H
#define STAP_DWARF_FIND_H

#include "session.h"

/* The debuginfo file of the target kernel (module NULL) or of module
 * `module` ("ext4"; a path ending in .ko names the file itself), or
 * NULL with *why a message that ends with what to run
 * ("stap-prep 6.1.0-57-amd64"). */
char *dwarf_find_debuginfo(struct session *s, const char *module, char **why);

/* The name the kernel gives module `module` once loaded: a path's
 * file name without ".ko", '-' as '_' ("/x/my-mod.ko" -> "my_mod"). */
char *dwarf_module_name(const char *module);

/* Appends to out (char *, sorted, each once) the names of the target
 * kernel's modules with debuginfo that match the fnmatch(3) pattern
 * (names with '-' and '_' alike, as the kernel treats them). */
void dwarf_find_modules(struct session *s, const char *pattern,
			struct vec *out);

#endif
