/*
 * stapio's side of the control channel: HELLO, START, STOP and DETACH
 * out, and one handler per incoming message type, found through the
 * table `handlers`.  doc/protocol-control.md describes the exchange.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stapio.h"

#ifndef STAP_VERSION
#define STAP_VERSION "unknown"
#endif

static void send_msg(struct stapio *s, uint32_t type, const uint64_t *w,
		     unsigned n)
{
	int rc = ctl_send_words(s->ctl_fd, type, w, n);

	verbose(s, "sent %s", ctl_type_name(type));
	if (rc < 0)
		fail(s, "cannot send %s to module %s: %s", ctl_type_name(type),
		     s->modname, strerror(-rc));
}

void send_hello(struct stapio *s)
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

void send_stop(struct stapio *s)
{
	if (s->stop_sent)
		return;
	s->stop_sent = 1;
	send_msg(s, STAP_CTL_STOP, NULL, 0);
}

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
	{ STAP_CTL_SYSTEM, on_system },
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
void read_ctl(struct stapio *s)
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
