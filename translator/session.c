/*
 * The work directories of a session: the one pass 4 builds in (made on
 * first need) and those of the per-kernel build children (targets.c),
 * all removed at the end of the run unless -k keeps them.
 */
#include <stdio.h>
#include <stdlib.h>
#include "session.h"
#include "util/command.h"
#include "util/diag.h"

bool session_make_tmpdir(struct session *s)
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

void session_remove_tmpdirs(struct session *s)
{
	remove_tmpdir(s, s->tmpdir);
	for (size_t i = 0; i < s->kernel_tmpdirs.len; i++)
		remove_tmpdir(s, vec_at(&s->kernel_tmpdirs, i));
}
