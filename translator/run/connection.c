/*
 * The session's connection to its target (connection.h): which --remote
 * the script runs on, and the one stapsh connection to it that pass 2
 * and pass 5 share.  Pass 2 also asks every target, through this file,
 * which program a pid runs there (target_pid_program).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "connection.h"
#include "remote.h"
#include "util/util.h"

const char *target_url(struct session *s)
{
	const char *url = s->remotes.len ? vec_at(&s->remotes, 0) : NULL;
	return url && strncmp(url, "direct:", 7) != 0 ? url : NULL;
}

struct remote *open_target(struct session *s)
{
	if (!s->remote && target_url(s))
		s->remote = remote_open(target_url(s));
	return s->remote;
}

void close_target(struct session *s)
{
	remote_close(s->remote);
	s->remote = NULL;
}

/* ---- the program of a pid ------------------------------------------------ */

/* pid's program on this machine, or NULL with *why. */
static char *local_pid_program(int64_t pid, char **why)
{
	char link[64], buf[PATH_MAX];

	snprintf(link, sizeof(link), "/proc/%lld/exe", (long long)pid);
	if (realpath(link, buf))
		return xstrdup(buf);
	*why = xstrdup(errno == ENOENT ? "No such process" : strerror(errno));
	return NULL;
}

/* pid's program on the remote target url, or NULL with *why.  The
 * first target's connection is the session's (open_target); another's
 * is opened for the question. */
static char *remote_pid_program(struct session *s, const char *url,
				int64_t pid, char **why)
{
	bool shared = strcmp(url, target_url(s) ? target_url(s) : "") == 0;
	struct remote *own = shared ? NULL : remote_open(url);
	struct remote *r = shared ? open_target(s) : own;
	char *path = NULL, *msg = NULL;
	int rc;

	if (!r) {
		*why = xasprintf("cannot connect to --remote=%s", url);
		return NULL;
	}
	rc = remote_exe(r, pid, &path, &msg);
	if (rc == 0)
		*why = remote_peer_version(r) < 4 ?
			xasprintf("the target's stapsh is older (protocol "
				  "version %d) and cannot say which program "
				  "a pid runs; update stapsh on the target, or "
				  "use process(\"PATH\") with -x PID "
				  "(--remote=%s)", remote_peer_version(r), url) :
			xasprintf("this stap's stapsh protocol is older than "
				  "version 4: it cannot ask which program a "
				  "pid runs (--remote=%s)", url);
	else if (rc < 0)
		*why = xasprintf("%s (--remote=%s)",
				 msg ? msg : "out of memory", url);
	else if (access(path, F_OK) != 0) {
		*why = xasprintf("it runs %s on --remote=%s, which this "
				 "machine does not have (stap reads the "
				 "program from the same path here)", path, url);
		free(path);
		path = NULL;
	}
	free(msg);
	remote_close(own);
	return rc > 0 ? path : NULL;
}

char *target_pid_program(struct session *s, int64_t pid, char **why)
{
	char *first = NULL, *path;
	const char *first_url = NULL;

	*why = NULL;
	if (!s->remotes.len)
		return local_pid_program(pid, why);
	for (size_t i = 0; i < s->remotes.len; i++) {
		const char *url = vec_at(&s->remotes, i);

		if (strncmp(url, "direct:", 7) == 0)
			path = local_pid_program(pid, why);
		else
			path = remote_pid_program(s, url, pid, why);
		if (!path)
			break;
		if (!first) {
			first = path;
			first_url = url;
			continue;
		}
		if (strcmp(first, path) != 0)
			*why = xasprintf("it runs %s on --remote=%s but %s on "
					 "--remote=%s: one script probes one "
					 "program per pid", first, first_url,
					 path, url);
		free(path);
		if (*why)
			break;
	}
	if (*why) {
		free(first);
		return NULL;
	}
	return first;
}
