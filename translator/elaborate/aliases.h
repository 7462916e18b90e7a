/*
 * Probe alias matching and expansion (aliases.c).
 */
#ifndef STAP_ALIASES_H
#define STAP_ALIASES_H

#include "parse/ast.h"

/* How many components of probe point pp the alias name `name` matches
 * (component by component; pp's components may hold * wildcards): all
 * of them, or with suffix the first ones, leaving at least one for the
 * suffix; 0 when it does not match. */
size_t alias_matches(const struct probe_point *name, const struct probe_point *pp,
		     bool suffix);

/* The probe that the user's probe becomes through alias a at pp, whose
 * first `matched` components the alias name matched: the alias's
 * points, each followed by pp's remaining components (the suffix), and
 * the alias body around a copy of the user's. */
struct probe *alias_expand(const struct alias *a, const struct probe_point *pp,
			   size_t matched, const struct probe *user);

#endif
