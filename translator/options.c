/*
 * Option parsing.  Options come first; the first non-option argument is
 * the script file (unless -e gave the script), and everything after the
 * script is a script argument ($1, @1, ...).  Each malformed option gets
 * its own message naming the option and what was expected.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"
#include "util/diag.h"
#include "optarg.h"

enum { LONG_REMOTE = 256, LONG_REMOTE_PREFIX, LONG_UNPRIVILEGED, LONG_HELP,
       LONG_VERSION };

static const struct option long_options[] = {
	{"remote", required_argument, NULL, LONG_REMOTE},
	{"remote-prefix", no_argument, NULL, LONG_REMOTE_PREFIX},
	{"unprivileged", no_argument, NULL, LONG_UNPRIVILEGED},
	{"help", no_argument, NULL, LONG_HELP},
	{"version", no_argument, NULL, LONG_VERSION},
	{NULL, 0, NULL, 0},
};

void usage(FILE *out)
{
	fputs(
"Usage: stap [options] FILE [ARGS...]     run a script file ('-' for stdin)\n"
"   or: stap [options] -e SCRIPT [ARGS...] run a script given on the command line\n"
"Options:\n"
"  -e SCRIPT      the script text\n"
"  -l PROBE       list the probe points PROBE resolves to (wildcards expanded)\n"
"  -L PROBE       the same (no context variables are listed yet)\n"
"  -p N           stop after pass N (1 parse, 2 elaborate, 3 translate to C,\n"
"                 4 build the module, 5 run it)\n"
"  -v             more verbose; prints each pass's time (repeatable)\n"
"  -q             quiet: no status line while a slow step runs\n"
"  -k             keep the temporary directory\n"
"  -m NAME        module name (default stap_<hash>)\n"
"  -r RELEASE     build for kernel RELEASE, or for the build tree at a path\n"
"  -o FILE        write the script's output to FILE (strftime %-patterns\n"
"                 like %Y%m%d-%H%M%S expand; with -b, per-CPU files FILE_N)\n"
"  -I DIR         also look for tapsets in DIR\n"
"  -D NAME[=VAL]  pass a -D to the module build (limits like MAXACTION)\n"
"  -g             guru mode: allow embedded C in the script\n"
"  -w             suppress warnings\n"
"  -W             turn warnings into errors\n"
"  -u, --unprivileged  check the script against unprivileged rules\n"
"  -c CMD         run CMD once the probes are armed; target() is its pid,\n"
"                 the session ends with it\n"
"  -x PID         target() is PID; the session ends when it exits\n"
"  -T SECONDS     end the session after SECONDS (end probes run)\n"
"  -s MB          per-CPU output buffer size in megabytes (1-4095)\n"
"  -b             bulk mode: per-CPU files stpd_cpuN (or FILE_N with -o),\n"
"                 merged back with stap-merge\n"
"  -F             flight recorder: without -o, load the module, start it and\n"
"                 detach (staprun -A NAME attaches); with -o, run in the\n"
"                 background, writing FILE\n"
"  -S SIZE[,N]    with -o: files FILE.0, FILE.1 ... of at most SIZE MB,\n"
"                 only the last N kept\n"
"  --remote URL   run on URL: ssh://[USER@]HOST[:PORT], [USER@]HOST,\n"
"                 unix:PATH, vm:RELEASE, direct://; repeat it to run on\n"
"                 several targets at once\n"
"  --remote-prefix  prefix each output line with \"N: \", N the target's\n"
"                 index among the --remote options (from 0)\n"
"  -V, --version  print the version\n"
"  -h, --help     print this help\n", out);
}

static bool is_identifier(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

/* Parses a whole decimal number in [lo, hi]; false otherwise. */
static bool parse_int(const char *arg, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static int bad_option(const char *fmt, const char *arg)
{
	fputs("stap: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'stap --help' for more information.\n", stderr);
	return OPT_EXIT_1;
}

static int take_option(struct session *s, int c, const char *arg)
{
	long v;

	switch (c) {
	case 'e':
		if (s->list_points)
			return bad_option("-e cannot be combined with -l or -L%s", "");
		if (s->script_text)
			return bad_option("only one -e script is allowed%s", "");
		s->script_text = arg;
		break;
	case 'l':
	case 'L':
		if (s->script_text)
			return bad_option("-%s cannot be combined with -e or "
					  "another -l/-L", c == 'l' ? "l" : "L");
		s->script_text = xasprintf("probe %s {}", arg);
		s->list_points = true;
		break;
	case 'p':
		if (!parse_int(arg, 1, 5, &v))
			return bad_option("invalid pass number '%s' for -p (expected 1-5)", arg);
		s->last_pass = (int)v;
		break;
	case 'v':
		s->verbose++;
		break;
	case 'q':
		s->quiet = true;
		break;
	case 'k':
		s->keep_tmpdir = true;
		break;
	case 'm':
		if (!is_identifier(arg, strlen(arg)) || strlen(arg) > 55)
			return bad_option("invalid module name '%s' for -m (letters, digits and _, at most 55)", arg);
		s->module_name = arg;
		break;
	case 'r':
		if (!*arg)
			return bad_option("empty kernel release for -r%s", "");
		s->kernel_release = arg;
		break;
	case 'o':
		s->output_file = arg;
		break;
	case 'I':
		vec_push(&s->include_dirs, (void *)arg);
		break;
	case 'D': {
		const char *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		if (!is_identifier(arg, n))
			return bad_option("invalid -D '%s' (expected NAME or NAME=VALUE)", arg);
		vec_push(&s->defines, (void *)arg);
		break;
	}
	case 'g':
		s->guru = true;
		break;
	case 'w':
		s->suppress_warnings = true;
		break;
	case 'W':
		s->warnings_are_errors = true;
		break;
	case 'u':
	case LONG_UNPRIVILEGED:
		s->unprivileged = true;
		break;
	case 'c':
		if (s->target_pid)
			return bad_option("-c and -x cannot be used together%s", "");
		s->target_cmd = arg;
		break;
	case 'x':
		if (s->target_cmd)
			return bad_option("-c and -x cannot be used together%s", "");
		if (!parse_int(arg, 1, 0x7fffffff, &v))
			return bad_option("invalid process id '%s' for -x", arg);
		s->target_pid = (int)v;
		break;
	case 'T':
		if (!parse_int(arg, 1, 100000000, &v))
			return bad_option("invalid timeout '%s' for -T (expected whole seconds, 1-100000000)", arg);
		s->timeout_s = (int)v;
		break;
	case 's':
		if (!parse_int(arg, 1, 4095, &v))
			return bad_option("invalid buffer size '%s' for -s (expected megabytes per CPU, 1-4095)", arg);
		s->bufsize_mb = (int)v;
		break;
	case 'b':
		s->bulk = true;
		break;
	case 'F':
		s->flight = true;
		break;
	case 'S': {
		long mb, count;
		if (parse_size_count(arg, &mb, &count) < 0)
			return bad_option("invalid -S '%s' (expected SIZE[,N]: megabytes per output file, and how many files to keep)", arg);
		s->rotate = arg;
		break;
	}
	case LONG_REMOTE:
		vec_push(&s->remotes, (void *)arg);
		break;
	case LONG_REMOTE_PREFIX:
		s->remote_prefix = true;
		break;
	case 'V':
	case LONG_VERSION:
		printf("stap (SystemTap translator) version %s\n", STAP_VERSION);
		return OPT_EXIT_0;
	case 'h':
	case LONG_HELP:
		usage(stdout);
		return OPT_EXIT_0;
	default:		/* getopt already said what was wrong */
		fputs("Try 'stap --help' for more information.\n", stderr);
		return OPT_EXIT_1;
	}
	return OPT_OK;
}

int parse_options(struct session *s, int argc, char **argv)
{
	int c, rc;

	s->last_pass = 5;
	opterr = 1;
	/* '+': stop at the first non-option, which is the script or its args */
	while ((c = getopt_long(argc, argv, "+e:l:L:p:vqkm:r:o:I:D:gwWuc:x:T:s:bFS:Vh",
				long_options, NULL)) != -1)
		if ((rc = take_option(s, c, optarg)) != OPT_OK)
			return rc;

	int i = optind;
	if (!s->script_text) {
		if (i >= argc)
			return bad_option("%s", "no script given: use -e "
					  "SCRIPT or a script FILE");
		s->script_file = argv[i++];
	}
	for (; i < argc; i++)
		vec_push(&s->script_args, argv[i]);
	if (s->list_points)
		s->last_pass = 2;
	if (s->rotate && !s->output_file)
		return bad_option("%s", "-S needs -o FILE (the files it "
				  "rotates are FILE.N)");
	if (s->rotate && s->bulk)
		return bad_option("%s", "-S cannot be used with -b");
	if (s->flight && (s->target_cmd || s->target_pid || s->timeout_s ||
			  s->bulk))
		return bad_option("%s", "-F cannot be used with -c, -x, -T "
				  "or -b");
	if (s->guru && s->unprivileged) {
		fputs("stap: You can't specify -g and --privilege=stapusr "
		      "together.\n", stderr);
		return OPT_EXIT_1;
	}
	diag_suppress_warnings = s->suppress_warnings;
	diag_warnings_are_errors = s->warnings_are_errors;
	return OPT_OK;
}

long session_define(const struct session *s, const char *name, long dflt)
{
	size_t n = strlen(name);
	long v = dflt;

	for (size_t i = 0; i < s->defines.len; i++) {
		const char *d = vec_at(&s->defines, i);
		if (strncmp(d, name, n) == 0 && d[n] == '=')
			v = strtol(d + n + 1, NULL, 0);
	}
	return v;
}
