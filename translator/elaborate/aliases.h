/*
 * Probe alias matching and expansion (aliases.c).
 */
#ifndef STAP_ALIASES_H
#define STAP_ALIASES_H

#include "parse/ast.h"

/* True when the alias name `name` is what probe point pp asks for
 * (component by component; pp's components may hold * wildcards). */
bool alias_matches(const struct probe_point *name, const struct probe_point *pp);

/* The probe that the user's probe becomes through alias a at pp: the
 * alias's points, and the alias body around a copy of the user's. */
struct probe *alias_expand(const struct alias *a, const struct probe_point *pp,
			   const struct probe *user);

#endif
