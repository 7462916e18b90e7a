/*
 * DWARF types to the type model (dwarf_types.c), for dwarf_vars.c and
 * @cast: the conversion, the name index of a file's type definitions,
 * and types spelled as upstream's listings spell them.
 */
#ifndef STAP_DWARF_TYPES_H
#define STAP_DWARF_TYPES_H

#include <elfutils/libdw.h>
#include "ctype.h"

/* The type of type DIE type_die (NULL: void), typedefs and qualifiers
 * resolved, declarations completed from the file's definitions. */
const struct ctype *dwarf_ctype(Dwarf_Die *type_die);
/* The type die's DW_AT_type names (a variable's, a member's ...). */
const struct ctype *dwarf_ctype_of(Dwarf_Die *die);

/* The definition named `name` in dbg: "struct file", "union u",
 * "enum e", or a typedef or base type name.  The index is built on
 * the first call for each dbg (every CU's top-level DIEs). */
bool dwarf_type_lookup(Dwarf *dbg, const char *name, Dwarf_Die *out);
/* The global or static variable `name` with a location, defined in the
 * CU whose name ends in file ("fs/open.c", "open.c"; NULL: any), in
 * the same index. */
bool dwarf_global_lookup(Dwarf *dbg, const char *name, const char *file,
			 Dwarf_Die *out);

/* Where the name index is cached (<dir>/dwarf/BUILDID.names); unset:
 * built in memory each run. */
void dwarf_types_cache(const char *dir);

/* The type die's DW_AT_type names, as upstream's -L spells it
 * ("struct file*", "char const*", "size_t").  A new string. */
char *dwarf_type_spelling(Dwarf_Die *die);

#endif
