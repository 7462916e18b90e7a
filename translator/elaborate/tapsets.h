/*
 * The tapset library, loaded lazily.  At the start of pass 2 the search
 * path (the tapset directory, then each -I directory, each with its
 * version/arch/runtime subdirectories) is indexed by a cheap text scan
 * for the names each file defines; a file is parsed only when pass 2
 * asks for a name it defines.  A script that names nothing from the
 * library parses none of it.
 */
#ifndef STAP_TAPSETS_H
#define STAP_TAPSETS_H

#include "parse/ast.h"

struct session;
struct tapsets;

struct tapsets *tapsets_open(struct session *s);
/* The parsed files defining function `name` / a probe alias whose
 * first component is `first`, each file parsed at most once; files
 * loaded by earlier calls are not returned again.  The vector holds
 * struct file *. */
void tapsets_for_function(struct tapsets *t, const char *name,
			  struct vec *out);
void tapsets_for_alias(struct tapsets *t, const char *first, struct vec *out);
/* The same for a tapset's public global `name` (upstream's @this1 is a
 * tapset global the script names through a macro). */
void tapsets_for_global(struct tapsets *t, const char *name, struct vec *out);
/* Every file of the library, parsed (those parsed before too), in
 * search order, for --dump-*. */
void tapsets_parse_all(struct tapsets *t, struct vec *out);
/* Every function name / alias first component the library defines,
 * for "did you mean" (pointers into the index, valid until close). */
void tapsets_names(const struct tapsets *t, bool functions, struct vec *out);
/* How many files were indexed / parsed, for -v. */
int tapsets_indexed(const struct tapsets *t);
int tapsets_parsed(const struct tapsets *t);
void tapsets_close(struct tapsets *t);
/* Reads the macro library (*.stpm) file that defines @name, if one
 * does and it was not read yet; whether it read one (the driver hands
 * it to pass 1 as session->library_macro). */
bool tapset_macro_load(struct session *s, const char *name);

#endif
