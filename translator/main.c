/*
 * stap: the driver.  It reads like the pipeline:
 *
 *   options -> target kernel -> pass 1 parse -> pass 2 elaborate
 *           -> pass 3 emit C -> pass 4 kbuild (or the cache)
 *           -> pass 5 run (staprun locally, stapsh remotely / in the VM)
 *
 * -pN stops after pass N and prints its result; -v prints pass times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build/build.h"
#include "build/remote.h"
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

/*
 * Decides where the script will run, and so which kernel passes 1-4
 * target: --remote's kernel, else this machine's, else (when this
 * kernel cannot load modules) the built-in VM's newest kernel.
 */
static bool choose_target(struct session *s)
{
	const char *url = s->remotes.len ? vec_at(&s->remotes, 0) : NULL;

	if (!url && !local_modules_supported()) {
		const char *rel = s->kernel_release ? s->kernel_release
						    : vm_default_release();
		if (rel && s->last_pass == 5) {
			url = xasprintf("vm:%s", rel);
			vec_push(&s->remotes, (void *)url);
			fprintf(stderr, "stap: this kernel cannot load modules; "
				"running in the built-in VM (--remote=%s)\n", url);
		} else if (!rel && s->last_pass == 5) {
			fatal_msg("this kernel cannot load modules and the "
				  "built-in VM has no kernel yet: run "
				  "'stap-vm fetch' first, or use --remote");
			return false;
		}
		if (!s->kernel_release)
			s->kernel_release = rel;
	}
	if (url && strncmp(url, "vm:", 3) == 0 && !s->kernel_release)
		s->kernel_release = url + 3;
	if (url && strncmp(url, "unix:", 5) == 0 && !s->kernel_release) {
		struct remote *r = open_target(s);	/* kept for pass 5 */
		if (!r)
			return false;
		s->kernel_release = xstrdup(remote_release(r));
	}
	return find_target_kernel(s);
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

static void remove_tmpdir(struct session *s)
{
	if (!s->tmpdir)
		return;
	if (s->keep_tmpdir) {
		fprintf(stderr, "Keeping temporary directory \"%s\"\n", s->tmpdir);
		return;
	}
	char *argv[] = { "rm", "-rf", s->tmpdir, NULL };
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
		print_program(stdout, s->prog);
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

int main(int argc, char **argv)
{
	static struct session s;
	int (*const passes[])(struct session *) =
		{ NULL, pass1, pass2, pass3, pass4, pass5 };
	int rc = 0;

	switch (parse_options(&s, argc, argv)) {
	case OPT_EXIT_0: return 0;
	case OPT_EXIT_1: return 1;
	}
	find_paths(&s);
	if (!choose_target(&s))
		return 1;
	for (int pass = 1; pass <= s.last_pass; pass++) {
		rc = passes[pass](&s);
		if (rc || pass == s.last_pass)
			break;
	}
	close_target(&s);
	remove_tmpdir(&s);
	return rc;
}
