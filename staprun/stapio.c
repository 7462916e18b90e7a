/*
 * stapio: talks to a loaded stap module and relays its output.
 *
 *   stapio [-v] [-o FILE] MODNAME
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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "relay.h"

#ifndef STAP_VERSION
#define STAP_VERSION "unknown"
#endif

#define RELAY_MAX_PENDING (64u << 20)

struct stapio {
	const char *modname;
	int verbose;
	int ctl_fd, data_fd, out_fd;
	struct ctl_reader ctl;
	struct relay relay;
	unsigned char *data_buf;
	size_t data_cap;

	/* From the module's HELLO. */
	uint32_t version;
	uint64_t features;
	uint64_t ncpus, bufsize;

	int hello_done, start_sent, stop_sent, stopped, data_eof;
	int signals;
	int failed;		/* the module vanished or broke the protocol */
	int start_failed;
	int exit_status;	/* from STOPPED */
	uint64_t lost_total, last_seq;
	uint64_t *lost;		/* per cpu, from STOPPED; NULL if none */
	unsigned nlost;
	int out_broken;
	uint64_t bad_stream;
};

static int sig_pipe[2] = { -1, -1 };

static void verbose(struct stapio *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	fputs("stapio: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A broken session: say why once, stop, exit 1 after draining. */
static void fail(struct stapio *s, const char *fmt, ...)
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

/* ---- output ---- */

static int write_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* relay_emit() callback: stream 1 to the output, 2 to stderr. */
static int emit(void *ctx, unsigned stream, const unsigned char *bytes,
		size_t len)
{
	struct stapio *s = ctx;
	int fd;

	if (stream == STAP_DATA_STREAM_STDOUT)
		fd = s->out_fd;
	else if (stream == STAP_DATA_STREAM_STDERR)
		fd = STDERR_FILENO;
	else {
		s->bad_stream++;
		return 0;
	}
	if (fd == s->out_fd && s->out_broken)
		return 0;
	if (write_all(fd, bytes, len) < 0 && fd == s->out_fd) {
		fprintf(stderr, "ERROR: cannot write script output: %s\n",
			strerror(errno));
		s->out_broken = 1;
	}
	return 0;
}

/* ---- sending ---- */

static void send_msg(struct stapio *s, uint32_t type, const uint64_t *w,
		     unsigned n)
{
	int rc = ctl_send_words(s->ctl_fd, type, w, n);

	verbose(s, "sent %s", ctl_type_name(type));
	if (rc < 0)
		fail(s, "cannot send %s to module %s: %s", ctl_type_name(type),
		     s->modname, strerror(-rc));
}

static void send_hello(struct stapio *s)
{
	static const char me[] = "stapio " STAP_VERSION;
	unsigned char buf[256];
	struct stap_ctl_enc e;
	int rc;

	stap_ctl_enc_init(&e, buf, sizeof(buf));
	stap_ctl_enc_begin(&e, STAP_CTL_HELLO);
	stap_ctl_enc_word(&e, STAP_CTL_PROTO_VERSION);
	stap_ctl_enc_word(&e, STAP_CTL_FEATURES);
	stap_ctl_enc_word(&e, 0);
	stap_ctl_enc_word(&e, 0);
	stap_ctl_enc_blob(&e, me, sizeof(me) - 1);
	stap_ctl_enc_end(&e);
	rc = ctl_send(s->ctl_fd, &e);
	verbose(s, "sent HELLO version %u", STAP_CTL_PROTO_VERSION);
	if (rc < 0)
		fail(s, "cannot send HELLO to module %s: %s", s->modname,
		     strerror(-rc));
}

static void send_stop(struct stapio *s)
{
	if (s->stop_sent)
		return;
	s->stop_sent = 1;
	send_msg(s, STAP_CTL_STOP, NULL, 0);
}

/* ---- incoming messages ---- */

static void on_hello(struct stapio *s, struct stap_ctl_msg *m)
{
	uint64_t version = stap_ctl_word(m);
	uint64_t features = stap_ctl_word(m);
	const unsigned char *name;
	size_t n;
	uint64_t start[2] = { 0, 0 };	/* target pid, flags */

	s->ncpus = stap_ctl_word(m);
	s->bufsize = stap_ctl_word(m);
	n = stap_ctl_blob(m, &name);
	if (version == 0) {
		fail(s, "module %s sent HELLO with protocol version 0",
		     s->modname);
		return;
	}
	s->version = version < STAP_CTL_PROTO_VERSION ?
		version : STAP_CTL_PROTO_VERSION;
	s->features = features & STAP_CTL_FEATURES;
	s->hello_done = 1;
	verbose(s, "module '%.*s': protocol %" PRIu64 " (using %u), "
		"features %#" PRIx64 ", %" PRIu64 " cpus, %" PRIu64
		" bytes per cpu buffer", (int)n, (const char *)name, version,
		s->version, features, s->ncpus, s->bufsize);
	if (s->stop_sent)
		return;
	s->start_sent = 1;
	send_msg(s, STAP_CTL_START, start, 2);
}

static void on_started(struct stapio *s, struct stap_ctl_msg *m)
{
	int64_t rc = (int64_t)stap_ctl_word(m);

	verbose(s, "module started: rc %" PRId64, rc);
	if (rc == 0)
		return;
	fprintf(stderr, "ERROR: module %s failed to start: %s\n",
		s->modname, strerror((int)-rc));
	s->start_failed = 1;
	send_stop(s);
}

static void on_request_exit(struct stapio *s, struct stap_ctl_msg *m)
{
	(void)m;
	send_stop(s);
}

static void on_stopped(struct stapio *s, struct stap_ctl_msg *m)
{
	uint64_t cpu, n, i;

	s->exit_status = (int)(int64_t)stap_ctl_word(m);
	s->lost_total = stap_ctl_word(m);
	s->last_seq = stap_ctl_word(m);
	n = stap_ctl_word(m);
	s->stopped = 1;
	verbose(s, "module stopped: status %d, %" PRIu64 " records, %"
		PRIu64 " lost", s->exit_status, s->last_seq, s->lost_total);
	if (s->ncpus == 0 || s->ncpus > 65536)
		s->ncpus = 65536;
	free(s->lost);
	s->lost = calloc(s->ncpus, sizeof(*s->lost));
	s->nlost = s->lost ? s->ncpus : 0;
	for (i = 0; i < n && !m->truncated; i++) {
		cpu = stap_ctl_word(m);
		if (cpu < s->nlost)
			s->lost[cpu] += stap_ctl_word(m);
		else
			(void)stap_ctl_word(m);
	}
}

static void on_not_supported(struct stapio *s, struct stap_ctl_msg *m)
{
	uint64_t type = stap_ctl_word(m);

	fail(s, "module %s does not support the %s message", s->modname,
	     ctl_type_name((uint32_t)type));
}

/* Adding a message: write its handler, add a line here. */
static const struct handler {
	uint32_t type;
	void (*fn)(struct stapio *s, struct stap_ctl_msg *m);
} handlers[] = {
	{ STAP_CTL_HELLO, on_hello },
	{ STAP_CTL_STARTED, on_started },
	{ STAP_CTL_REQUEST_EXIT, on_request_exit },
	{ STAP_CTL_STOPPED, on_stopped },
	{ STAP_CTL_NOT_SUPPORTED, on_not_supported },
};

static void dispatch(struct stapio *s, struct stap_ctl_msg *m)
{
	uint64_t type = m->type;
	size_t i;

	verbose(s, "received %s", ctl_type_name(m->type));
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (handlers[i].type == m->type) {
			handlers[i].fn(s, m);
			return;
		}
	}
	send_msg(s, STAP_CTL_NOT_SUPPORTED, &type, 1);
}

/* Reads what the control file has and handles every whole message. */
static void read_ctl(struct stapio *s)
{
	struct stap_ctl_msg m;
	long n = ctl_reader_fill(&s->ctl, s->ctl_fd);
	int rc;

	if (n == -EAGAIN)
		return;
	if (n == 0 || n == -ENODEV || n == -EIO) {
		fail(s, "module %s vanished (its control channel closed)",
		     s->modname);
		return;
	}
	if (n < 0) {
		fail(s, "reading /proc/%s/ctl: %s", s->modname, strerror(-n));
		return;
	}
	while ((rc = ctl_reader_next(&s->ctl, &m)) > 0)
		dispatch(s, &m);
	if (rc < 0)
		fail(s, "malformed control message from module %s",
		     s->modname);
}

/* ---- data ---- */

/* One read of the data file into the merger.  Returns 1 if it got
 * records, 0 if none were waiting, -1 at end of file or on error. */
static int read_data(struct stapio *s)
{
	ssize_t n;
	unsigned char *nbuf;

	for (;;) {
		n = read(s->data_fd, s->data_buf, s->data_cap);
		if (n >= 0 || errno != EMSGSIZE || s->data_cap >= (1u << 30))
			break;
		nbuf = realloc(s->data_buf, s->data_cap * 2);
		if (!nbuf)
			break;
		s->data_buf = nbuf;
		s->data_cap *= 2;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == 0) {
		s->data_eof = 1;
		return -1;
	}
	if (n < 0) {
		if (errno == ENODEV || errno == EIO)
			fail(s, "module %s vanished (its data channel closed)",
			     s->modname);
		else
			fail(s, "reading /proc/%s/data: %s", s->modname,
			     strerror(errno));
		s->data_eof = 1;
		return -1;
	}
	if (relay_feed(&s->relay, s->data_buf, n) < 0) {
		fail(s, "malformed data from module %s: %s", s->modname,
		     s->relay.error);
		s->data_eof = 1;
		return -1;
	}
	relay_emit(&s->relay, 0, emit, s);
	return 1;
}

/*
 * After STOPPED every record is in the buffers: read until end of file
 * (or, with a module without STAP_CTL_FEAT_DATA_EOF, until empty).
 */
static void drain_data(struct stapio *s)
{
	struct pollfd p = { .fd = s->data_fd, .events = POLLIN };
	int rc;

	while (!s->data_eof) {
		rc = read_data(s);
		if (rc == 0) {
			if (!(s->features & STAP_CTL_FEAT_DATA_EOF))
				break;
			poll(&p, 1, 100);
		}
	}
}

/* ---- the session ---- */

static void on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* full pipe: a signal is pending anyway */
	}
	errno = saved;
}

static int setup_signals(void)
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
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

static void on_signals(struct stapio *s)
{
	char c[16];
	ssize_t n;

	while ((n = read(sig_pipe[0], c, sizeof(c))) > 0) {
		s->signals += n;
		verbose(s, "signal %d: stopping", c[0]);
	}
	send_stop(s);
	if (s->signals >= 3)
		fail(s, "module %s did not stop after %d signals; giving up",
		     s->modname, s->signals);
}

/* The poll() loop, from HELLO until STOPPED (or failure). */
static void run(struct stapio *s)
{
	struct pollfd p[3];
	int use_poll, nfds;

	send_hello(s);
	while (!s->stopped && !s->failed) {
		/* Until HELLO says otherwise, assume the module polls. */
		use_poll = !s->hello_done ||
			(s->features & STAP_CTL_FEAT_POLL);
		p[0] = (struct pollfd){ .fd = sig_pipe[0], .events = POLLIN };
		p[1] = (struct pollfd){ .fd = s->ctl_fd, .events = POLLIN };
		p[2] = (struct pollfd){ .fd = s->data_fd, .events = POLLIN };
		nfds = use_poll ? 3 : 2;
		if (poll(p, nfds, use_poll ? -1 : 10) < 0 && errno != EINTR) {
			fail(s, "poll: %s", strerror(errno));
			break;
		}
		if (p[0].revents)
			on_signals(s);
		if (!use_poll || p[2].revents)
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
	fprintf(f, "Usage: stapio [-v] [-o FILE] MODNAME\n"
		"Relays the output of the loaded stap module MODNAME "
		"(normally run by staprun).\n");
}

int main(int argc, char **argv)
{
	struct stapio s = { .ctl_fd = -1, .data_fd = -1,
			    .out_fd = STDOUT_FILENO };
	const char *out = NULL;
	int opt, status;

	while ((opt = getopt(argc, argv, "+vo:h")) != -1) {
		switch (opt) {
		case 'v':
			s.verbose++;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	s.modname = argv[optind];
	if (strchr(s.modname, '/') || !*s.modname) {
		fprintf(stderr, "ERROR: bad module name '%s'\n", s.modname);
		return 1;
	}
	if (out) {
		s.out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				0666);
		if (s.out_fd < 0) {
			fprintf(stderr, "ERROR: cannot open output file %s: "
				"%s\n", out, strerror(errno));
			return 1;
		}
	}
	if (setup_signals() < 0 || ctl_reader_init(&s.ctl) < 0) {
		fprintf(stderr, "ERROR: stapio: %s\n", strerror(errno));
		return 1;
	}
	relay_init(&s.relay, RELAY_MAX_PENDING);
	s.data_cap = 1u << 20;
	s.data_buf = malloc(s.data_cap);
	s.ctl_fd = open_proc(s.modname, "ctl", O_RDWR | O_NONBLOCK);
	if (s.ctl_fd < 0 || !s.data_buf)
		return 1;
	s.data_fd = open_proc(s.modname, "data", O_RDONLY | O_NONBLOCK);
	if (s.data_fd < 0)
		return 1;

	run(&s);
	status = finish(&s);
	verbose(&s, "exit status %d", status);
	close(s.data_fd);
	close(s.ctl_fd);
	relay_free(&s.relay);
	ctl_reader_free(&s.ctl);
	free(s.data_buf);
	free(s.lost);
	return status;
}
