/*
 * "did you mean": the closest known name to a misspelt one, by edit
 * distance, among a list of candidates.  Used for unknown functions and
 * probe points.
 */
#include <string.h>
#include "suggest.h"

/* Levenshtein distance, capped: strings longer than 63 bytes are not
 * compared (no name is that long in practice). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64], prev;

	if (la > 63 || lb > 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int cur = row[j];
			int sub = prev + (a[i - 1] != b[j - 1]);
			int del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins)
					   : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

const char *suggest(const char *name, const struct vec *candidates)
{
	const char *best = NULL;
	int best_d = (int)strlen(name) / 3 + 1;	/* at most a third wrong */

	if (best_d > 3)
		best_d = 3;
	for (size_t i = 0; i < candidates->len; i++) {
		const char *c = vec_at(candidates, i);
		int d = distance(name, c);
		if (d > 0 && (d < best_d || (d == best_d && !best))) {
			best = c;
			best_d = d;
		}
	}
	return best;
}
