/*
 * Option arguments shared by the loader tools (staprun, stapio): one
 * parser for the whole numbers their options take, with one message.
 */
#ifndef STAPRUN_OPTARG_H
#define STAPRUN_OPTARG_H

/*
 * The whole decimal number arg of option -opt, if it lies in [lo, hi].
 * Otherwise prints "ERROR: invalid -OPT 'ARG': expected WHAT, LO-HI" and
 * returns -1 (so lo must be >= 0).
 */
long number_arg(int opt, const char *arg, long lo, long hi,
		const char *what);

/*
 * -S SIZE[,N]: SIZE megabytes per output file (1 to
 * SIZE_COUNT_MAX_MB), at most N files (1 to 1000000; 0 without ",N").
 * 0, or -1 if arg is malformed (nothing printed: callers word it).
 */
#define SIZE_COUNT_MAX_MB 1048576
int parse_size_count(const char *arg, long *mb, long *count);
/* The same for an option -S of the loader tools: prints "ERROR: invalid
 * -S 'ARG': ..." when it returns -1. */
int size_count_arg(const char *arg, long *mb, long *count);

#endif
