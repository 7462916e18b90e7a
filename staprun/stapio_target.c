/*
 * The process a session can end with: -c CMD, started by stapio and
 * held before exec until the probes run, or -x PID, watched through a
 * pidfd (or polled).  Its exit stops the session as exit() would.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "stapio.h"

/*
 * -c: the probes are armed, so let CMD exec.  What the begin probes
 * printed is relayed first, so that it comes before CMD's output.
 */
void release_cmd(struct stapio *s)
{
	if (s->cmd_gate < 0)
		return;
	while (read_data(s) > 0)
		;
	if (write(s->cmd_gate, "x", 1) != 1)
		fail(s, "cannot start the command '%s': %s", s->cmd,
		     strerror(errno));
	close(s->cmd_gate);
	s->cmd_gate = -1;
	verbose(s, "command %d released", (int)s->target);
}

/*
 * -c: forks the child that becomes CMD.  It waits for a byte on a pipe
 * (release_cmd(), after STARTED) before it execs /bin/sh -c CMD; end of
 * file instead means the session never started: it exits unrun.
 */
int spawn_cmd(struct stapio *s)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE,
				    SIGCHLD };
	int gate[2];
	unsigned i;
	pid_t pid, parent = getpid();
	ssize_t n;
	char c;

	if (pipe(gate) < 0) {
		fprintf(stderr, "ERROR: cannot start '%s': %s\n", s->cmd,
			strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ERROR: cannot start '%s': %s\n", s->cmd,
			strerror(errno));
		close(gate[0]);
		close(gate[1]);
		return -1;
	}
	if (pid == 0) {
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		close(gate[1]);
		/* If stapio dies (even by SIGKILL), CMD is told to end:
		 * nobody else would (the module is unloaded by staprun). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(126);
		if (s->cmd_stdout_to_stderr)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		do
			n = read(gate[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(126);
		close(gate[0]);
		execl("/bin/sh", "sh", "-c", s->cmd, (char *)NULL);
		fprintf(stderr, "ERROR: cannot run /bin/sh for '%s': %s\n",
			s->cmd, strerror(errno));
		_exit(127);
	}
	close(gate[0]);
	fcntl(gate[1], F_SETFD, FD_CLOEXEC);
	s->cmd_gate = gate[1];
	s->cmd_running = 1;
	s->target = pid;
	verbose(s, "command '%s' is pid %d, waiting for STARTED", s->cmd,
		(int)pid);
	return 0;
}

/* The target is gone: the session ends as if the script called exit(). */
void target_gone(struct stapio *s, const char *how)
{
	if (s->target_gone)
		return;
	s->target_gone = 1;
	verbose(s, "target %d %s: stopping", (int)s->target, how);
	send_stop(s);
}

/* SIGCHLD: reaps CMD if it ended. */
void reap_cmd(struct stapio *s)
{
	int status;

	if (!s->cmd_running || waitpid(s->target, &status, WNOHANG) <= 0)
		return;
	s->cmd_running = 0;
	target_gone(s, "exited");
}

/* -x without a pidfd: does the target still exist? */
void poll_target(struct stapio *s)
{
	if (s->cmd || s->target <= 0 || s->pidfd >= 0)
		return;
	if (kill(s->target, 0) < 0 && errno == ESRCH)
		target_gone(s, "exited");
}

/*
 * -x: checks that PID exists and opens a pidfd for it (poll() reports
 * POLLIN when it exits).  Kernels before 5.3 have no pidfd_open: then
 * poll_target() looks every 100 ms.
 */
int watch_pid(struct stapio *s)
{
	if (kill(s->target, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "ERROR: -x %d: no such process\n",
			(int)s->target);
		return -1;
	}
#ifdef SYS_pidfd_open
	s->pidfd = (int)syscall(SYS_pidfd_open, s->target, 0);
#endif
	if (s->pidfd >= 0)
		fcntl(s->pidfd, F_SETFD, FD_CLOEXEC);
	verbose(s, "watching pid %d (%s)", (int)s->target,
		s->pidfd >= 0 ? "pidfd" : "polled");
	return 0;
}

/*
 * At the end, CMD may still run (the script called exit() or was
 * interrupted): ask it to end, then kill it after a second.
 */
void end_cmd(struct stapio *s)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, i;

	if (s->cmd_gate >= 0) {
		close(s->cmd_gate);	/* never started: it exits unrun */
		s->cmd_gate = -1;
	}
	if (!s->cmd_running)
		return;
	kill(s->target, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(s->target, &status, WNOHANG) != 0)
			goto out;
		nanosleep(&tick, NULL);
	}
	verbose(s, "command %d ignored SIGTERM: killing it", (int)s->target);
	kill(s->target, SIGKILL);
	waitpid(s->target, &status, 0);
out:
	s->cmd_running = 0;
}
