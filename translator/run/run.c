/*
 * Pass 5: run the module.  Locally (direct://) that is `staprun
 * MODULE.ko`, with SIGINT, SIGTERM and SIGHUP passed on to it (staprun
 * turns each into a clean stop); remotely it is the stapsh protocol
 * through remote.c, for ssh, unix:PATH sockets and the built-in VM
 * (vm:RELEASE).  Several targets at once are targets.c's business; each
 * of them comes back here through run_module_on.
 *
 * The loader options (-v -c -x -T -s -b -F) become staprun's options
 * either way, and -G NAME=VALUE its module parameters (after the
 * module).  -o is staprun's locally; remotely stap writes the output
 * itself and staprun gets "-o -" (script output on its stdout, CMD's
 * stdout on its stderr; with -b the unmerged record stream, which a child of stap
 * splits into the per-CPU files; with -S a child of stap writes the
 * rotating files).  -F is staprun -L, or with -o staprun -D, which
 * remotely writes -o FILE (and rotates it for -S) on the target.
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
#include "connection.h"
#include "remote.h"
#include "run.h"
#include "targets.h"
#include "util/diag.h"
#include "optarg.h"
#include "outfile.h"

/* Appends staprun's options for -v -c -x -T -s -b -F -S to argv; the
 * strings it allocates go to owned.  out is what to pass as -o, or NULL;
 * rotate says whether -S goes to staprun (it writes the files).  As
 * upstream, -vv makes staprun (and the stapio it runs) verbose and -vvv
 * more so; on a remote target too, where stapsh passes them on. */
static void staprun_options(struct session *s, struct vec *argv,
			    struct vec *owned, const char *out, bool rotate)
{
	char *n;

	for (int v = 1; v < s->verbose && v < 3; v++)
		vec_push(argv, "-v");
	if (out) {
		vec_push(argv, "-o");
		vec_push(argv, (void *)out);
	}
	if (rotate && s->rotate) {
		vec_push(argv, "-S");
		vec_push(argv, (void *)s->rotate);
	}
	if (s->flight)
		vec_push(argv, s->output_file ? "-D" : "-L");
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
	char *staprun = xasprintf("%s/staprun", s->bin_dir);
	struct vec argv = {0}, owned = {0};
	struct interrupt_guard g;

	vec_push(&argv, staprun);
	staprun_options(s, &argv, &owned, s->output_file, true);
	vec_push(&argv, s->module_path);
	for (size_t i = 0; i < s->global_settings.len; i++)
		vec_push(&argv, vec_at(&s->global_settings, i));
	vec_push(&argv, NULL);

	/* staprun turns each interrupt into a clean stop; stap passes them
	 * on (blocked until local_staprun is known) */
	interrupts_catch(&g, forward_to_staprun);
	pid_t pid = fork();
	if (pid == 0) {
		interrupts_restore(&g);
		execv(staprun, (char *const *)argv.items);
		fprintf(stderr, "stap: cannot run %s: %s\n", staprun,
			strerror(errno));
		_exit(127);
	}
	local_staprun = pid;
	sigprocmask(SIG_SETMASK, &g.old_mask, NULL);
	int status = 1;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	interrupts_restore(&g);
	local_staprun = 0;
	vec_free(&argv);
	free_owned(&owned);
	free(staprun);
	if (pid < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/*
 * Remote output files (-b's per-CPU files, -S's rotating files) are
 * written by a child of stap that reads the output stream from a pipe:
 * start_writer() forks it; it hands each chunk to feed (0, or -1 to
 * stop) and calls finish (0, or -1 after saying why) at the end.
 * Returns the child's pid; fd is the pipe's read end, other_end its
 * write end, which the child closes.
 */
struct writer {
	int (*feed)(struct writer *w, const void *buf, size_t n);
	int (*finish)(struct writer *w, int broken);
	struct bulk_out bulk;		/* -b */
	struct bulk_split split;
	struct rotate_out rotate;	/* -S */
};

static pid_t start_writer(int fd, int other_end, struct writer *w)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(other_end);
	signal(SIGINT, SIG_IGN);	/* the stream ends when stap's does */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || w->feed(w, buf, n) < 0)
			break;
	}
	_exit(w->finish(w, n != 0) < 0 ? 1 : 0);
}

/* -b: the record stream split into the per-CPU files (named as stapio
 * would locally). */
static int bulk_feed(struct writer *w, const void *buf, size_t n)
{
	return bulk_split_feed(&w->split, &w->bulk, buf, n);
}

static int bulk_finish(struct writer *w, int broken)
{
	if (broken || bulk_split_end(&w->split, &w->bulk) < 0)
		broken = 1;
	if (bulk_close(&w->bulk) < 0 || broken) {
		fprintf(stderr, "stap: bulk output: %s\n",
			w->bulk.error ? w->bulk.error : strerror(errno));
		return -1;
	}
	return 0;
}

/* -S without -F: the stream written to FILE.0, FILE.1 ... (cut where
 * stapsh's frames end, as stapio cuts at records). */
static int rotate_feed(struct writer *w, const void *buf, size_t n)
{
	return rotate_write(&w->rotate, buf, n);
}

static int rotate_finish(struct writer *w, int broken)
{
	if (rotate_close(&w->rotate) < 0 || broken) {
		fprintf(stderr, "stap: output: %s\n",
			w->rotate.error ? w->rotate.error : strerror(errno));
		return -1;
	}
	return 0;
}

/* The writer the options ask for, or NULL: output goes to one fd. */
static struct writer *output_writer(struct session *s, const char *name,
				    struct writer *w)
{
	long mb = 0, count = 0;

	memset(w, 0, sizeof(*w));
	if (s->bulk) {
		bulk_init(&w->bulk, name);
		w->feed = bulk_feed;
		w->finish = bulk_finish;
		return w;
	}
	if (!name || !s->rotate)
		return NULL;
	parse_size_count(s->rotate, &mb, &count);	/* checked by options.c */
	rotate_init(&w->rotate, name, (unsigned long long)mb << 20,
		    (unsigned)count);
	w->feed = rotate_feed;
	w->finish = rotate_finish;
	return w;
}

static int run_remote(struct session *s, const char *url)
{
	char *name = NULL;
	if (s->flight && s->output_file && s->output_file[0] != '/') {
		fatal_msg("-F -o '%s' with --remote: the background staprun "
			  "writes the file on the target, so give an absolute "
			  "path there", s->output_file);
		return 1;
	}
	if (s->output_file && !s->flight) {
		name = outfile_expand(s->output_file, time(NULL));
		if (!name) {
			fatal_msg("-o '%s' expands to nothing or to a name too "
				  "long", s->output_file);
			return 1;
		}
	}
	int out = 1, pipefd[2];
	pid_t splitter = -1;
	struct writer wbuf, *writer = output_writer(s, name, &wbuf);
	if (writer) {
		/* before remote_open, so that it holds no connection */
		if (pipe(pipefd) < 0 || (splitter = start_writer(
				pipefd[0], pipefd[1], writer)) < 0) {
			fatal_msg("cannot start the output file writer: %s",
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
	/* pass 2 or choose_targets may have opened it (a single target) */
	if (!s->remote)
		s->remote = remote_open(url);
	struct remote *r = s->remote;
	if (!r) {
		if (out != 1)
			close(out);
		if (splitter > 0)
			waitpid(splitter, NULL, 0);
		free(name);
		return 1;
	}
	struct vec argv = {0}, owned = {0};
	if (s->flight && s->output_file)	/* the daemon writes it there */
		staprun_options(s, &argv, &owned, s->output_file, true);
	else
		staprun_options(s, &argv, &owned,
				s->bulk || s->output_file ? "-" : NULL, false);
	int rc = remote_run(r, s->module_path, (int)argv.len,
			    (char **)argv.items, (int)s->global_settings.len,
			    (char **)s->global_settings.items, out, 2);
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
	close_target(s);
	free(name);
	return rc < 0 ? 1 : rc;
}

int run_module_on(struct session *s, const char *url)
{
	if (!url || strncmp(url, "direct:", 7) == 0)
		return run_local(s);
	return run_remote(s, url);
}

int run_module(struct session *s)
{
	if (several_targets(s))
		return run_targets(s);
	return run_module_on(s, s->remotes.len ? vec_at(&s->remotes, 0) : NULL);
}
