/*
 * Pass 4: kbuild.  First the kernel feature probes (runtime/compat/NAME.c,
 * each a tiny file that compiles only if the target kernel has some
 * API) are built once per build tree and their results cached as
 * stap_compat.h; then the generated C is built as an external module
 * with `make -C <build tree> M=<tmpdir>`.  A failure quotes the first
 * compiler error and names the kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "build.h"
#include "util/diag.h"
#include "../../staprun/ctl_proto.h"

static bool is_probe_file(const char *name)
{
	size_t n = strlen(name);
	return n > 2 && name[0] != '.' && strcmp(name + n - 2, ".c") == 0;
}

static char *upper(const char *s, size_t n)
{
	char *u = xstrndup(s, n);
	for (char *p = u; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	return u;
}

/* Builds every feature probe at once (make -k) and writes the header
 * with a STAP_HAVE_<NAME> for each that compiled. */
static bool run_feature_probes(struct session *s, const char *out_path)
{
	char *compat = xasprintf("%s/compat", s->runtime_dir);
	char *dir = xasprintf("%s/compat", s->tmpdir);
	struct dirent **list;
	int n = scandir(compat, &list, NULL, alphasort);
	struct strbuf header = {0};

	mkdir(dir, 0755);
	for (int i = 0; i < n; i++)
		if (is_probe_file(list[i]->d_name)) {
			char *src = xasprintf("%s/%s", compat, list[i]->d_name);
			char *dst = xasprintf("%s/%s", dir, list[i]->d_name);
			size_t len;
			char *text = read_file(src, &len);
			if (text)
				write_file(dst, text, len);
			free(text), free(src), free(dst);
		}
	char *kpath = xasprintf("%s/Kbuild", dir);
	write_file(kpath, "", 0);
	free(kpath);

	/* make -k -C tree M=dir a.o b.o ... */
	struct vec argv = {0};
	vec_push(&argv, "make");
	vec_push(&argv, "-k");
	vec_push(&argv, "-j2");
	vec_push(&argv, xasprintf("-C%s", s->kernel_build_tree));
	vec_push(&argv, xasprintf("M=%s", dir));
	for (int i = 0; i < n; i++)
		if (is_probe_file(list[i]->d_name)) {
			char *o = xstrdup(list[i]->d_name);
			o[strlen(o) - 1] = 'o';
			vec_push(&argv, o);
		}
	vec_push(&argv, NULL);
	char *log = xasprintf("%s/compat.log", s->tmpdir);
	run_command((char *const *)argv.items, log);

	sb_puts(&header, "/* Kernel features found by runtime/compat probes. */\n");
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (is_probe_file(name)) {
			char *o = xasprintf("%s/%.*s.o", dir,
					    (int)strlen(name) - 2, name);
			char *macro = upper(name, strlen(name) - 2);
			if (access(o, F_OK) == 0)
				sb_printf(&header, "#define STAP_HAVE_%s 1\n", macro);
			else
				sb_printf(&header, "/* no %s */\n", macro);
			free(o), free(macro);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	bool ok = write_file(out_path, header.buf, header.len);
	sb_free(&header), free(log), free(dir), free(compat);
	return ok;
}

/* stap_compat.h for this build tree, from the cache when possible. */
static bool compat_header(struct session *s)
{
	char *dst = xasprintf("%s/stap_compat.h", s->tmpdir);
	char *cached = xasprintf("%s/compat/%s.h", s->cache_dir,
				 s->kernel_release);
	size_t len;
	char *text = read_file(cached, &len);
	bool ok;

	if (text) {
		ok = write_file(dst, text, len);
	} else {
		ok = run_feature_probes(s, dst);
		text = ok ? read_file(dst, &len) : NULL;
		if (text) {	/* atomic: other staps may read it now */
			char *dir = xasprintf("%s/compat", s->cache_dir);
			mkdir_p(dir);
			write_file_atomic(cached, text, len);
			free(dir);
		}
	}
	free(text), free(cached), free(dst);
	return ok;
}

/* Quotes the first error lines of a failed build log, else its last
 * lines (the log goes away with the temporary directory). */
static void show_build_error(struct session *s, const char *log_path)
{
	char *log = read_file(log_path, NULL);
	int shown = 0;

	if (log && !strstr(log, "error")) {
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
		if (strstr(line, "error") || (shown && shown < 4)) {
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
	 * in a previous-release build, see ctl_proto.h). */
	char *kbuild = xasprintf("obj-m := %s.o\nccflags-y := -I%s -I%s "
				 "-DSTAP_CTL_PROTO_VERSION=%d "
				 "-Wno-unused-function -Wno-unused-label\n",
				 name, s->runtime_dir, s->tmpdir,
				 STAP_CTL_PROTO_VERSION);
	write_file(src, s->c_source, strlen(s->c_source));
	write_file(kb, kbuild, strlen(kbuild));

	char *tree = xasprintf("-C%s", s->kernel_build_tree);
	char *m = xasprintf("M=%s", s->tmpdir);
	char *log = xasprintf("%s/build.log", s->tmpdir);
	char *argv[] = { "make", "-j2", tree, m, "modules", NULL };
	int rc = run_command(argv, log);
	s->module_path = xasprintf("%s/%s.ko", s->tmpdir, name);
	bool ok = rc == 0 && access(s->module_path, R_OK) == 0;
	if (!ok)
		show_build_error(s, log);
	else if (s->verbose >= 2)
		fprintf(stderr, "built %s\n", s->module_path);
	free(src), free(kb), free(kbuild), free(tree), free(m), free(log);
	return ok;
}
