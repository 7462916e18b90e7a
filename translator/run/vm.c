/*
 * The "vm:KVER" remote: a qemu guest booting kernel KVER, managed by the
 * stap-vm script (testsuite/vm/stap-vm, installed in PKGLIBEXECDIR).
 *
 * If the guest is running and its stapsh answers, we use it and leave it
 * running (the testsuite starts one guest per kernel for a whole run).
 * Otherwise we run "stap-vm start KVER", use the guest, and stop it again
 * when the remote is closed: a guest started for one run does not outlive
 * the run.
 */
#define _GNU_SOURCE
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ABS_SRCDIR
#define ABS_SRCDIR "."
#endif
#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/stap"
#endif

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

/*
 * Runs "stap-vm CMD KVER".  stap-vm's stdout is captured into out (if
 * non-NULL, up to size-1 bytes, trailing newline removed) or sent to our
 * stderr, so that it never mixes with the script's output.  Returns the
 * exit status, or -1.
 */
static int run_script(const char *cmd, const char *kver, char *out,
		      size_t size)
{
	const char *script = vm_script();
	int p[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(out ? p[1] : 2, 1);
		execl(script, script, cmd, kver, (char *)NULL);
		fprintf(stderr, "stap: cannot run %s: %s\n", script,
			strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (out && len + 1 < size &&
	       (n = read(p[0], out + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	close(p[0]);
	if (out) {
		out[len] = '\0';
		while (len > 0 && out[len - 1] == '\n')
			out[--len] = '\0';
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct remote *vm_open(const char *kver, int timeout_ms, int quiet)
{
	char sock[4096], how[64];
	struct remote *r;

	if (run_script("socket", kver, sock, sizeof(sock)) != 0 || !*sock) {
		if (!quiet)
			remote_error("vm:%s: '%s socket %s' failed", kver,
				     vm_script(), kver);
		return NULL;
	}
	/* Running and answering: use it, leave it running. */
	r = remote_open_unix(sock, 3000, 1);
	if (r)
		return r;
	/* stap-vm start says "booted" if it booted the guest, "running" if
	 * someone else had (it may have been busy or still booting). */
	if (run_script("start", kver, how, sizeof(how)) != 0) {
		if (!quiet)
			remote_error("vm:%s: cannot start the guest (see "
				     "stap-vm's messages above)", kver);
		return NULL;
	}
	r = remote_open_unix(sock, timeout_ms, quiet);
	if (!r) {
		vm_close(kver);
		return NULL;
	}
	if (strcmp(how, "booted") == 0)
		remote_set_vm_owned(r, kver);
	return r;
}

void vm_close(const char *kver)
{
	run_script("stop", kver, NULL, 0);
}
