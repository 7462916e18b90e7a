/*
 * The merger of the data channel: takes the records that reads of
 * /proc/<module>/data return (whole records from any CPUs, each CPU's in
 * order) and hands them out in global sequence order.  Pure: no I/O, no
 * globals; the caller reads the file and writes what the emit callback
 * receives.  Record layout: struct stap_data_rec in ctl_proto.h.
 */
#ifndef STAPRUN_RELAY_H
#define STAPRUN_RELAY_H

#include <stddef.h>
#include <stdint.h>

/* Records of one CPU not yet emitted, oldest first, as raw bytes. */
struct relay_cpu {
	unsigned char *buf;
	size_t off, len, cap;	/* pending records are buf[off..len) */
	uint64_t last_seq;	/* seq of the newest record fed */
	uint64_t last_cpu_seq;	/* cpu_seq of the newest record fed */
	uint64_t lost;		/* records missing by cpu_seq jumps */
};

struct relay {
	struct relay_cpu *cpus;
	unsigned ncpus;
	uint64_t next_seq;	/* the seq to emit next; starts at 1 */
	size_t pending;		/* bytes held in all cpus */
	size_t max_pending;	/* above this, stop waiting for a missing seq */
	uint64_t skipped;	/* seq numbers given up on (never arrived) */
	uint64_t emitted;	/* records emitted */
	const char *error;	/* why relay_feed() returned -1 */
	int resumed;		/* relay_resume(): see there */
};

/* Called for each record in order; nonzero stops relay_emit(). */
typedef int (*relay_emit_fn)(void *ctx, unsigned stream,
			     const unsigned char *bytes, size_t len);

void relay_init(struct relay *r, size_t max_pending);
void relay_free(struct relay *r);

/*
 * A reader that attaches to a running session (after another read the
 * earlier records) starts at next_seq: the records before count as
 * emitted, each CPU's first record sets where its cpu_seq count starts
 * (losses meanwhile are the module's to report), and a record below
 * next_seq (one a probe was writing as the reader attached) is emitted
 * as it comes.
 */
void relay_resume(struct relay *r, uint64_t next_seq);

/* Takes the records in buf[0..len).  0, or -1 with r->error set if buf is
 * not a sequence of whole, well-formed records (the good ones before the
 * bad one are kept). */
int relay_feed(struct relay *r, const void *buf, size_t len);

/*
 * Emits every record whose turn has come: the one with seq == next_seq,
 * repeatedly.  With flush (the stream is over) or when more than
 * max_pending bytes wait, the lowest pending seq is emitted even if
 * earlier ones never came, and the gap is counted in skipped.  Returns
 * the number of records emitted, or -1 if fn asked to stop.
 */
long relay_emit(struct relay *r, int flush, relay_emit_fn fn, void *ctx);

/*
 * Bulk mode: checks the records in buf[0..len) as relay_feed() does and
 * hands each one, whole (header, bytes, padding: size bytes at rec),
 * to fn in the order given, without merging; losses are counted as by
 * relay_feed() and every record in emitted.  0, or -1 with r->error set
 * or if fn returned nonzero.
 */
struct stap_data_rec;
typedef int (*relay_rec_fn)(void *ctx, const struct stap_data_rec *hdr,
			    const void *rec, size_t size);
int relay_split(struct relay *r, const void *buf, size_t len,
		relay_rec_fn fn, void *ctx);

/* Records lost on cpu according to the cpu_seq jumps seen so far. */
uint64_t relay_lost(const struct relay *r, unsigned cpu);

#endif
