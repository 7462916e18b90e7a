/*
 * Finding a program's shared libraries as the dynamic loader does
 * (ld.so(8)): an object's DT_NEEDED names are looked up in its
 * DT_RPATH (when it has no DT_RUNPATH; the program's too), its
 * DT_RUNPATH, /etc/ld.so.cache, then the default directories, with
 * $ORIGIN standing for the object's directory.  LD_LIBRARY_PATH is
 * the target process's and unknown here: it is not used.
 */
#ifndef STAP_ELF_LDSO_H
#define STAP_ELF_LDSO_H

#include <stdbool.h>
#include "util/util.h"

/* The dynamic section of one ELF object, as the loader reads it. */
struct elf_dyn {
	char *path;		/* the object's real path */
	struct vec needed;	/* char *: its DT_NEEDED names, in order */
	char *rpath;		/* DT_RPATH, $ORIGIN expanded, or NULL */
	char *runpath;		/* DT_RUNPATH, $ORIGIN expanded, or NULL */
};

/* Reads path's dynamic section into *d (zeroed first); false when
 * path is not a readable ELF file. */
bool elf_dyn_read(const char *path, struct elf_dyn *d);
void elf_dyn_free(struct elf_dyn *d);

/*
 * The real path of the library soname needed by object d of program
 * prog (prog's DT_RPATH counts too when d has no DT_RUNPATH; prog may
 * be d), found as ld.so finds it, or NULL.  A soname with a '/' is a
 * path.
 */
char *elf_ldso_find(const char *soname, const struct elf_dyn *d,
		    const struct elf_dyn *prog);

#endif
