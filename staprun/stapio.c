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
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl.h"
#include "optarg.h"
#include "outfile.h"
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
	int started;		/* STARTED came (any rc): data may be read */
	int signals;		/* interrupts counted (count_interrupt) */
	int64_t last_signal_ms;
	int failed;		/* the module vanished or broke the protocol */
	int start_failed;
	int exit_status;	/* from STOPPED */
	uint64_t lost_total, last_seq;
	uint64_t errors, skipped;	/* from STOPPED, version 2 */
	uint64_t *lost;		/* per cpu, from STOPPED; NULL if none */
	unsigned nlost;
	int out_broken;
	uint64_t bad_stream;

	/* Bulk mode (-B): per-CPU files, or one raw stream on stdout. */
	int bulk;
	int bulk_stdout;
	struct bulk_out bulk_out;

	/* The target: -c CMD (our child, held on a pipe until STARTED) or
	 * -x PID (watched through pidfd, or polled when pidfd is -1). */
	const char *cmd;
	int cmd_stdout_to_stderr;	/* -o -: CMD's stdout goes to stderr */
	pid_t target;
	int cmd_gate;			/* write end; -1 once released */
	int cmd_running;
	int pidfd;
	int target_gone;

	/* -S SIZE[,N]: stream 1 goes to rotating files instead of out_fd */
	int rotating;
	struct rotate_out rotate;

	/* -L: after STARTED, DETACH and exit, leaving the session running */
	int detach;
	int detached;

	/* -t SECONDS: STOP at deadline (CLOCK_MONOTONIC), armed by STARTED */
	long timeout;
	struct timespec deadline;
	int deadline_armed;
};

static int sig_pipe[2] = { -1, -1 };

static void verbose(struct stapio *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	ctl_log("stapio", fmt, ap);
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
	if (fd == s->out_fd && s->rotating) {
		if (rotate_write(&s->rotate, bytes, len) < 0) {
			fprintf(stderr, "ERROR: %s\n", s->rotate.error);
			s->out_broken = 1;
		}
		return 0;
	}
	if (write_all(fd, bytes, len) < 0 && fd == s->out_fd) {
		fprintf(stderr, "ERROR: cannot write script output: %s\n",
			strerror(errno));
		s->out_broken = 1;
	}
	return 0;
}

/* Writes a record, as read, to its CPU's bulk file (or the raw stream
 * on stdout). */
static void bulk_put(struct stapio *s, const struct stap_data_rec *h,
		     const void *rec, size_t size)
{
	if (s->out_broken)
		return;
	if (s->bulk_stdout ? write_all(s->out_fd, rec, size) < 0 :
	    bulk_write(&s->bulk_out, h->cpu, rec, size) < 0) {
		fprintf(stderr, "ERROR: %s\n", s->bulk_stdout ?
			"cannot write the bulk output stream" :
			s->bulk_out.error);
		s->out_broken = 1;
	}
}

/*
 * relay_split() callback in bulk mode: stream 1 whole to its CPU's
 * file, stream 2's bytes to stderr.  A record that does not go to the
 * file whole (stream 2, unknown streams) leaves its header there with
 * len 0, so that the file's cpu_seq has holes only where records were
 * lost: stap-merge counts those holes as losses.
 */
static int emit_bulk(void *ctx, const struct stap_data_rec *h,
		     const void *rec, size_t size)
{
	struct stapio *s = ctx;
	const unsigned char *bytes = (const unsigned char *)rec +
		STAP_DATA_REC_SIZE;
	struct stap_data_rec marker = *h;

	if (h->stream == STAP_DATA_STREAM_STDOUT) {
		bulk_put(s, h, rec, size);
		return 0;
	}
	if (h->stream == STAP_DATA_STREAM_STDERR)
		emit(s, h->stream, bytes, h->len);
	else
		s->bad_stream++;
	marker.len = 0;
	bulk_put(s, h, &marker, STAP_DATA_REC_SIZE);
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

	start[0] = (uint64_t)s->target;

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

static int read_data(struct stapio *s);

/* -t: the session ends s->timeout seconds after STARTED. */
static void arm_timeout(struct stapio *s)
{
	if (s->timeout <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &s->deadline);
	s->deadline.tv_sec += s->timeout;
	s->deadline_armed = 1;
}

/*
 * -c: the probes are armed, so let CMD exec.  What the begin probes
 * printed is relayed first, so that it comes before CMD's output.
 */
static void release_cmd(struct stapio *s)
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
 * -L: the probes run; relay what the begin probes printed, then leave
 * the session running (DETACH) for a later attach (staprun -A).
 */
static void detach(struct stapio *s)
{
	if (!(s->features & STAP_CTL_FEAT_DETACH)) {
		fail(s, "module %s cannot run detached (it was built by a "
		     "stap without flight recorder support)", s->modname);
		send_stop(s);
		return;
	}
	while (read_data(s) > 0)
		;
	send_msg(s, STAP_CTL_DETACH, NULL, 0);
	if (!s->failed)
		s->detached = 1;
}

static void on_started(struct stapio *s, struct stap_ctl_msg *m)
{
	int64_t rc = (int64_t)stap_ctl_word(m);
	uint64_t next_seq = stap_ctl_word(m);

	verbose(s, "module started: rc %" PRId64 ", next record %" PRIu64,
		rc, next_seq);
	s->started = 1;
	if (rc == 0 && next_seq > 1)
		relay_resume(&s->relay, next_seq);	/* attached */
	if (rc == 0) {
		arm_timeout(s);
		release_cmd(s);
		if (s->detach)
			detach(s);
		return;
	}
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
#if STAP_CTL_PROTO_VERSION >= 2
	/* A version 1 module printed its counts into the stderr stream. */
	if (s->version >= 2) {
		s->errors = stap_ctl_word(m);
		s->skipped = stap_ctl_word(m);
		verbose(s, "module counted %" PRIu64 " errors, %" PRIu64
			" skipped probes", s->errors, s->skipped);
	}
#endif
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
	if (s->bulk ? relay_split(&s->relay, s->data_buf, n, emit_bulk, s) :
	    relay_feed(&s->relay, s->data_buf, n)) {
		fail(s, "malformed data from module %s: %s", s->modname,
		     s->relay.error ? s->relay.error : "?");
		s->data_eof = 1;
		return -1;
	}
	if (!s->bulk)
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
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_flags = 0;
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* ---- the target process (-c, -x) ---- */

/*
 * -c: forks the child that becomes CMD.  It waits for a byte on a pipe
 * (release_cmd(), after STARTED) before it execs /bin/sh -c CMD; end of
 * file instead means the session never started: it exits unrun.
 */
static int spawn_cmd(struct stapio *s)
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
static void target_gone(struct stapio *s, const char *how)
{
	if (s->target_gone)
		return;
	s->target_gone = 1;
	verbose(s, "target %d %s: stopping", (int)s->target, how);
	send_stop(s);
}

/* SIGCHLD: reaps CMD if it ended. */
static void reap_cmd(struct stapio *s)
{
	int status;

	if (!s->cmd_running || waitpid(s->target, &status, WNOHANG) <= 0)
		return;
	s->cmd_running = 0;
	target_gone(s, "exited");
}

/* -x without a pidfd: does the target still exist? */
static void poll_target(struct stapio *s)
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
static int watch_pid(struct stapio *s)
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
static void end_cmd(struct stapio *s)
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

static void on_signals(struct stapio *s)
{
	char c[16];
	ssize_t n, i;
	int stops = 0;

	while ((n = read(sig_pipe[0], c, sizeof(c))) > 0) {
		for (i = 0; i < n; i++) {
			if (c[i] == SIGCHLD) {
				reap_cmd(s);
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

int main(int argc, char **argv)
{
	struct stapio s = { .ctl_fd = -1, .data_fd = -1, .cmd_gate = -1,
			    .pidfd = -1, .out_fd = STDOUT_FILENO };
	const char *out = NULL;
	long v, count;
	int opt, status;

	while ((opt = getopt(argc, argv, "+vo:Bc:x:t:LS:h")) != -1) {
		switch (opt) {
		case 'L':
			s.detach = 1;
			break;
		case 'S':
			if (size_count_arg(optarg, &v, &count) < 0)
				return 1;
			s.rotating = 1;
			s.rotate.max_bytes = (unsigned long long)v << 20;
			s.rotate.keep = (unsigned)count;
			break;
		case 'v':
			s.verbose++;
			break;
		case 'o':
			out = optarg;
			break;
		case 'B':
			s.bulk = 1;
			break;
		case 'c':
			s.cmd = optarg;
			break;
		case 'x':
			if ((v = number_arg(opt, optarg, 1, 0x7fffffff,
					    "a process id")) < 0)
				return 1;
			s.target = (pid_t)v;
			break;
		case 't':
			if ((v = number_arg(opt, optarg, 1, 100000000,
					    "seconds")) < 0)
				return 1;
			s.timeout = v;
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
	if (s.cmd && s.target) {
		fprintf(stderr, "ERROR: -c and -x cannot be used together\n");
		return 1;
	}
	if (s.detach && (s.cmd || s.target || s.timeout)) {
		fprintf(stderr, "ERROR: -L cannot be used with -c, -x or -t "
			"(they need stapio attached)\n");
		return 1;
	}
	if (s.rotating && (!out || strcmp(out, "-") == 0 || s.bulk)) {
		fprintf(stderr, "ERROR: -S needs -o FILE (and no -B)\n");
		return 1;
	}
	s.modname = argv[optind];
	if (strchr(s.modname, '/') || !*s.modname) {
		fprintf(stderr, "ERROR: bad module name '%s'\n", s.modname);
		return 1;
	}
	if (open_output(&s, out) < 0)
		return 1;
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
	if (s.target && watch_pid(&s) < 0)
		return 1;
	if (s.cmd && spawn_cmd(&s) < 0)
		return 1;

	run(&s);
	end_cmd(&s);
	status = finish(&s);
	if (s.bulk && !s.bulk_stdout && bulk_close(&s.bulk_out) < 0 &&
	    !s.out_broken) {
		fprintf(stderr, "ERROR: %s\n", s.bulk_out.error);
		status = 1;
	}
	if (s.rotating && rotate_close(&s.rotate) < 0) {
		if (!s.out_broken)
			fprintf(stderr, "ERROR: %s\n", s.rotate.error);
		status = 1;
	}
	verbose(&s, "exit status %d", status);
	close(s.data_fd);
	close(s.ctl_fd);
	if (s.pidfd >= 0)
		close(s.pidfd);
	relay_free(&s.relay);
	ctl_reader_free(&s.ctl);
	free(s.data_buf);
	free(s.lost);
	free(s.bulk_out.error);
	return status;
}
