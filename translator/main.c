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
#include "elaborate/elaborate.h"
#include "elaborate/tapsets.h"
#include "emit/emit.h"
#include "kbuild/kbuild.h"
#include "options.h"
#include "parse/parse.h"
#include "paths.h"
#include "run/connection.h"
#include "run/run.h"
#include "run/targets.h"
#include "session.h"
#include "util/diag.h"

static uint64_t pass_start;

/* -v: "Pass N: what in T ms." */
static void timed(struct session *s, int pass, const char *what)
{
	s->pass_us[pass] = now_us() - pass_start;
	if (s->verbose)
		fprintf(stderr, "Pass %d: %s in %llu.%03llu ms.\n", pass, what,
			(unsigned long long)s->pass_us[pass] / 1000,
			(unsigned long long)s->pass_us[pass] % 1000);
}

static int pass1(struct session *s)
{
	s->user_file = parse_user_script(s);
	timed(s, 1, "parsed user script");
	return !s->user_file || diag_errors;
}

static int pass2(struct session *s)
{
	s->prog = elaborate(s, s->user_file);
	timed(s, 2, "analyzed script");
	return !s->prog || !check_global_settings(s, s->prog);
}

static int pass3(struct session *s)
{
	s->c_source = emit_program(s, s->prog);
	timed(s, 3, "translated to C");
	return 0;
}

static int pass4(struct session *s)
{
	bool cached;
	if (!module_for_source(s, &cached))
		return 1;
	timed(s, 4, cached ? "found the module in the cache"
			   : "compiled the module");
	return 0;
}

static int pass5(struct session *s)
{
	pass_start = now_us();
	int rc = run_module(s);
	timed(s, 5, "ran the module");
	return rc;
}

/* -pN: the result of the last pass. */
static void print_result(struct session *s)
{
	if (s->last_pass == 1)
		print_file(stdout, s->user_file);
	else if (s->last_pass == 2 && s->list_points)
		print_probe_points(stdout, s->prog, s->list_vars);
	else if (s->last_pass == 2)
		print_program(stdout, s->prog, s->verbose > 0);
	else if (s->last_pass == 3)
		fputs(s->c_source, stdout);
	else if (s->last_pass == 4)
		printf("%s\n", s->module_path);
}

static int (*const passes[])(struct session *) =
	{ NULL, pass1, pass2, pass3, pass4 };

/* Passes 1-4 for one target kernel (s->kernel_release). */
static int build(struct session *s)
{
	if (!find_target_kernel(s))
		return 1;
	for (int pass = 1; pass <= s->last_pass && pass <= 4; pass++) {
		pass_start = now_us();
		if (passes[pass](s)) {
			if (!s->list_points)	/* -l/-L: upstream says nothing */
				diag_pass_failed(pass);
			return 1;
		}
	}
	print_result(s);
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
	if (!session_check_tmpdir())
		return 1;
	find_paths(&s);
	s.library_macro = tapset_macro_load;	/* pass 1's @macros */
	if (s.dump_library)
		return dump_library(&s, stdout);
	if ((rc = cache_options(&s)) >= 0)
		return rc;
	if (!choose_targets(&s)) {
		session_remove_tmpdirs(&s);
		return 1;
	}
	rc = build_each_kernel(&s, build);
	if (rc == 0 && s.last_pass == 5 && (rc = pass5(&s)))
		diag_pass_failed(5);
	close_target(&s);
	session_remove_tmpdirs(&s);
	return rc;
}
