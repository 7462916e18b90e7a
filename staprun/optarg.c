/*
 * Option arguments shared by the loader tools; see optarg.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* A whole decimal number in [lo, hi] spanning [arg, stop). */
static int whole(const char *arg, const char *stop, long lo, long hi,
		 long *v)
{
	char *end;

	errno = 0;
	*v = strtol(arg, &end, 10);
	return !errno && end != arg && end == stop && *v >= lo && *v <= hi;
}

int parse_size_count(const char *arg, long *mb, long *count)
{
	const char *comma = strchr(arg, ',');

	*count = 0;
	if (!comma)
		return whole(arg, arg + strlen(arg), 1, SIZE_COUNT_MAX_MB, mb) ?
			0 : -1;
	if (!whole(arg, comma, 1, SIZE_COUNT_MAX_MB, mb) ||
	    !whole(comma + 1, comma + 1 + strlen(comma + 1), 1, 1000000,
		   count))
		return -1;
	return 0;
}

int size_count_arg(const char *arg, long *mb, long *count)
{
	if (parse_size_count(arg, mb, count) == 0)
		return 0;
	fprintf(stderr, "ERROR: invalid -S '%s': expected SIZE[,N], megabytes "
		"per file (1-%d) and files kept\n", arg, SIZE_COUNT_MAX_MB);
	return -1;
}
