/*
 * stapio's signals: the handler only writes the signal's number into a
 * self-pipe that the poll() loop reads (on_signals()).  SIGINT, SIGTERM
 * and SIGHUP stop the session; SIGCHLD reaps the -c command.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "stapio.h"

int sig_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: a signal is pending anyway */
	}
	errno = saved;
}

int setup_signals(void)
{
	struct sigaction sa;
	int i;

	if (pipe(sig_pipe) < 0)
		return -1;
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/*
 * SIGINT/SIGTERM/SIGHUP stop the session; the third interrupt gives up
 * on the module.  One interrupt often arrives twice: a Ctrl-C (or
 * stapsh's kill of the process group) reaches stapio directly and again
 * through staprun, which forwards it.  So signals less than half a
 * second after the last counted one count with it.
 */
static void count_interrupt(struct stapio *s)
{
	struct timespec now;
	int64_t ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (s->signals && ms - s->last_signal_ms < 500)
		return;
	s->signals++;
	s->last_signal_ms = ms;
}

void on_signals(struct stapio *s)
{
	char c[16];
	ssize_t n, i;
	int stops = 0;

	while ((n = read(sig_pipe[0], c, sizeof(c))) > 0) {
		for (i = 0; i < n; i++) {
			if (c[i] == SIGCHLD) {
				reap_cmd(s);
				reap_system(s);
				continue;
			}
			stops++;
			count_interrupt(s);
			verbose(s, "signal %d: stopping", c[i]);
		}
	}
	if (!stops)
		return;
	send_stop(s);
	if (s->signals >= 3)
		fail(s, "module %s did not stop after %d interrupts; giving "
		     "up", s->modname, s->signals);
}
