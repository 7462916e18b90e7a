/*
 * Wire formats shared by the module runtime and stapio: the control
 * channel's messages and the data channel's records.  This header is
 * compiled both into kernel modules (runtime/transport/ctl.c includes it)
 * and into userspace (staprun/ctl.c, staprun/relay.c), so it uses only
 * uint32_t/uint64_t (which <linux/types.h> also provides), memcpy and
 * static inline functions: no allocation, no I/O.  It lives in
 * runtime/uapi/ (as the kernel's uapi headers do, shared by kernel and
 * user side): the module build, staprun and stap all have that directory
 * on their include path and include it as "ctl_proto.h".
 *
 * doc/protocol-control.md and doc/protocol-data.md are the prose version
 * of this file; keep them in step.
 *
 * The file has three parts: the message layout and its constants, a
 * decoder (stap_ctl_split, stap_ctl_word, stap_ctl_blob) and an encoder
 * (stap_ctl_enc_*), both working on caller-owned byte buffers.
 */
#ifndef STAP_CTL_PROTO_H
#define STAP_CTL_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#endif

/* ---- control channel: /proc/<module>/ctl ---- */

/*
 * Version 1 is this file's first layout; version 2 appends the error and
 * skipped-probe counts to STOPPED (and stapio, not the module, prints
 * them).  A later version may only add message types, append words to
 * existing payloads and append header fields; each side speaks
 * min(its version, the peer's) after HELLO.
 *
 * A build may set the version lower (-DSTAP_CTL_PROTO_VERSION=1) to be
 * a faithful previous release: code for version N is inside
 * "#if STAP_CTL_PROTO_VERSION >= N".  `make compat-prev` builds such a
 * stap, runtime and loader tools for the testsuite's old/new matrix.
 */
#ifndef STAP_CTL_PROTO_VERSION
#define STAP_CTL_PROTO_VERSION 2
#endif
#if STAP_CTL_PROTO_VERSION < 1 || STAP_CTL_PROTO_VERSION > 2
#error "STAP_CTL_PROTO_VERSION must be 1 or 2"
#endif

/*
 * Every message starts with this header.  size counts the whole message
 * (header + payload) in bytes; header_size is where the payload starts
 * (12 today; a larger value means the sender knows more header fields,
 * which a reader skips).  All integers are in host byte order: both ends
 * run on the same machine.
 */
struct stap_ctl_hdr {
	uint32_t size;
	uint32_t type;
	uint32_t header_size;
};
#define STAP_CTL_HDR_SIZE 12u

/* Largest message either side accepts, and the largest single write(). */
#define STAP_CTL_MAX_MSG (1u << 20)

/*
 * Message types; payload words in order ("word" = 64-bit, "blob" = a word
 * holding a byte count, then the bytes zero-padded to a multiple of 8).
 * A reader that meets fewer words than it knows treats the rest as 0; it
 * ignores words it does not know.
 */
enum stap_ctl_type {
	/* both ways, first: version, features, ncpus, buffer bytes per
	 * cpu, blob "name version" (stapio sends 0 for ncpus and bytes) */
	STAP_CTL_HELLO = 1,
	/* stapio -> module: target pid (0 = none), flags (0) */
	STAP_CTL_START = 2,
	/* module -> stapio: rc (0 or -errno, as a signed word), next_seq
	 * (the seq of the first record this reader will get: 1, or where
	 * a reader that attaches resumes; 0 from older modules) */
	STAP_CTL_STARTED = 3,
	/* module -> stapio: the script called exit() or hit an error */
	STAP_CTL_REQUEST_EXIT = 4,
	/* stapio -> module: run end probes and finish */
	STAP_CTL_STOP = 5,
	/* module -> stapio: exit status, total records lost, records
	 * written (last sequence number), n, then n pairs (cpu, lost)
	 * for the cpus that lost records; version 2 appends errors and
	 * skipped probes */
	STAP_CTL_STOPPED = 6,
	/* both ways: type of a message the sender does not handle */
	STAP_CTL_NOT_SUPPORTED = 7,
	/* stapio -> module (STAP_CTL_FEAT_DETACH): closing ctl leaves the
	 * session running; a later START attaches (STARTED 0) */
	STAP_CTL_DETACH = 8,
	/* module -> stapio (STAP_CTL_FEAT_SYSTEM): blob, a command the
	 * script's system() asks stapio to run with /bin/sh -c */
	STAP_CTL_SYSTEM = 9,
};

/* Feature bits of HELLO; each side uses those both sides announce. */
#define STAP_CTL_FEAT_POLL	(1ull << 0)	/* ctl and data support poll() */
#define STAP_CTL_FEAT_DATA_EOF	(1ull << 1)	/* data read() returns 0 once
						 * stopped and drained */
#define STAP_CTL_FEAT_DETACH	(1ull << 2)	/* DETACH, and START attaches
						 * to a detached session */
#define STAP_CTL_FEAT_SYSTEM	(1ull << 3)	/* stapio runs SYSTEM's
						 * commands */
#define STAP_CTL_FEATURES	(STAP_CTL_FEAT_POLL | STAP_CTL_FEAT_DATA_EOF | \
				 STAP_CTL_FEAT_DETACH | STAP_CTL_FEAT_SYSTEM)

/* ---- data channel: /proc/<module>/data ---- */

/*
 * One record as it sits in a per-CPU buffer and as read() returns it:
 * this header, then len bytes, then zeros up to a multiple of 8.  seq is
 * global (1, 2, 3 ... across all cpus, no holes: a dropped record takes
 * no seq); cpu_seq counts every record the cpu tried to write, dropped
 * ones included, so a jump in cpu_seq shows how many were lost there.
 */
struct stap_data_rec {
	uint32_t len;
	uint16_t stream;	/* 1 stdout, 2 stderr */
	uint16_t cpu;
	uint64_t seq;
	uint64_t cpu_seq;
};
#define STAP_DATA_REC_SIZE 24u
#define STAP_DATA_STREAM_STDOUT 1	/* = enum stap_stream in transport.h */
#define STAP_DATA_STREAM_STDERR 2
#define STAP_DATA_ALIGN(n) (((n) + 7u) & ~(size_t)7u)

/* ---- decoder ---- */

/* One received message; p..end is the payload not yet consumed. */
struct stap_ctl_msg {
	uint32_t type;
	uint32_t size;
	const unsigned char *p, *end;
	int truncated;	/* a word or blob was read past the end */
};

/*
 * Looks at the message starting at buf (len bytes available).  Returns
 * its size and fills *m, 0 if buf holds only the start of a message, or
 * -1 if the header is malformed (size below the header, header_size
 * outside [12, size], size above STAP_CTL_MAX_MSG).
 */
static inline long stap_ctl_split(const void *buf, size_t len,
				  struct stap_ctl_msg *m)
{
	struct stap_ctl_hdr h;

	if (len < STAP_CTL_HDR_SIZE)
		return 0;
	memcpy(&h, buf, STAP_CTL_HDR_SIZE);
	if (h.size < STAP_CTL_HDR_SIZE || h.size > STAP_CTL_MAX_MSG ||
	    h.header_size < STAP_CTL_HDR_SIZE || h.header_size > h.size)
		return -1;
	if (len < h.size)
		return 0;
	m->type = h.type;
	m->size = h.size;
	m->p = (const unsigned char *)buf + h.header_size;
	m->end = (const unsigned char *)buf + h.size;
	m->truncated = 0;
	return h.size;
}

/* Next payload word, or 0 when the payload has no more words. */
static inline uint64_t stap_ctl_word(struct stap_ctl_msg *m)
{
	uint64_t w;

	if (m->end - m->p < 8) {
		m->truncated = 1;
		m->p = m->end;
		return 0;
	}
	memcpy(&w, m->p, 8);
	m->p += 8;
	return w;
}

/* Next blob: sets *bytes and returns its length; 0 if absent or cut. */
static inline size_t stap_ctl_blob(struct stap_ctl_msg *m,
				   const unsigned char **bytes)
{
	uint64_t n = stap_ctl_word(m);

	*bytes = m->p;
	if (m->truncated)
		return 0;
	if (n > (uint64_t)(m->end - m->p) ||
	    STAP_DATA_ALIGN(n) > (uint64_t)(m->end - m->p)) {
		m->truncated = 1;
		m->p = m->end;
		return 0;
	}
	m->p += STAP_DATA_ALIGN(n);
	return n;
}

/* ---- encoder ---- */

/*
 * Appends messages to buf[0..cap).  Begin a message, add words and blobs,
 * end it; several messages may follow each other.  On overflow the
 * encoder sets overflow and stops writing; check it before sending.
 */
struct stap_ctl_enc {
	unsigned char *buf;
	size_t cap, len, start;
	int overflow;
};

static inline void stap_ctl_enc_init(struct stap_ctl_enc *e, void *buf,
				     size_t cap)
{
	e->buf = (unsigned char *)buf;
	e->cap = cap;
	e->len = 0;
	e->start = 0;
	e->overflow = 0;
}

static inline void stap_ctl_enc_put(struct stap_ctl_enc *e, const void *p,
				    size_t n)
{
	if (e->overflow || n > e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static inline void stap_ctl_enc_begin(struct stap_ctl_enc *e, uint32_t type)
{
	struct stap_ctl_hdr h = { 0, type, STAP_CTL_HDR_SIZE };

	e->start = e->len;
	stap_ctl_enc_put(e, &h, STAP_CTL_HDR_SIZE);
}

static inline void stap_ctl_enc_word(struct stap_ctl_enc *e, uint64_t w)
{
	stap_ctl_enc_put(e, &w, 8);
}

static inline void stap_ctl_enc_blob(struct stap_ctl_enc *e, const void *p,
				     size_t n)
{
	static const unsigned char zeros[8];

	stap_ctl_enc_word(e, n);
	stap_ctl_enc_put(e, p, n);
	stap_ctl_enc_put(e, zeros, STAP_DATA_ALIGN(n) - n);
}

/* Finishes the current message by writing its size into the header. */
static inline void stap_ctl_enc_end(struct stap_ctl_enc *e)
{
	uint32_t size = (uint32_t)(e->len - e->start);

	if (!e->overflow)
		memcpy(e->buf + e->start, &size, 4);
}

#endif /* STAP_CTL_PROTO_H */
