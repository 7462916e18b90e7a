/*
 * The work directories of a session: the one pass 4 builds in (made on
 * first need) and those of the per-kernel build children (targets.c),
 * all removed at the end of the run unless -k keeps them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "session.h"
#include "util/command.h"
#include "util/diag.h"

/* $TMPDIR, or /tmp when it is unset. */
static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	return t ? t : "/tmp";
}

bool session_check_tmpdir(void)
{
	const char *t = tmp_base();
	struct stat st;

	if (!*t || *t != '/') {
		fatal_msg("TMPDIR '%s' is not an absolute path: set it to a "
			  "writable directory, or unset it to use /tmp", t);
		return false;
	}
	if (stat(t, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(t, W_OK | X_OK) != 0) {
		fatal_msg("TMPDIR '%s' is not a writable directory: set it to "
			  "one, or unset it to use /tmp", t);
		return false;
	}
	return true;
}

bool session_make_tmpdir(struct session *s)
{
	s->tmpdir = xasprintf("%s/stapXXXXXX", tmp_base());
	if (!mkdtemp(s->tmpdir)) {
		fatal_msg("cannot create a temporary directory in %s: %m",
			  tmp_base());
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

void session_remove_tmpdirs(struct session *s)
{
	remove_tmpdir(s, s->tmpdir);
	for (size_t i = 0; i < s->kernel_tmpdirs.len; i++)
		remove_tmpdir(s, vec_at(&s->kernel_tmpdirs, i));
}
