/*
 * Option arguments shared by the loader tools; see optarg.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "optarg.h"

long number_arg(int opt, const char *arg, long lo, long hi,
		const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi) {
		fprintf(stderr, "ERROR: invalid -%c '%s': expected %s, %ld-%ld"
			"\n", opt, arg, what, lo, hi);
		return -1;
	}
	return v;
}
