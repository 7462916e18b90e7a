/*
 * Pass 4: kbuild.  First the kernel feature probes give stap_compat.h
 * (compat.c, cached per build tree); then the generated C is built as an
 * external module with `make -C <build tree> M=<tmpdir>`.  A failure
 * quotes the first compiler error and names the kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kbuild.h"
#include "util/command.h"
#include "util/diag.h"
#include "util/status.h"
#include "ctl_proto.h"

/* Whether a build log line reports an error: the compiler's
 * "FILE:LINE:COL: error: ..." or modpost's "ERROR: modpost: ...", not
 * a quoted source line that mentions stap_error. */
static bool is_error_line(const char *line)
{
	return strstr(line, "error:") || strstr(line, "ERROR:");
}

/* Quotes the first error lines of a failed build log, else its last
 * lines (the log goes away with the temporary directory). */
static void show_build_error(struct session *s, const char *log_path)
{
	char *log = read_file(log_path, NULL);
	int shown = 0;

	if (log && !is_error_line(log)) {	/* no error line anywhere */
		size_t n = strlen(log), lines = 0;
		while (n > 0 && lines < 7)
			lines += log[--n] == '\n';
		fatal_msg("pass 4: building the module for kernel %s failed; "
			  "the build said:", s->kernel_release);
		fprintf(stderr, "%s", log + n + (log[n] == '\n'));
		free(log);
		return;
	}

	fatal_msg("pass 4: building the module for kernel %s failed:",
		  s->kernel_release);
	for (char *line = log ? strtok(log, "\n") : NULL; line && shown < 8;
	     line = strtok(NULL, "\n"))
		if (is_error_line(line) || (shown && shown < 4)) {
			fprintf(stderr, "  %s\n", line);
			shown++;
		}
	if (!shown)
		fprintf(stderr, "  (no compiler error found; see %s)\n", log_path);
	free(log);
}

bool build_module(struct session *s)
{
	const char *name = module_name_for(s);
	struct stat st;

	if (stat(s->kernel_build_tree, &st) != 0) {
		fatal_msg("pass 4: no kernel build tree for %s at %s; install "
			  "linux-headers-%s (or give -r)", s->kernel_release,
			  s->kernel_build_tree, s->kernel_release);
		return false;
	}
	if (!compat_header(s)) {
		fatal_msg("pass 4: could not run the kernel feature probes "
			  "for %s", s->kernel_release);
		return false;
	}
	char *src = xasprintf("%s/%s.c", s->tmpdir, name);
	char *kb = xasprintf("%s/Kbuild", s->tmpdir);
	/* The module speaks this stap's control protocol version (lower
	 * in a previous-release build, see ctl_proto.h, which the runtime
	 * includes from its uapi/ directory). */
	char *kbuild = xasprintf("obj-m := %s.o\nccflags-y := -I%s -I%s/uapi "
				 "-I%s -DSTAP_CTL_PROTO_VERSION=%d "
				 "-Wno-unused-function -Wno-unused-label\n",
				 name, s->runtime_dir, s->runtime_dir,
				 s->tmpdir, STAP_CTL_PROTO_VERSION);
	write_file(src, s->c_source, strlen(s->c_source));
	write_file(kb, kbuild, strlen(kbuild));

	char *tree = xasprintf("-C%s", s->kernel_build_tree);
	char *m = xasprintf("M=%s", s->tmpdir);
	char *log = xasprintf("%s/build.log", s->tmpdir);
	/* The module needs no BTF of its own: without this, a build tree
	 * that ships vmlinux (Debian's 6.12 headers do) has modfinal run
	 * pahole and resolve_btfids on every build, which needs dwarves
	 * installed and costs time for nothing. */
	char *argv[] = { "make", "-j2", tree, m,
			 "CONFIG_DEBUG_INFO_BTF_MODULES=", "modules", NULL };
	status_start("pass 4: building the module for %s", s->kernel_release);
	int rc = run_command(argv, log);
	status_end();
	s->module_path = xasprintf("%s/%s.ko", s->tmpdir, name);
	bool ok = rc == 0 && access(s->module_path, R_OK) == 0;
	if (!ok)
		show_build_error(s, log);
	else if (s->verbose >= 2)
		fprintf(stderr, "built %s\n", s->module_path);
	free(src), free(kb), free(kbuild), free(tree), free(m), free(log);
	return ok;
}
