/*
 * All configuration of one stap run: the options as parsed, the target
 * kernel, the paths found, and the results each pass hands to the next.
 * main.c fills it in; every pass reads from it.  session.c makes and
 * removes its work directories.
 */
#ifndef STAP_SESSION_H
#define STAP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include "util/util.h"

struct file;
struct program;
struct remote;
struct ksyms;

struct session {
	/* ---- options ---- */
	const char *script_text;	/* -e */
	const char *script_file;	/* FILE or "-" */
	struct vec script_args;		/* char *: $1 $2 ... / @1 @2 ... */
	int last_pass;			/* -p N, 5 by default */
	int verbose;			/* -v count */
	bool quiet;			/* -q: no status line */
	bool keep_tmpdir;		/* -k */
	const char *module_name;	/* -m, or "stap_<hash>" */
	bool module_named;		/* -m: also copied to ./NAME.ko */
	const char *output_file;	/* -o */
	struct vec include_dirs;	/* char *: -I */
	struct vec defines;		/* char *: -D NAME[=VAL] */
	struct vec user_modules;	/* char *: -d PATH (or a kernel
					 * module name): symbols to carry */
	bool ldd;			/* --ldd: and the libraries they need */
	struct vec remotes;		/* char *: --remote URL, in order */
	bool remote_prefix;		/* --remote-prefix: "N: " per line */
	bool guru;			/* -g */
	bool suppress_warnings;		/* -w */
	bool warnings_are_errors;	/* -W */
	bool unprivileged;		/* -u / --unprivileged */
	const char *target_cmd;		/* -c */
	int target_pid;			/* -x */
	int timeout_s;			/* -T SECONDS, 0 = none */
	int bufsize_mb;			/* -s MB, 0 = the module's default */
	bool bulk;			/* -b */
	bool list_points;		/* -l / -L PATTERN: print the probe
					 * points it resolves to, after pass 2 */
	bool list_vars;			/* -L: with their target variables */
	bool dump_library;		/* --dump-functions or
					 * --dump-probe-aliases: list the
					 * tapset library and exit */
	bool dump_functions;		/* which of the two */
	bool flight;			/* -F: flight recorder */
	const char *rotate;		/* -S SIZE[,N], as given */
	struct vec global_settings;	/* char *: -G NAME=VALUE, module
					 * parameters for staprun */
	bool disable_cache;		/* --disable-cache: a private cache
					 * in a temporary directory */
	bool poison_cache;		/* --poison-cache: write, never read */
	bool clean_cache;		/* --clean-cache: empty it and exit */
	const char *compatible;		/* --compatible=VERSION: systemtap_v */
	bool suppress_time_limits;	/* --suppress-time-limits (-D's) */
	bool suppress_handler_errors;	/* --suppress-handler-errors (-D's) */
	const char *prologue_searching;	/* -P / --prologue-searching[=WHEN] */

	/* ---- target ---- */
	const char *kernel_release;	/* -r, the remote's, or uname -r */
	const char *kernel_build_tree;	/* /lib/modules/R/build or -r path */
	const char *arch;		/* "x86_64" */
	/* Parallel to remotes (run/targets.c): each target's kernel
	 * release, and the module pass 4 built for that release. */
	struct vec remote_releases;	/* char * */
	struct vec remote_modules;	/* char * */
	struct vec kernel_tmpdirs;	/* char *: work dirs of per-kernel builds */
	struct remote *remote;		/* the connection to --remote's
					 * stapsh, once opened: at pass 2
					 * when probe points need the
					 * target's symbols, else at pass 5 */
	struct ksyms *ksyms;		/* the target's function symbols,
					 * loaded on first need (pass 2) */
	bool ksyms_tried;

	/* ---- paths ---- */
	const char *runtime_dir;	/* runtime/ (build tree or installed) */
	const char *tapset_dir;
	const char *libexec_dir;	/* where stapio / stapsh live */
	const char *bin_dir;		/* where staprun lives */
	const char *cache_dir;		/* ~/.cache/stap */
	char *tmpdir;			/* per-run work dir */

	/* ---- the tapset library, as pass 1 sees it ---- */
	/* Reads the macro library (*.stpm) file that defines @name, if one
	 * does and it was not read yet; whether it read one.  Set by the
	 * driver to the tapset library's loader (elaborate/tapsets.c), so
	 * that the preprocessor asks it without depending on pass 2. */
	bool (*library_macro)(struct session *s, const char *name);

	/* ---- pass results ---- */
	struct file *user_file;		/* pass 1 */
	struct program *prog;		/* pass 2 */
	char *c_source;			/* pass 3 */
	char *module_path;		/* pass 4: the .ko */
	char *source_key;		/* pass 4: "stap_<hash>" of what goes
					 * into the module (kbuild/cache.c) */
	int exit_status;		/* pass 5 */

	/* ---- timings, for -v ---- */
	uint64_t pass_us[6];
};

/* session.c: false after saying why when $TMPDIR is set to something
 * that is not a writable directory (checked before pass 1). */
bool session_check_tmpdir(void);
/* session.c: makes s->tmpdir under $TMPDIR or /tmp; false after saying
 * why. */
bool session_make_tmpdir(struct session *s);
/* session.c: removes s->tmpdir and s->kernel_tmpdirs, or with -k says
 * where they are kept. */
void session_remove_tmpdirs(struct session *s);

#endif
