/*
 * stap: the driver.  It reads like the pipeline:
 *
 *   options -> targets and their kernels
 *           -> for each target kernel: pass 1 parse -> pass 2 elaborate
 *              -> pass 3 emit C -> pass 4 kbuild (or the cache)
 *           -> pass 5 run (staprun locally, stapsh remotely / in the VM;
 *              on every target at once)
 *
 * -pN stops after pass N and prints its result; -v prints pass times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build/build.h"
#include "build/targets.h"
#include "elaborate/elaborate.h"
#include "emit/emit.h"
#include "options.h"
#include "parse/parse.h"
#include "paths.h"
#include "session.h"
#include "util/diag.h"

static void report_time(struct session *s, int pass, const char *what,
			uint64_t start)
{
	s->pass_us[pass] = now_us() - start;
	if (s->verbose)
		fprintf(stderr, "Pass %d: %s in %llu.%03llu ms.\n", pass, what,
			(unsigned long long)s->pass_us[pass] / 1000,
			(unsigned long long)s->pass_us[pass] % 1000);
}

static bool make_tmpdir(struct session *s)
{
	s->tmpdir = xstrdup("/tmp/stapXXXXXX");
	if (!mkdtemp(s->tmpdir)) {
		fatal_msg("cannot create a temporary directory in /tmp");
		return false;
	}
	return true;
}

static void remove_tmpdir(struct session *s, char *dir)
{
	if (!dir)
		return;
	if (s->keep_tmpdir) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", dir);
		return;
	}
	char *argv[] = { "rm", "-rf", dir, NULL };
	run_command(argv, "/dev/null");
}

static int pass1(struct session *s)
{
	uint64_t t = now_us();
	if (s->script_text) {
		struct source *src = xcalloc(1, sizeof(*src));
		src->name = xstrdup("<input>");
		src->text = xstrdup(s->script_text);
		src->len = strlen(src->text);
		s->user_file = parse_source(s, src, false);
	} else {
		s->user_file = parse_path(s, s->script_file, false);
	}
	report_time(s, 1, "parsed user script", t);
	if (!s->user_file || diag_errors)
		return 1;
	if (s->last_pass == 1)
		print_file(stdout, s->user_file);
	return 0;
}

static int pass2(struct session *s)
{
	uint64_t t = now_us();
	s->prog = elaborate(s, s->user_file);
	report_time(s, 2, "analyzed script", t);
	if (!s->prog)
		return 1;
	if (s->last_pass == 2 && s->list_points)
		print_probe_points(stdout, s->prog);
	else if (s->last_pass == 2)
		print_program(stdout, s->prog, s->verbose > 0);
	return 0;
}

static int pass3(struct session *s)
{
	uint64_t t = now_us();
	s->c_source = emit_program(s, s->prog);
	report_time(s, 3, "translated to C", t);
	if (s->last_pass == 3)
		fputs(s->c_source, stdout);
	return 0;
}

static int pass4(struct session *s)
{
	uint64_t t = now_us();
	char *cached = s->keep_tmpdir ? NULL : cache_lookup(s);
	if (cached) {
		s->module_path = cached;
	} else {
		if (!make_tmpdir(s) || !build_module(s))
			return 1;
		cache_store(s);
	}
	report_time(s, 4, cached ? "found the module in the cache"
				 : "compiled the module", t);
	if (s->last_pass == 4)
		printf("%s\n", s->module_path);
	return 0;
}

static int pass5(struct session *s)
{
	uint64_t t = now_us();
	int rc = run_module(s);
	report_time(s, 5, "ran the module", t);
	return rc;
}

static int (*const passes[])(struct session *) =
	{ NULL, pass1, pass2, pass3, pass4 };

/* Passes 1-4 for one target kernel (s->kernel_release). */
static int build(struct session *s)
{
	if (!find_target_kernel(s))
		return 1;
	for (int pass = 1; pass <= s->last_pass && pass <= 4; pass++) {
		int rc = passes[pass](s);
		if (rc)
			return rc;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct session s;
	int rc;

	switch (parse_options(&s, argc, argv)) {
	case OPT_EXIT_0: return 0;
	case OPT_EXIT_1: return 1;
	}
	find_paths(&s);
	if (!choose_targets(&s))
		return 1;
	rc = build_each_kernel(&s, build);
	if (rc == 0 && s.last_pass == 5)
		rc = pass5(&s);
	close_target(&s);
	remove_tmpdir(&s, s.tmpdir);
	for (size_t i = 0; i < s.kernel_tmpdirs.len; i++)
		remove_tmpdir(&s, vec_at(&s.kernel_tmpdirs, i));
	return rc;
}
