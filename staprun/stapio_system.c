/*
 * system(): the SYSTEM control message (STAP_CTL_FEAT_SYSTEM) carries a
 * command the script wants run.  stapio runs it with /bin/sh -c in the
 * background, as itself (the user who ran stap or staprun), with the
 * script's output as its standard output, reaps it on SIGCHLD and waits
 * for the ones still running before it exits, so that their output is
 * not cut off.  doc/protocol-control.md describes the message.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "stapio.h"

/* The child: stdin from /dev/null, stdout where the script's output
 * goes, default signal dispositions (stapio ignores SIGPIPE). */
static void exec_shell(struct stapio *s, const char *cmd)
{
	sigset_t none;
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (s->out_fd >= 0 && s->out_fd != STDOUT_FILENO)
		dup2(s->out_fd, STDOUT_FILENO);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	fprintf(stderr, "ERROR: system(\"%s\"): cannot run /bin/sh: %s\n",
		cmd, strerror(errno));
	_exit(127);
}

void on_system(struct stapio *s, struct stap_ctl_msg *m)
{
	const unsigned char *bytes;
	size_t n = stap_ctl_blob(m, &bytes);
	char *cmd = malloc(n + 1);
	pid_t pid, *more;

	if (!cmd)
		return;
	memcpy(cmd, bytes, n);
	cmd[n] = '\0';
	verbose(s, "system(\"%s\")", cmd);
	more = realloc(s->sys_pids, (s->nsys + 1) * sizeof(*more));
	if (!more) {
		free(cmd);
		return;
	}
	s->sys_pids = more;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		exec_shell(s, cmd);
	if (pid < 0)
		fprintf(stderr, "WARNING: system(\"%s\") not run: fork: %s\n",
			cmd, strerror(errno));
	else
		s->sys_pids[s->nsys++] = pid;
	free(cmd);
}

/* Reaps the commands that ended (hang: wait for all of them). */
static void reap(struct stapio *s, int hang)
{
	size_t i = 0;
	int status;

	while (i < s->nsys) {
		pid_t r = waitpid(s->sys_pids[i], &status, hang ? 0 : WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		s->sys_pids[i] = s->sys_pids[--s->nsys];
	}
}

/* SIGCHLD */
void reap_system(struct stapio *s)
{
	reap(s, 0);
}

/* At the end: the commands still running finish first. */
void wait_system(struct stapio *s)
{
	if (s->nsys)
		verbose(s, "waiting for %zu system() command(s)", s->nsys);
	while (s->nsys)
		reap(s, 1);
	free(s->sys_pids);
	s->sys_pids = NULL;
}
