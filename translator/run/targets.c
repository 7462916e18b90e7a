/*
 * The targets of a run.  Each --remote names one; there is one more
 * implicit target when none is given (this machine, or the built-in VM
 * when this kernel cannot load modules).
 *
 * choose_targets learns each target's kernel release.  Passes 1-4 run
 * once per distinct release (build_each_kernel): the script may differ
 * per kernel (%( kernel_v ... %) conditionals, symbols, kernel APIs), so
 * each build is a fresh stap in a child process that sees one kernel.
 * Pass 5 on several targets (run_targets) runs each target in a child
 * too, which does exactly what a single-target stap does (run.c), with
 * its stdout and stderr on pipes; this process relays what arrives, as
 * it arrives, and under --remote-prefix a line at a time, each line
 * prefixed with "N: ", N the target's index among the --remote options.
 *
 * A VM's stapsh port (vm:KVER, unix:PATH) serves one connection at a
 * time, so the same one may not be given twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "connection.h"
#include "paths.h"
#include "remote.h"
#include "run.h"
#include "targets.h"
#include "util/status.h"
#include "util/diag.h"
#include "outfile.h"
#include "stapsh_proto.h"

/* ---- choosing ------------------------------------------------------------ */

/* No --remote on a kernel that cannot load modules: the built-in VM. */
static bool choose_default_vm(struct session *s)
{
	if (local_modules_supported())
		return true;
	const char *rel = s->kernel_release ? s->kernel_release
					    : vm_default_release();
	if (rel && s->last_pass == 5) {
		const char *url = xasprintf("vm:%s", rel);
		vec_push(&s->remotes, (void *)url);
		if (!s->quiet)
			fprintf(stderr, "stap: this kernel cannot load modules; "
				"running in the built-in VM (--remote=%s)\n",
				url);
	} else if (!rel && s->last_pass == 5) {
		fatal_msg("this kernel cannot load modules and the built-in "
			  "VM has no kernel yet: run 'stap-vm fetch' first, or "
			  "use --remote");
		return false;
	}
	if (!s->kernel_release)
		s->kernel_release = rel;
	return true;
}

static bool is_direct(const char *url)
{
	return strcmp(url, "direct:") == 0 || strcmp(url, "direct://") == 0;
}

/* The URLs must make sense together. */
static bool check_targets(struct session *s)
{
	for (size_t i = 0; i < s->remotes.len; i++) {
		const char *url = vec_at(&s->remotes, i);
		if (strncmp(url, "direct:", 7) == 0 && !is_direct(url)) {
			fatal_msg("unknown remote '%s': the local target is "
				  "direct://", url);
			return false;
		}
		if (strncmp(url, "vm:", 3) && strncmp(url, "unix:", 5))
			continue;
		for (size_t j = 0; j < i; j++)
			if (strcmp(url, vec_at(&s->remotes, j)) == 0) {
				fatal_msg("--remote=%s is given twice: its stapsh "
					  "port serves one connection at a time",
					  url);
				return false;
			}
	}
	if (s->remotes.len > 1 && s->bulk) {
		fatal_msg("-b cannot be used with several --remote targets "
			  "(their per-CPU files would have the same names)");
		return false;
	}
	return true;
}

/* A target's kernel release, or NULL after remote.c said why.  The only
 * target's connection is kept for pass 2 (symbols) and pass 5; with
 * several, this process holds none (a build child may open one). */
static const char *target_release(struct session *s, const char *url)
{
	if (strncmp(url, "vm:", 3) == 0)
		return url + 3;
	if (is_direct(url)) {
		struct utsname u;
		uname(&u);
		return xstrdup(u.release);
	}
	struct remote *r = remote_open(url);
	if (!r)
		return NULL;
	const char *rel = xstrdup(remote_release(r));
	if (s->remotes.len == 1)
		s->remote = r;
	else
		remote_close(r);
	return rel;
}

bool choose_targets(struct session *s)
{
	status_init(s->quiet);
	if (!s->remotes.len && !choose_default_vm(s))
		return false;
	if (!s->remotes.len && s->remote_prefix)
		vec_push(&s->remotes, "direct://");
	if (!check_targets(s))
		return false;
	for (size_t i = 0; i < s->remotes.len; i++) {
		/* -r (or the default VM's release) holds for every target */
		const char *rel = s->kernel_release ? s->kernel_release
			: target_release(s, vec_at(&s->remotes, i));
		if (!rel)
			return false;
		vec_push(&s->remote_releases, (void *)rel);
	}
	if (!s->kernel_release && s->remote_releases.len)
		s->kernel_release = vec_at(&s->remote_releases, 0);
	return true;
}

/* ---- building ------------------------------------------------------------ */

/* The index of the first target with kernel release rel. */
static size_t first_with(struct session *s, const char *rel)
{
	size_t i = 0;
	while (strcmp(vec_at(&s->remote_releases, i), rel) != 0)
		i++;
	return i;
}

/*
 * In a child: build for rel, then send "MODULE\nTMPDIR\n" up the pipe.
 * The first target of that kernel goes first in s->remotes, so that a
 * pass that asks "the" target something asks one with this kernel.
 */
static void build_child(struct session *s, const char *rel, int fd,
			int (*build)(struct session *))
{
	size_t i = first_with(s, rel);
	void *url = vec_at(&s->remotes, i);
	vec_at(&s->remotes, i) = vec_at(&s->remotes, 0);
	vec_at(&s->remotes, 0) = url;
	s->kernel_release = rel;
	int rc = build(s);
	char *msg = xasprintf("%s\n%s\n", s->module_path ? s->module_path : "",
			      s->tmpdir ? s->tmpdir : "");
	sp_write_all(fd, msg, strlen(msg));
	fflush(NULL);
	_exit(rc);
}

/* Builds in a child for rel; sets *module (or NULL).  Returns the status. */
static int build_for(struct session *s, const char *rel, char **module,
		     int (*build)(struct session *))
{
	int p[2], status;
	fflush(NULL);
	if (pipe2(p, O_CLOEXEC) < 0) {
		fatal_msg("cannot create a pipe: %s", strerror(errno));
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		build_child(s, rel, p[1], build);
	}
	close(p[1]);
	struct strbuf sb = {0};
	char buf[4096];
	ssize_t n;
	while (pid > 0 && (n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sb_add(&sb, buf, n);
	}
	close(p[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		fatal_msg("cannot run the build for kernel %s: %s", rel,
			  strerror(errno));
		sb_free(&sb);
		return 1;
	}
	char *nl = sb.buf ? strchr(sb.buf, '\n') : NULL;
	*module = NULL;
	if (nl) {
		*nl = '\0';
		char *tmp = nl + 1;
		tmp[strcspn(tmp, "\n")] = '\0';
		if (*sb.buf)
			*module = xstrdup(sb.buf);
		if (*tmp)
			vec_push(&s->kernel_tmpdirs, xstrdup(tmp));
	}
	sb_free(&sb);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int build_each_kernel(struct session *s, int (*build)(struct session *))
{
	struct vec kernels = {0};	/* distinct releases, in order */
	for (size_t i = 0; i < s->remote_releases.len; i++)
		if (first_with(s, vec_at(&s->remote_releases, i)) == i)
			vec_push(&kernels, vec_at(&s->remote_releases, i));

	int rc = 0;
	if (kernels.len <= 1) {
		rc = build(s);
		for (size_t i = 0; i < s->remotes.len; i++)
			vec_push(&s->remote_modules, s->module_path);
		vec_free(&kernels);
		return rc;
	}
	char **modules = xcalloc(kernels.len, sizeof(*modules));
	for (size_t k = 0; k < kernels.len && !rc; k++) {
		const char *rel = vec_at(&kernels, k);
		rc = build_for(s, rel, &modules[k], build);
		if (rc)
			fprintf(stderr, "stap: stopped: the build for kernel %s "
				"(--remote=%s) failed\n", rel,
				(char *)vec_at(&s->remotes, first_with(s, rel)));
	}
	for (size_t i = 0; i < s->remotes.len && !rc; i++)
		for (size_t k = 0; k < kernels.len; k++)
			if (strcmp(vec_at(&kernels, k),
				   vec_at(&s->remote_releases, i)) == 0)
				vec_push(&s->remote_modules, modules[k]);
	free(modules);
	vec_free(&kernels);
	return rc;
}

/* ---- running ------------------------------------------------------------- */

bool several_targets(struct session *s)
{
	return s->remotes.len > 1 || s->remote_prefix;
}

/* One output stream of one target: a pipe from its child, the fd it
 * goes to, and (under --remote-prefix) the line not yet complete. */
struct stream {
	int fd, to;
	size_t target;
	struct strbuf partial;
};

static void emit_prefixed(struct stream *st, const char *data, size_t n,
			  bool flush)
{
	sb_add(&st->partial, data, n);
	char *start = st->partial.buf, *end = start + st->partial.len, *nl;
	struct strbuf out = {0};
	while (start < end && ((nl = memchr(start, '\n', end - start)) ||
			       flush)) {
		size_t len = nl ? (size_t)(nl + 1 - start) : (size_t)(end - start);
		sb_printf(&out, "%zu: ", st->target);
		sb_add(&out, start, len);
		start += len;
	}
	if (out.len)
		sp_write_all(st->to, out.buf, out.len);
	sb_free(&out);
	size_t rest = end - start;
	memmove(st->partial.buf, start, rest);
	st->partial.len = rest;
	st->partial.buf[rest] = '\0';
}

/* Reads what the stream has; false at its end. */
static bool relay_stream(struct session *s, struct stream *st)
{
	char buf[65536];
	ssize_t n = read(st->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n > 0 && !s->remote_prefix)
		sp_write_all(st->to, buf, n);
	else if (s->remote_prefix)
		emit_prefixed(st, buf, n > 0 ? n : 0, n <= 0);
	return n > 0;
}

/* In a child: what a single-target stap does for target i. */
static void run_child(struct session *s, size_t i, int out, int err)
{
	/* Own process group: an interrupt reaches the targets only through
	 * run_targets, once each. */
	setpgid(0, 0);
	dup2(out, 1);
	dup2(err, 2);
	s->module_path = vec_at(&s->remote_modules, i);
	s->output_file = NULL;		/* run_targets writes it */
	int rc = run_module_on(s, vec_at(&s->remotes, i));
	fflush(NULL);
	_exit(rc);
}

static volatile sig_atomic_t interrupts;
static void on_interrupt(int sig) { interrupts++; }

/*
 * Relays every stream until all have ended.  SIGINT and SIGTERM are
 * blocked except in ppoll; each one received is passed on to every
 * target as SIGINT (which a target turns into a clean stop).
 */
static void relay_all(struct session *s, struct stream *st, size_t nst,
		      pid_t *pids, size_t n, const sigset_t *wait_mask)
{
	struct pollfd *p = xcalloc(nst, sizeof(*p));
	int sent = 0;

	for (;;) {
		for (; sent < interrupts; sent++)
			for (size_t i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGINT);
		size_t open = 0;
		for (size_t k = 0; k < nst; k++) {
			p[k] = (struct pollfd){ st[k].fd, POLLIN, 0 };
			open += st[k].fd >= 0;
		}
		if (!open)
			break;
		if (ppoll(p, nst, NULL, wait_mask) < 0)
			continue;
		for (size_t k = 0; k < nst; k++)
			if (p[k].revents && !relay_stream(s, &st[k])) {
				close(st[k].fd);
				st[k].fd = -1;
			}
	}
	free(p);
}

/* The -o file, opened here since every target writes to it. */
static int open_output(struct session *s)
{
	if (!s->output_file)
		return 1;
	char *name = outfile_expand(s->output_file, time(NULL));
	if (!name) {
		fatal_msg("-o '%s' expands to nothing or to a name too long",
			  s->output_file);
		return -1;
	}
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fatal_msg("cannot write %s: %s", name, strerror(errno));
	free(name);
	return fd;
}

/* Waits for target i's child; names the target if it failed. */
static int reap_target(struct session *s, size_t i, pid_t pid)
{
	int status = 1;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	status = WIFEXITED(status) ? WEXITSTATUS(status)
				   : 128 + WTERMSIG(status);
	if (status)
		fprintf(stderr, "stap: target %zu (--remote=%s) failed with "
			"status %d\n", i, (char *)vec_at(&s->remotes, i), status);
	return status;
}

int run_targets(struct session *s)
{
	struct interrupt_guard g;
	size_t n = s->remotes.len;
	struct stream *st = xcalloc(2 * n, sizeof(*st));
	pid_t *pids = xcalloc(n, sizeof(*pids));
	int out = open_output(s), rc = 0;

	if (out < 0)
		return 1;
	/* Each child opens its own target's connection. */
	close_target(s);
	/* From here on, an interrupt is for the targets (relay_all). */
	interrupts_catch(&g, on_interrupt);
	interrupts = 0;
	for (size_t k = 0; k < 2 * n; k++)
		st[k].fd = -1;
	fflush(NULL);
	for (size_t i = 0; i < n; i++) {
		int po[2], pe[2];
		if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
			fatal_msg("cannot create a pipe: %s", strerror(errno));
			pids[i] = -1;
			rc = 1;
			break;
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			interrupts_restore(&g);
			run_child(s, i, po[1], pe[1]);
		}
		if (pids[i] < 0)
			fatal_msg("cannot fork: %s", strerror(errno));
		close(po[1]);
		close(pe[1]);
		st[2 * i] = (struct stream){ po[0], out, i, {0} };
		st[2 * i + 1] = (struct stream){ pe[0], 2, i, {0} };
	}
	relay_all(s, st, 2 * n, pids, n, &g.wait_mask);
	for (size_t i = 0; i < n && pids[i] > 0; i++) {
		int status = reap_target(s, i, pids[i]);
		if (status && !rc)
			rc = status;
		sb_free(&st[2 * i].partial);
		sb_free(&st[2 * i + 1].partial);
	}
	interrupts_restore(&g);
	if (out != 1)
		close(out);
	free(st);
	free(pids);
	return rc;
}
