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

#endif
