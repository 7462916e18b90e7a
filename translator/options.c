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
#include "program.h"
#include "util/diag.h"
#include "optarg.h"

enum { LONG_REMOTE = 256, LONG_REMOTE_PREFIX, LONG_UNPRIVILEGED, LONG_HELP,
       LONG_VERSION, LONG_PRIVILEGE, LONG_COMPATIBLE, LONG_DISABLE_CACHE,
       LONG_POISON_CACHE, LONG_CLEAN_CACHE, LONG_SUPPRESS_TIME_LIMITS,
       LONG_SUPPRESS_HANDLER_ERRORS, LONG_PROLOGUE_SEARCHING, LONG_RUNTIME,
       LONG_DUMP_FUNCTIONS, LONG_DUMP_PROBE_ALIASES, LONG_LDD,
       LONG_ALL_MODULES, LONG_REFUSED };

/*
 * Upstream's options that we do not implement yet (stap 4.8's --help
 * and man page): each is recognised and refused with "not supported
 * yet: OPTION", never taken for a typo.  The short ones are in the
 * getopt string and refused in take_option.
 */
static const char refused_short[] = "tBREa";

#define REFUSED(name, arg) {name, arg, NULL, LONG_REFUSED}

static const struct option long_options[] = {
	{"remote", required_argument, NULL, LONG_REMOTE},
	{"remote-prefix", no_argument, NULL, LONG_REMOTE_PREFIX},
	{"unprivileged", no_argument, NULL, LONG_UNPRIVILEGED},
	{"help", no_argument, NULL, LONG_HELP},
	{"version", no_argument, NULL, LONG_VERSION},
	{"privilege", optional_argument, NULL, LONG_PRIVILEGE},
	{"compatible", required_argument, NULL, LONG_COMPATIBLE},
	{"disable-cache", no_argument, NULL, LONG_DISABLE_CACHE},
	{"poison-cache", no_argument, NULL, LONG_POISON_CACHE},
	{"clean-cache", no_argument, NULL, LONG_CLEAN_CACHE},
	{"suppress-time-limits", no_argument, NULL, LONG_SUPPRESS_TIME_LIMITS},
	{"suppress-handler-errors", no_argument, NULL,
	 LONG_SUPPRESS_HANDLER_ERRORS},
	{"prologue-searching", optional_argument, NULL,
	 LONG_PROLOGUE_SEARCHING},
	{"runtime", required_argument, NULL, LONG_RUNTIME},
	REFUSED("skip-badvars", no_argument),
	{"ldd", no_argument, NULL, LONG_LDD},
	{"all-modules", no_argument, NULL, LONG_ALL_MODULES},
	REFUSED("vp", required_argument),
	REFUSED("modinfo", required_argument),
	REFUSED("bpf", no_argument),
	REFUSED("check-version", no_argument),
	REFUSED("use-server", optional_argument),
	REFUSED("list-servers", optional_argument),
	REFUSED("trust-servers", optional_argument),
	REFUSED("use-server-on-error", optional_argument),
	REFUSED("tmpdir", required_argument),
	REFUSED("download-debuginfo", optional_argument),
	REFUSED("dump-probe-types", no_argument),
	{"dump-probe-aliases", no_argument, NULL, LONG_DUMP_PROBE_ALIASES},
	{"dump-functions", no_argument, NULL, LONG_DUMP_FUNCTIONS},
	REFUSED("sysroot", required_argument),
	REFUSED("sysenv", required_argument),
	REFUSED("save-uprobes", no_argument),
	REFUSED("target-namespace", required_argument),
	REFUSED("color", optional_argument),
	REFUSED("colour", optional_argument),
	REFUSED("rlimit-as", required_argument),
	REFUSED("rlimit-cpu", required_argument),
	REFUSED("rlimit-nproc", required_argument),
	REFUSED("rlimit-stack", required_argument),
	REFUSED("rlimit-fsize", required_argument),
	REFUSED("interactive", no_argument),
	REFUSED("monitor", optional_argument),
	REFUSED("no-global-var-display", no_argument),
	{NULL, 0, NULL, 0},
};

/* The language version we implement: systemtap_v, and the newest
 * --compatible accepts. */
#define LANGUAGE_VERSION "5.0"

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
"  -m NAME        module name (default stap_<hash>); the module is also\n"
"                 copied to NAME.ko in the current directory\n"
"  -r RELEASE     build for kernel RELEASE, or for the build tree at a path\n"
"  -o FILE        write the script's output to FILE (strftime %-patterns\n"
"                 like %Y%m%d-%H%M%S expand; with -b, per-CPU files FILE_N)\n"
"  -I DIR         also look for tapsets in DIR\n"
"  -d PATH        carry the symbols and unwind data of program or library\n"
"                 PATH (for usymname(), ubacktrace() ...)\n"
"  --ldd          and those of the shared libraries the probed programs\n"
"                 and -d files need\n"
"  -D NAME[=VAL]  pass a -D to the module build (limits like MAXACTION)\n"
"  -g             guru mode: allow embedded C in the script\n"
"  -w             suppress warnings\n"
"  -W             turn warnings into errors\n"
"  -u, --unprivileged  check the script against unprivileged rules\n"
"  --privilege[=stapusr|stapdev]  stapusr: as -u; stapdev: no check\n"
"  -G NAME=VALUE  set the script's scalar global NAME to VALUE when the\n"
"                 module loads (a number or a string)\n"
"  --compatible=VERSION  systemtap_v is VERSION (at most " LANGUAGE_VERSION ")\n"
"  --suppress-time-limits  lift MAXACTION and MAXTRYLOCK (needs -g)\n"
"  --suppress-handler-errors  a run-time error ends the probe hit only,\n"
"                 never the session (it is still reported)\n"
"  -P, --prologue-searching[=WHEN]  always: kernel.function probes\n"
"                 after the prologue the line table marks\n"
"  --disable-cache  neither read nor write the cache\n"
"  --poison-cache   do not read the cache (still write it)\n"
"  --clean-cache    empty the cache and exit\n"
"  --runtime=kernel  the only runtime\n"
"  --dump-functions  list the tapset library's functions and exit\n"
"  --dump-probe-aliases  list its probe aliases and exit (-v: with\n"
"                 the variables each sets)\n"
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

/* "not supported yet: --NAME[=ARG]" for an upstream option we lack. */
static int refused(const char *dashes, const char *name, const char *arg)
{
	fprintf(stderr, "stap: not supported yet: %s%s%s%s\n", dashes, name,
		arg ? "=" : "", arg ? arg : "");
	return OPT_EXIT_1;
}

/* Compares dotted version numbers ("4.8", "5.0.1"); false when v is
 * not one. */
static bool version_le(const char *v, const char *max, bool *le)
{
	const char *p = v, *q = max;

	if (!isdigit((unsigned char)*v))
		return false;
	*le = true;
	while (*p || *q) {
		char *end;
		long a = *p ? strtol(p, &end, 10) : 0;
		if (*p && (end == p || (*end && *end != '.')))
			return false;
		p = *p ? end + (*end == '.') : p;
		long b = *q ? strtol(q, &end, 10) : 0;
		q = *q ? end + (*end == '.') : q;
		if (a != b) {
			*le = a < b;
			/* the rest must still be a version */
			for (; *p; p++)
				if (!isdigit((unsigned char)*p) && *p != '.')
					return false;
			return true;
		}
	}
	return true;
}

/* -G NAME=VALUE: the value is checked against the global's type once
 * pass 2 knows it (check_global_settings). */
static int global_setting(struct session *s, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || !is_identifier(arg, (size_t)(eq - arg)))
		return bad_option("invalid -G '%s' (expected NAME=VALUE, NAME "
				  "a global of the script)", arg);
	if (strchr(eq + 1, '"'))
		return bad_option("invalid -G '%s': a value cannot contain "
				  "'\"' (module parameters cannot carry it)",
				  arg);
	vec_push(&s->global_settings, (void *)arg);
	return OPT_OK;
}

static int take_option(struct session *s, int c, const char *arg,
		       const char *longname)
{
	long v;
	bool le;

	if (c > 0 && c < 256 && c != '?' && strchr(refused_short, c))
		return refused("-", (char[]){ (char)c, '\0' }, NULL);
	switch (c) {
	case LONG_REFUSED:
		return refused("--", longname, arg);
	case 'G':
		return global_setting(s, arg);
	case LONG_PRIVILEGE:
		if (!arg || strcmp(arg, "stapusr") == 0)
			s->unprivileged = true;
		else if (strcmp(arg, "stapdev") == 0)
			s->unprivileged = false;
		else if (strcmp(arg, "stapsys") == 0)
			return refused("--", longname, arg);
		else
			return bad_option("invalid argument '%s' for --privilege "
					  "(expected stapusr, stapsys or stapdev)",
					  arg);
		break;
	case LONG_COMPATIBLE:
		if (!version_le(arg, LANGUAGE_VERSION, &le))
			return bad_option("invalid version '%s' for --compatible "
					  "(expected a version like 4.8)", arg);
		if (!le) {
			fprintf(stderr, "stap: systemtap version %s cannot be "
				"compatible with future version %s\n",
				LANGUAGE_VERSION, arg);
			return OPT_EXIT_1;
		}
		s->compatible = arg;
		break;
	case LONG_DISABLE_CACHE:
		s->disable_cache = true;
		break;
	case LONG_POISON_CACHE:
		s->poison_cache = true;
		break;
	case LONG_CLEAN_CACHE:
		s->clean_cache = true;
		break;
	case LONG_SUPPRESS_TIME_LIMITS:
		s->suppress_time_limits = true;
		break;
	case LONG_SUPPRESS_HANDLER_ERRORS:
		s->suppress_handler_errors = true;
		break;
	case 'P':
	case LONG_PROLOGUE_SEARCHING:
		if (arg && strcmp(arg, "never") && strcmp(arg, "always") &&
		    strcmp(arg, "auto"))
			return bad_option("invalid argument '%s' for "
					  "--prologue-searching (expected never, "
					  "always or auto)", arg);
		s->prologue_searching = arg ? arg : "always";
		break;
	case LONG_DUMP_FUNCTIONS:
	case LONG_DUMP_PROBE_ALIASES:
		if (s->dump_library)
			return bad_option("%s", "only one --dump-* option "
					  "is allowed");
		s->dump_library = true;
		s->dump_functions = c == LONG_DUMP_FUNCTIONS;
		break;
	case LONG_RUNTIME:
		if (strcmp(arg, "kernel") != 0)
			return refused("--", longname, arg);
		break;
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
		s->list_vars = c == 'L';
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
		s->module_named = true;
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
	case 'd':
		vec_push(&s->user_modules, (void *)arg);
		break;
	case LONG_LDD:
		s->ldd = true;
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

/* name=value as a -D unless the user gave -D name. */
static void default_define(struct session *s, const char *name,
			   const char *value)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < s->defines.len; i++) {
		const char *d = vec_at(&s->defines, i);
		if (strncmp(d, name, n) == 0 && (d[n] == '=' || !d[n]))
			return;
	}
	vec_push(&s->defines, xasprintf("%s=%s", name, value));
}

/*
 * --suppress-time-limits and --suppress-handler-errors as -D's (the
 * user's own -D of the same name wins).  Upstream documents the first
 * as lifting STP_OVERLOAD, MAXACTION and MAXTRYLOCK (the runtime's
 * switch is STAP_SUPPRESS_TIME_LIMITS_ENABLE); the second makes a
 * run-time error end only the probe hit: STAP_SUPPRESS_HANDLER_ERRORS
 * tells the runtime, and the error and skip budgets are lifted.
 */
static void limit_defines(struct session *s)
{
	if (s->suppress_time_limits) {
		default_define(s, "STAP_SUPPRESS_TIME_LIMITS_ENABLE", "1");
		default_define(s, "STP_NO_OVERLOAD", "1");
		default_define(s, "MAXACTION", "LONG_MAX");
		default_define(s, "MAXACTION_INTERRUPTIBLE", "LONG_MAX");
		default_define(s, "MAXTRYLOCK", "LONG_MAX");
	}
	if (s->suppress_handler_errors) {
		default_define(s, "STAP_SUPPRESS_HANDLER_ERRORS", "1");
		default_define(s, "MAXERRORS", "2147483647L");
		default_define(s, "MAXSKIPPED", "2147483647L");
	}
}

int parse_options(struct session *s, int argc, char **argv)
{
	int c, rc;

	s->last_pass = 5;
	opterr = 1;
	/* Options may follow the script and its arguments, as upstream's
	 * (getopt permutes them to the end); "--" ends the options, so
	 * that an argument may start with '-'. */
	int li = -1;
	while ((c = getopt_long(argc, argv,
				"e:l:L:p:vqkm:r:o:I:D:gwWuc:x:T:s:bFS:VhG:P"
				"tB:R:E:d:a:", long_options, &li)) != -1) {
		if (c == 'a' && strcmp(optarg, "x86_64") == 0)
			continue;	/* the one architecture we build for */
		/* --all-modules asks for kernel modules' symbols: the
		 * runtime names every kernel address through kallsyms,
		 * modules included, so they are already there (as for
		 * -d MODULE, see take_option). */
		if (c == LONG_ALL_MODULES)
			continue;
		rc = take_option(s, c, optarg, li >= 0 ? long_options[li].name
							: NULL);
		if (rc != OPT_OK)
			return rc;
		li = -1;
	}
	if (s->clean_cache || s->dump_library)	/* need no script */
		return OPT_OK;

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
	if (s->suppress_time_limits && !s->guru)
		return bad_option("%s", "--suppress-time-limits needs guru mode "
				  "(-g)");
	limit_defines(s);
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

/* The global NAME (n bytes) of prog, or NULL. */
static const struct sym *global_named(const struct program *prog,
				      const char *name, size_t n)
{
	for (size_t i = 0; i < prog->globals.len; i++) {
		const struct sym *g = vec_at(&prog->globals, i);
		if (strlen(g->name) == n && strncmp(g->name, name, n) == 0)
			return g;
	}
	return NULL;
}

static bool whole_number(const char *v)
{
	char *end;

	errno = 0;
	strtoll(v, &end, 0);
	return *v && !*end && !errno;
}

bool check_global_settings(const struct session *s, const struct program *prog)
{
	long maxlen = session_define(s, "MAXSTRINGLEN", 512);
	bool ok = true;

	for (size_t i = 0; i < s->global_settings.len; i++) {
		const char *arg = vec_at(&s->global_settings, i);
		size_t n = strcspn(arg, "=");
		const char *val = arg + n + 1;
		const struct sym *g = global_named(prog, arg, n);

		if (!g)
			fatal_msg("-G %s: the script has no global '%.*s'",
				  arg, (int)n, arg);
		else if (g->nkeys > 0 || g->type == TYPE_STATS)
			fatal_msg("-G %s: global '%s' is %s; -G sets numbers "
				  "and strings only", arg, g->name,
				  g->nkeys > 0 ? "an array" : "a statistic");
		else if (g->type == TYPE_LONG && !whole_number(val))
			fatal_msg("-G %s: global '%s' is a number, and '%s' "
				  "is not one", arg, g->name, val);
		else if (g->type == TYPE_STRING &&
			 (long)strlen(val) > maxlen - 1)
			fatal_msg("-G %s: the value is longer than the %ld "
				  "bytes of a string (MAXSTRINGLEN - 1)",
				  arg, maxlen - 1);
		else
			continue;
		ok = false;
	}
	return ok;
}
