/*
 * Wildcards in probe point names (wildcards.c): `probe ti**es(1)`,
 * `probe b*n`, matched against the families' shapes and alias names.
 */
#ifndef STAP_WILDCARDS_H
#define STAP_WILDCARDS_H

#include "parse/ast.h"

/* Whether a component name of pp holds *, ? or [. */
bool pp_has_wildcard(const struct probe_point *pp);
/* Whether pp's names may start with the component `first` (which
 * tapsets to load for it). */
bool wildcard_first_may_match(const struct probe_point *pp, const char *first);
/* The concrete points (struct probe_point *) pp matches among the
 * families' shapes and alias_names (struct probe_point *), sorted by
 * their text, each once. */
void wildcard_points(const struct probe_point *pp, const struct vec *alias_names,
		     struct vec *out);

#endif
