/*
 * Pass 5: run the module.  Locally that is `staprun MODULE.ko`, with
 * stap out of the way of signals (staprun turns SIGINT into a clean
 * stop); remotely it is the stapsh protocol through remote.c, for
 * unix:PATH sockets and the built-in VM (vm:RELEASE).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "build.h"
#include "remote.h"
#include "util/diag.h"

static int run_local(struct session *s)
{
	char *staprun = xasprintf("%s/staprun", s->bin_dir);
	struct vec argv = {0};

	vec_push(&argv, staprun);
	if (s->output_file) {
		vec_push(&argv, "-o");
		vec_push(&argv, (void *)s->output_file);
	}
	vec_push(&argv, s->module_path);
	vec_push(&argv, NULL);

	signal(SIGINT, SIG_IGN);	/* staprun handles them */
	signal(SIGTERM, SIG_IGN);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execv(staprun, (char *const *)argv.items);
		fprintf(stderr, "stap: cannot run %s: %s\n", staprun,
			strerror(errno));
		_exit(127);
	}
	int status = 1;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	vec_free(&argv);
	free(staprun);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int run_remote(struct session *s, const char *url)
{
	struct remote *r = remote_open(url);
	if (!r)
		return 1;
	int out = 1;
	if (s->output_file) {
		out = open(s->output_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0) {
			fatal_msg("cannot write %s: %s", s->output_file,
				  strerror(errno));
			remote_close(r);
			return 1;
		}
	}
	int rc = remote_run(r, s->module_path, 0, NULL, out, 2);
	if (out != 1)
		close(out);
	remote_close(r);
	return rc < 0 ? 1 : rc;
}

int run_module(struct session *s)
{
	const char *url = s->remotes.len ? vec_at(&s->remotes, 0) : NULL;
	if (!url || strncmp(url, "direct:", 7) == 0)
		return run_local(s);
	return run_remote(s, url);
}
