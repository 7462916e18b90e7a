/*
 * Pass 5: run the module.  Locally that is `staprun MODULE.ko`, with
 * SIGINT, SIGTERM and SIGHUP passed on to it (staprun turns each into a
 * clean stop); remotely it is the stapsh protocol through remote.c, for
 * unix:PATH sockets and the built-in VM (vm:RELEASE).
 *
 * The loader options (-c -x -T -s -b) become staprun's options either
 * way.  -o is staprun's locally; remotely stap writes the output itself
 * and staprun gets "-o -" (script output on its stdout, CMD's stdout on
 * its stderr; with -b the unmerged record stream, which a child of stap
 * splits into the per-CPU files).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>
#include "build.h"
#include "remote.h"
#include "util/diag.h"
#include "../../staprun/outfile.h"

/* Appends staprun's options for -c -x -T -s -b to argv; the strings it
 * allocates go to owned.  out is what to pass as -o, or NULL. */
static void staprun_options(struct session *s, struct vec *argv,
			    struct vec *owned, const char *out)
{
	char *n;

	if (out) {
		vec_push(argv, "-o");
		vec_push(argv, (void *)out);
	}
	if (s->bufsize_mb) {
		n = xasprintf("%d", s->bufsize_mb);
		vec_push(owned, n);
		vec_push(argv, "-b");
		vec_push(argv, n);
	}
	if (s->bulk)
		vec_push(argv, "-B");
	if (s->target_cmd) {
		vec_push(argv, "-c");
		vec_push(argv, (void *)s->target_cmd);
	}
	if (s->target_pid) {
		n = xasprintf("%d", s->target_pid);
		vec_push(owned, n);
		vec_push(argv, "-x");
		vec_push(argv, n);
	}
	if (s->timeout_s) {
		n = xasprintf("%d", s->timeout_s);
		vec_push(owned, n);
		vec_push(argv, "-t");
		vec_push(argv, n);
	}
}

static void free_owned(struct vec *owned)
{
	for (size_t i = 0; i < owned->len; i++)
		free(vec_at(owned, i));
	vec_free(owned);
}

static volatile sig_atomic_t local_staprun;

/* A signal sent to stap alone (kill PID) reaches staprun too. */
static void forward_to_staprun(int sig)
{
	if (local_staprun > 0)
		kill(local_staprun, sig);
}

static int run_local(struct session *s)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	char *staprun = xasprintf("%s/staprun", s->bin_dir);
	struct vec argv = {0}, owned = {0};
	struct sigaction sa = { .sa_handler = forward_to_staprun };
	sigset_t block, old;

	vec_push(&argv, staprun);
	staprun_options(s, &argv, &owned, s->output_file);
	vec_push(&argv, s->module_path);
	vec_push(&argv, NULL);

	/* staprun turns each into a clean stop; stap passes them on */
	sigemptyset(&block);
	for (int i = 0; i < 3; i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 3; i++)
			signal(sigs[i], SIG_DFL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(staprun, (char *const *)argv.items);
		fprintf(stderr, "stap: cannot run %s: %s\n", staprun,
			strerror(errno));
		_exit(127);
	}
	local_staprun = pid;
	sigprocmask(SIG_SETMASK, &old, NULL);
	int status = 1;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	vec_free(&argv);
	free_owned(&owned);
	free(staprun);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/*
 * -b remotely: a child that splits the record stream read from fd into
 * the per-CPU files (named as stapio would locally).  Returns its pid.
 */
static pid_t start_bulk_splitter(int fd, int other_end, const char *base)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(other_end);
	signal(SIGINT, SIG_IGN);	/* the stream ends when stap's does */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	struct bulk_out b;
	struct bulk_split sp = {0};
	char buf[65536];
	ssize_t n;
	int rc = 0;
	bulk_init(&b, base);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || bulk_split_feed(&sp, &b, buf, n) < 0)
			break;
	}
	if (n != 0 || bulk_split_end(&sp, &b) < 0)
		rc = 1;
	if (bulk_close(&b) < 0 || rc) {
		fprintf(stderr, "stap: bulk output: %s\n",
			b.error ? b.error : strerror(errno));
		_exit(1);
	}
	_exit(0);
}

static int run_remote(struct session *s, const char *url)
{
	char *name = NULL;
	if (s->output_file) {
		name = outfile_expand(s->output_file, time(NULL));
		if (!name) {
			fatal_msg("-o '%s' expands to nothing or to a name too "
				  "long", s->output_file);
			return 1;
		}
	}
	int out = 1, pipefd[2];
	pid_t splitter = -1;
	if (s->bulk) {
		/* before remote_open, so that it holds no connection */
		if (pipe(pipefd) < 0 || (splitter = start_bulk_splitter(
				pipefd[0], pipefd[1], name)) < 0) {
			fatal_msg("cannot start the bulk output splitter: %s",
				  strerror(errno));
			free(name);
			return 1;
		}
		close(pipefd[0]);
		out = pipefd[1];
		fcntl(out, F_SETFD, FD_CLOEXEC);
	} else if (name) {
		out = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0644);
		if (out < 0) {
			fatal_msg("cannot write %s: %s", name, strerror(errno));
			free(name);
			return 1;
		}
	}
	struct remote *r = remote_open(url);
	if (!r) {
		if (out != 1)
			close(out);
		if (splitter > 0)
			waitpid(splitter, NULL, 0);
		free(name);
		return 1;
	}
	struct vec argv = {0}, owned = {0};
	staprun_options(s, &argv, &owned,
			s->bulk || s->output_file ? "-" : NULL);
	int rc = remote_run(r, s->module_path, (int)argv.len,
			    (char **)argv.items, out, 2);
	if (out != 1)
		close(out);
	if (splitter > 0) {
		int st = 1;
		while (waitpid(splitter, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = rc < 0 ? rc : 1;
	}
	vec_free(&argv);
	free_owned(&owned);
	remote_close(r);
	free(name);
	return rc < 0 ? 1 : rc;
}

int run_module(struct session *s)
{
	const char *url = s->remotes.len ? vec_at(&s->remotes, 0) : NULL;
	if (!url || strncmp(url, "direct:", 7) == 0)
		return run_local(s);
	return run_remote(s, url);
}
