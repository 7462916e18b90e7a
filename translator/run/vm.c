/*
 * The "vm:KVER" remote: a qemu guest booting kernel KVER, managed by the
 * stap-vm script (testsuite/vm/stap-vm, installed in PKGLIBEXECDIR).
 *
 * The guest is warm: vm_open runs "stap-vm start KVER", which returns at
 * once when the guest runs (replacing it first if it was booted from an
 * older build's tools) and boots it otherwise, leaving a watchdog that
 * stops it after $STAP_VM_IDLE seconds without use (default 600; the
 * testsuite's own guests, started without it, run until it stops them).
 * While a run talks to the guest it holds a shared flock on KVER/used,
 * which the watchdog needs exclusively, and it touches that file when
 * it starts and ends, which is what "idle" is measured from.  With
 * STAP_VM_IDLE=0, a guest booted for one run is stopped when it ends.
 *
 * The guest's stapsh port serves one session at a time, and qemu queues
 * a second connection silently until the first ends: a run that found
 * the guest busy would wait out the whole handshake timeout.  So a run
 * holds KVER/session exclusively (with its pid and command in it) while
 * it is connected, and one that cannot take it says at once whose the
 * guest is and what to do, instead of connecting.
 *
 * On a terminal, a boot shows stap-vm's progress on the status line
 * (util/status.h) and its messages only if it fails.
 */
#define _GNU_SOURCE
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "util/status.h"

#ifndef ABS_SRCDIR
#define ABS_SRCDIR "."
#endif
#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/stap"
#endif

/* How long an unused guest stays up unless $STAP_VM_IDLE says. */
#define VM_IDLE_DEFAULT "600"

struct vm_hold {
	char *kver;
	int used_fd;		/* KVER/used, flock'd shared */
	int session_fd;		/* KVER/session, flock'd exclusive */
	int stop;		/* booted for this run, STAP_VM_IDLE=0 */
};

/* $STAP_VM_SCRIPT, else the source tree's, else the installed one. */
static const char *vm_script(void)
{
	const char *e = getenv("STAP_VM_SCRIPT");

	if (e && *e)
		return e;
	if (access(ABS_SRCDIR "/testsuite/vm/stap-vm", X_OK) == 0)
		return ABS_SRCDIR "/testsuite/vm/stap-vm";
	return PKGLIBEXECDIR "/stap-vm";
}

/* Appends what fd has to *buf (grown as needed); 0 at end of file. */
static ssize_t read_more(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t n;

	if (*len + 4096 > *cap) {
		char *b = realloc(*buf, *cap = *len + 8192);
		if (!b)
			return -1;
		*buf = b;
	}
	n = read(fd, *buf + *len, *cap - *len - 1);
	if (n > 0) {
		*len += n;
		(*buf)[*len] = '\0';
	}
	return n;
}

/* The last complete line of text (of len bytes) on the status line. */
static void show_last_line(const char *text, size_t len)
{
	char line[256];
	size_t end = len, start;

	while (end > 0 && text[end - 1] != '\n')
		end--;
	if (end == 0)
		return;
	start = end - 1;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	if (end - 1 - start >= sizeof(line))
		end = start + sizeof(line);
	memcpy(line, text + start, end - 1 - start);
	line[end - 1 - start] = '\0';
	status_set(line);
}

/*
 * Runs "stap-vm CMD KVER".  stap-vm's stdout is captured into out (if
 * non-NULL, up to size-1 bytes, trailing newline removed) or sent to our
 * stderr, so that it never mixes with the script's output.  Its stderr
 * is ours, except when a status line is up (what): then its lines show
 * there, and are printed only if it fails.  Returns the exit status, or
 * -1.
 */
static int run_script(const char *cmd, const char *kver, char *out,
		      size_t size, const char *what)
{
	const char *script = vm_script();
	int p[2], e[2] = { -1, -1 }, status, capture = what && status_enabled();
	char *err = NULL, *o = NULL;
	size_t elen = 0, ecap = 0, olen = 0, ocap = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (capture && pipe2(e, O_CLOEXEC) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		if (capture) {
			close(e[0]);
			close(e[1]);
		}
		return -1;
	}
	if (pid == 0) {
		dup2(out ? p[1] : 2, 1);
		if (capture)
			dup2(e[1], 2);
		/* a guest stap boots stays warm for the next run */
		setenv("STAP_VM_IDLE", VM_IDLE_DEFAULT, 0);
		execl(script, script, cmd, kver, (char *)NULL);
		fprintf(stderr, "stap: cannot run %s: %s\n", script,
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	if (capture) {
		close(e[1]);
		status_start("%s", what);
	}
	/* stdout until it ends, and stderr while capturing */
	struct pollfd fds[2] = { { p[0], POLLIN, 0 }, { e[0], POLLIN, 0 } };
	int open_fds = 1 + capture;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			n = i ? read_more(e[0], &err, &elen, &ecap)
			      : read_more(p[0], &o, &olen, &ocap);
			if (n == 0 || (n < 0 && errno != EINTR)) {
				fds[i].fd = -1;
				open_fds--;
			} else if (i) {
				show_last_line(err, elen);
			}
		}
	}
	close(p[0]);
	if (capture)
		close(e[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	status = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (capture) {
		status_end();
		if (status != 0 && err)
			fputs(err, stderr);
	}
	if (out) {
		size_t n = olen < size ? olen : size - 1;
		if (o)
			memcpy(out, o, n);
		out[n] = '\0';
		while (n > 0 && out[n - 1] == '\n')
			out[--n] = '\0';
	} else if (o) {
		fputs(o, stderr);
	}
	free(o);
	free(err);
	return status;
}

/* The guest's KVER/used (next to its socket), flock'd shared and
 * touched: the watchdog leaves the guest alone while we hold it. */
static int hold_guest(const char *sock)
{
	char *copy = strdup(sock), *path = NULL;
	int fd = -1;

	if (copy && asprintf(&path, "%s/used", dirname(copy)) >= 0) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
				;
			futimens(fd, NULL);
		}
	}
	free(path);
	free(copy);
	return fd;
}

/* The path of file NAME in the guest's directory (that of its socket). */
static char *guest_file(const char *sock, const char *name)
{
	char *copy = strdup(sock), *path = NULL;

	if (copy && asprintf(&path, "%s/%s", dirname(copy), name) < 0)
		path = NULL;
	free(copy);
	return path;
}

/* Reads "PID COMMAND" that the holder of KVER/session wrote into buf. */
static void session_holder(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* Our pid and command line, for a run that finds the guest busy. */
static void write_holder(int fd)
{
	char cmd[200] = "", line[256];
	int c = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = c >= 0 ? read(c, cmd, sizeof(cmd) - 1) : 0;

	if (c >= 0)
		close(c);
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0' || cmd[i] == '\n')
			cmd[i] = ' ';
	while (n > 0 && cmd[n - 1] == ' ')
		n--;
	cmd[n > 0 ? n : 0] = '\0';
	n = snprintf(line, sizeof(line), "%d %s\n", (int)getpid(), cmd);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, line, n, 0) < 0)
		return;	/* only the busy message misses it */
}

/*
 * Takes KVER/session for this run, or says that another session holds
 * the guest: -1 then (and *busy set), else the locked fd (-1 too, busy
 * clear, if the file cannot be had: the handshake timeout still holds).
 */
static int claim_guest(const char *kver, const char *sock, int quiet,
		       int *busy)
{
	char *path = guest_file(sock, "session"), who[256];
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;

	*busy = 0;
	free(path);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return fd;
		*busy = 1;
		session_holder(fd, who, sizeof(who));
		close(fd);
		if (!quiet)
			remote_error("vm:%s: the VM is busy: another session "
				     "is using it (pid %s), and its stapsh "
				     "port serves one session at a time; "
				     "wait for that session to end, run on "
				     "another kernel's VM (--remote=vm:KVER), "
				     "or stop this one with 'stap-vm stop %s' "
				     "(which ends that session)", kver,
				     *who ? who : "unknown", kver);
		return -1;
	}
	write_holder(fd);
	return fd;
}

struct remote *vm_open(const char *kver, int timeout_ms, int quiet)
{
	const char *idle = getenv("STAP_VM_IDLE");
	char sock[4096], how[64], what[256];
	struct vm_hold *vm;
	struct remote *r = NULL;
	int fd = -1, attempt, claim = -1, busy;

	if (run_script("socket", kver, sock, sizeof(sock), NULL) != 0 ||
	    !*sock) {
		if (!quiet)
			remote_error("vm:%s: '%s socket %s' failed", kver,
				     vm_script(), kver);
		return NULL;
	}
	snprintf(what, sizeof(what), "starting the VM (%s)", kver);
	/* The watchdog may stop an idle guest between "start" and our
	 * hold on it: then start it again. */
	for (attempt = 0; attempt < 2 && !r; attempt++) {
		/* "booted" if it booted the guest, "running" if it was up */
		if (run_script("start", kver, how, sizeof(how), what) != 0) {
			if (!quiet)
				remote_error("vm:%s: cannot start the guest "
					     "(see stap-vm's messages above)",
					     kver);
			return NULL;
		}
		if (claim < 0 &&
		    (claim = claim_guest(kver, sock, quiet, &busy)) < 0 &&
		    busy)
			return NULL;
		fd = hold_guest(sock);
		r = remote_open_unix(sock, timeout_ms, quiet || attempt == 0);
		if (!r && fd >= 0)
			close(fd);
	}
	if (!r) {
		if (claim >= 0)
			close(claim);
		return NULL;
	}
	vm = calloc(1, sizeof(*vm));
	if (vm) {
		vm->kver = strdup(kver);
		vm->used_fd = fd;
		vm->session_fd = claim;
		vm->stop = strcmp(how, "booted") == 0 && idle &&
			   strcmp(idle, "0") == 0;
	}
	remote_set_vm(r, vm);
	return r;
}

void vm_release(struct vm_hold *vm)
{
	if (!vm)
		return;
	if (vm->used_fd >= 0) {
		futimens(vm->used_fd, NULL);	/* idle from now */
		close(vm->used_fd);
	}
	if (vm->session_fd >= 0)
		close(vm->session_fd);	/* the next session may come */
	if (vm->stop && vm->kver)
		run_script("stop", vm->kver, NULL, 0, NULL);
	free(vm->kver);
	free(vm);
}
