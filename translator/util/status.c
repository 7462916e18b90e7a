/*
 * The status line (status.h).  A SIGALRM every second writes
 * "\r" + text + " (Ns)" + erase-to-end-of-line with write(2), the only
 * thing a signal handler may safely do here; the text is cut to the
 * terminal's width so that "\r" always returns to its start.  SA_RESTART
 * keeps the waits of the step (waitpid, read) going across the ticks.
 */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

static bool enabled;
static volatile sig_atomic_t shown;	/* the line is on the screen */
static volatile sig_atomic_t seconds;
static char text[512];			/* written with SIGALRM blocked */
static size_t width;			/* columns the line may use */
static struct sigaction old_action;
static bool running;

void status_init(bool quiet)
{
	const char *term = getenv("TERM");

	enabled = !quiet && isatty(2) && !(term && strcmp(term, "dumb") == 0);
}

bool status_enabled(void)
{
	return enabled;
}

/* Appends the decimal n to buf at *len (async-signal-safe). */
static void put_number(char *buf, size_t *len, unsigned long n)
{
	char digits[24];
	int i = 0;

	do
		digits[i++] = '0' + n % 10;
	while ((n /= 10) && i < (int)sizeof(digits));
	while (i > 0)
		buf[(*len)++] = digits[--i];
}

static void tick(int sig)
{
	char line[sizeof(text) + 64];
	size_t len = 0, n = strlen(text);
	int saved = errno;

	(void)sig;
	seconds++;
	if (n > width)
		n = width;
	line[len++] = '\r';
	memcpy(line + len, text, n);
	len += n;
	memcpy(line + len, " (", 2);
	len += 2;
	put_number(line, &len, seconds);
	memcpy(line + len, "s)\033[K", 5);
	len += 5;
	if (write(2, line, len) > 0)
		shown = 1;
	errno = saved;
}

void status_start(const char *fmt, ...)
{
	struct sigaction sa = { .sa_handler = tick, .sa_flags = SA_RESTART };
	struct itimerval it = { { 1, 0 }, { 1, 0 } };
	struct winsize ws;
	char what[sizeof(text) - 8];
	va_list ap;

	if (!enabled || running)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "stap: %s", what);
	width = 72;
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		width = ws.ws_col - 12;		/* room for " (NNNNs)" */
	seconds = 0;
	shown = 0;
	running = true;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old_action);
	setitimer(ITIMER_REAL, &it, NULL);
}

void status_set(const char *s)
{
	sigset_t block, old;

	if (!running)
		return;
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	snprintf(text, sizeof(text), "stap: %s", s);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void status_end(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	if (!running)
		return;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old_action, NULL);
	running = false;
	if (shown && write(2, "\r\033[K", 4) < 0)
		shown = 0;	/* nothing more to do about it */
	shown = 0;
}
