/*
 * stapio: talks to a loaded stap module and relays its output.
 *
 *   stapio [-v] [-o FILE [-S SIZE[,N]]] [-B] [-c CMD | -x PID]
 *          [-t SECONDS] [-L] MODNAME
 *
 * It opens /proc/MODNAME/ctl and /proc/MODNAME/data, says HELLO, sends
 * START, and then waits in one poll() loop for three things: control
 * messages (handled through the table `handlers`, one function per
 * type), data records (fed to the merger in relay.c and written to
 * stdout or -o FILE, and stderr), and SIGINT/SIGTERM/SIGHUP (through a
 * self-pipe).  REQUEST_EXIT or a signal makes it send STOP; STOPPED
 * carries the exit status and loss counts; then it drains the data
 * channel to its end, reports any loss and exits with the script's
 * status.  doc/protocol-control.md describes the exchange.
 *
 * The session can also end with its target: -c CMD starts CMD (through
 * /bin/sh -c) held before exec until STARTED, its pid being the target
 * in START, and STOP follows its exit (SIGCHLD, through the same
 * self-pipe); -x PID watches PID with a pidfd (or kill(PID, 0) every
 * 100 ms where pidfd_open is missing).  -t SECONDS sends STOP that long
 * after STARTED.  -B (bulk mode) writes each CPU's records unmerged to
 * its own file (outfile.h) instead of merging them; -S rotates -o FILE
 * (FILE.0, FILE.1 ...).
 *
 * -L detaches after STARTED (DETACH), leaving the session running; a
 * later stapio attaches with the usual START, and STARTED's next_seq
 * tells the merger where its records begin (so no data is read before
 * STARTED).
 *
 * This file holds main() (options, opening the session, closing it),
 * the poll() loop and the final report; stapio.h lists the files that
 * hold the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "optarg.h"
#include "stapio.h"

#define RELAY_MAX_PENDING (64u << 20)

void verbose(struct stapio *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	ctl_log("stapio", fmt, ap);
	va_end(ap);
}

/* A broken session: say why once, stop, exit 1 after draining. */
void fail(struct stapio *s, const char *fmt, ...)
{
	va_list ap;

	if (s->failed)
		return;
	s->failed = 1;
	va_start(ap, fmt);
	fputs("ERROR: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* -t: the session ends s->timeout seconds after STARTED. */
void arm_timeout(struct stapio *s)
{
	if (s->timeout <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_sec += s->timeout;
	s->deadline_armed = 1;
}

/* Milliseconds poll() may sleep: -1, or until the -t deadline, the
 * no-poll interval or the next look at an -x target without pidfd. */
static int poll_timeout(struct stapio *s, int use_poll)
{
	struct timespec now;
	long ms = use_poll ? -1 : 10;
	long left;

	if (s->target > 0 && !s->cmd && s->pidfd < 0 && !s->target_gone &&
	    (ms < 0 || ms > 100))
		ms = 100;
	if (s->deadline_armed && !s->stop_sent) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (s->deadline.tv_sec - now.tv_sec) * 1000 +
			(s->deadline.tv_nsec - now.tv_nsec) / 1000000 + 1;
		if (left <= 0) {
			verbose(s, "%ld seconds passed (-t): stopping",
				s->timeout);
			send_stop(s);
		} else if (ms < 0 || left < ms) {
			ms = left;
		}
	}
	return (int)ms;
}

/* The poll() loop, from HELLO until STOPPED (or failure). */
static void run(struct stapio *s)
{
	struct pollfd p[4];
	int use_poll, nfds, timeout;

	send_hello(s);
	while (!s->stopped && !s->failed && !s->detached) {
		/* Until HELLO says otherwise, assume the module polls. */
		use_poll = !s->hello_done ||
			(s->features & STAP_CTL_FEAT_POLL);
		timeout = poll_timeout(s, use_poll);
		p[0] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->ctl_fd, .events = POLLIN };
		/* No data before STARTED: when attaching, its next_seq
		 * says where the records this reader gets begin. */
		p[2] = (struct pollfd){ .fd = s->started ? s->data_fd : -1,
					.events = use_poll ? POLLIN : 0 };
		p[3] = (struct pollfd){ .fd = s->target_gone ? -1 : s->pidfd,
					.events = POLLIN };
		nfds = s->pidfd >= 0 ? 4 : 3;
		if (poll(p, nfds, timeout) < 0 && errno != EINTR) {
			fail(s, "poll: %s", strerror(errno));
			break;
		}
		if (p[0].revents)
			on_signals(s);
		if (nfds > 3 && p[3].revents)
			target_gone(s, "exited");
		poll_target(s);
		if (s->started && (!use_poll || p[2].revents))
			while (read_data(s) > 0)
				;
		if (p[1].revents & (POLLIN | POLLERR | POLLHUP))
			read_ctl(s);
	}
	if (s->stopped)
		drain_data(s);
}

/* Prints the losses and returns the exit status. */
static int finish(struct stapio *s)
{
	uint64_t lost;
	unsigned cpu;

	relay_emit(&s->relay, 1, emit, s);
	/* Upstream's wording, where a version 1 module printed it. */
	if (s->errors || s->skipped)
		fprintf(stderr, "WARNING: Number of errors: %" PRIu64
			", skipped probes: %" PRIu64 "\n", s->errors,
			s->skipped);
	for (cpu = 0; cpu < s->relay.ncpus || cpu < s->nlost; cpu++) {
		lost = cpu < s->nlost ? s->lost[cpu] : 0;
		if (relay_lost(&s->relay, cpu) > lost)
			lost = relay_lost(&s->relay, cpu);
		if (lost)
			fprintf(stderr, "WARNING: %" PRIu64 " records lost on "
				"CPU %u: its %" PRIu64 " KiB output buffer was "
				"full (raise it with -s MB or "
				"-DSTAP_BUFFER_SIZE=BYTES)\n", lost, cpu,
				s->bufsize / 1024);
	}
	if (s->relay.skipped)
		fprintf(stderr, "WARNING: %" PRIu64 " records missing from "
			"the output sequence\n", s->relay.skipped);
	if (s->stopped && s->relay.emitted + s->relay.skipped < s->last_seq &&
	    !s->failed)
		fprintf(stderr, "WARNING: %" PRIu64 " records written by the "
			"module were never read\n",
			s->last_seq - s->relay.emitted - s->relay.skipped);
	if (s->bad_stream)
		fprintf(stderr, "WARNING: %" PRIu64 " records for unknown "
			"streams ignored\n", s->bad_stream);
	if (s->detached && !s->failed)
		return 0;
	if (s->failed || s->start_failed || !s->stopped)
		return 1;
	return s->exit_status;
}

static int open_proc(const char *mod, const char *file, int flags)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/%s", mod, file);
	fd = open(path, flags | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		fprintf(stderr, "ERROR: module %s is not loaded (no %s)\n",
			mod, path);
	else if (errno == EBUSY)
		fprintf(stderr, "ERROR: %s: another stapio is attached to "
			"module %s\n", path, mod);
	else
		fprintf(stderr, "ERROR: cannot open %s: %s\n", path,
			strerror(errno));
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: stapio [-v] [-o FILE [-S SIZE[,N]]] [-B] "
		"[-c CMD | -x PID] [-t SECONDS] [-L] MODNAME\n"
		"Relays the output of the loaded stap module MODNAME "
		"(normally run by staprun).\n"
		"  -o FILE     output to FILE (strftime %%-conversions expand); "
		"'-' is stdout,\n"
		"              with CMD's stdout sent to stderr\n"
		"  -B          bulk mode: each CPU's records to FILE_N "
		"(stpd_cpuN), unmerged\n"
		"  -c CMD      run CMD once the probes are armed; its exit "
		"ends the session\n"
		"  -x PID      target() is PID; its exit ends the session\n"
		"  -t SECONDS  end the session after SECONDS\n"
		"  -L          detach once the probes run, leaving them "
		"running\n"
		"  -S SIZE[,N] rotate -o FILE: FILE.0, FILE.1 ... of SIZE "
		"MB, the last N kept\n");
}

/* Opens the output: -o FILE (expanded), or bulk mode's files. */
static int open_output(struct stapio *s, const char *out)
{
	char *name = NULL;

	if (out && strcmp(out, "-") == 0) {
		s->cmd_stdout_to_stderr = 1;
		s->bulk_stdout = s->bulk;
		return 0;
	}
	if (out) {
		name = outfile_expand(out, time(NULL));
		if (!name) {
			fprintf(stderr, "ERROR: output file pattern '%s' "
				"expands to nothing or to a name too long\n",
				out);
			return -1;
		}
	}
	if (s->bulk) {
		bulk_init(&s->bulk_out, name);	/* files open on use */
		return 0;
	}
	if (s->rotating) {			/* files open on use */
		rotate_init(&s->rotate, name, s->rotate.max_bytes,
			    s->rotate.keep);
		return 0;
	}
	if (!name)
		return 0;
	s->out_fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			 0666);
	if (s->out_fd < 0) {
		fprintf(stderr, "ERROR: cannot open output file %s: %s\n",
			name, strerror(errno));
		free(name);
		return -1;
	}
	free(name);
	return 0;
}

/*
 * Reads the options into s and *out (-o).  Returns 0 to go on, 1 when
 * stapio should exit 0 (-h), -1 when it should exit 1 (said why).
 */
static int parse_options(struct stapio *s, int argc, char **argv,
			 const char **out)
{
	long v, count;
	int opt;

	while ((opt = getopt(argc, argv, "+vo:Bc:x:t:LS:h")) != -1) {
		switch (opt) {
		case 'L':
			s->detach = 1;
			break;
		case 'S':
			if (size_count_arg(optarg, &v, &count) < 0)
				return -1;
			s->rotating = 1;
			s->rotate.max_bytes = (unsigned long long)v << 20;
			s->rotate.keep = (unsigned)count;
			break;
		case 'v':
			s->verbose++;
			break;
		case 'o':
			*out = optarg;
			break;
		case 'B':
			s->bulk = 1;
			break;
		case 'c':
			s->cmd = optarg;
			break;
		case 'x':
			if ((v = number_arg(opt, optarg, 1, 0x7fffffff,
					    "a process id")) < 0)
				return -1;
			s->target = (pid_t)v;
			break;
		case 't':
			if ((v = number_arg(opt, optarg, 1, 100000000,
					    "seconds")) < 0)
				return -1;
			s->timeout = v;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	s->modname = argv[optind];
	return 0;
}

/* The option combinations that make no sense, and the module name. */
static int check_options(const struct stapio *s, const char *out)
{
	if (s->cmd && s->target) {
		fprintf(stderr, "ERROR: -c and -x cannot be used together\n");
		return -1;
	}
	if (s->detach && (s->cmd || s->target || s->timeout)) {
		fprintf(stderr, "ERROR: -L cannot be used with -c, -x or -t "
			"(they need stapio attached)\n");
		return -1;
	}
	if (s->rotating && (!out || strcmp(out, "-") == 0 || s->bulk)) {
		fprintf(stderr, "ERROR: -S needs -o FILE (and no -B)\n");
		return -1;
	}
	if (strchr(s->modname, '/') || !*s->modname) {
		fprintf(stderr, "ERROR: bad module name '%s'\n", s->modname);
		return -1;
	}
	return 0;
}

/* Everything the loop needs: the output, the signals, the module's two
 * files and the target.  -1 (said why) when something is missing. */
static int open_session(struct stapio *s, const char *out)
{
	if (open_output(s, out) < 0)
		return -1;
	if (setup_signals() < 0 || ctl_reader_init(&s->ctl) < 0) {
		fprintf(stderr, "ERROR: stapio: %s\n", strerror(errno));
		return -1;
	}
	relay_init(&s->relay, RELAY_MAX_PENDING);
	s->data_cap = 1u << 20;
	s->data_buf = malloc(s->data_cap);
	s->ctl_fd = open_proc(s->modname, "ctl", O_RDWR | O_NONBLOCK);
	if (s->ctl_fd < 0 || !s->data_buf)
		return -1;
	s->data_fd = open_proc(s->modname, "data", O_RDONLY | O_NONBLOCK);
	if (s->data_fd < 0)
		return -1;
	if (s->target && watch_pid(s) < 0)
		return -1;
	if (s->cmd && spawn_cmd(s) < 0)
		return -1;
	return 0;
}

/* Closes the output files (their errors change the status) and frees
 * the session.  Returns the exit status. */
static int close_session(struct stapio *s, int status)
{
	if (s->bulk && !s->bulk_stdout && bulk_close(&s->bulk_out) < 0 &&
	    !s->out_broken) {
		fprintf(stderr, "ERROR: %s\n", s->bulk_out.error);
		status = 1;
	}
	if (s->rotating && rotate_close(&s->rotate) < 0) {
		if (!s->out_broken)
			fprintf(stderr, "ERROR: %s\n", s->rotate.error);
		status = 1;
	}
	verbose(s, "exit status %d", status);
	close(s->data_fd);
	close(s->ctl_fd);
	if (s->pidfd >= 0)
		close(s->pidfd);
	relay_free(&s->relay);
	ctl_reader_free(&s->ctl);
	free(s->data_buf);
	free(s->lost);
	free(s->bulk_out.error);
	return status;
}

int main(int argc, char **argv)
{
	struct stapio s = { .ctl_fd = -1, .data_fd = -1, .cmd_gate = -1,
			    .pidfd = -1, .out_fd = STDOUT_FILENO };
	const char *out = NULL;
	int rc;

	rc = parse_options(&s, argc, argv, &out);
	if (rc)
		return rc > 0 ? 0 : 1;
	if (check_options(&s, out) < 0 || open_session(&s, out) < 0)
		return 1;
	run(&s);
	wait_system(&s);
	end_cmd(&s);
	return close_session(&s, finish(&s));
}
