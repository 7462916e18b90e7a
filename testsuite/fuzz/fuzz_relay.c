/*
 * libFuzzer harness for stapio's record merger (staprun/relay.c).
 *
 * The input is a script of operations on one merger.  Byte 0 picks the
 * mode and byte 1 the merger's max_pending (small, so that giving up on
 * a missing seq happens often):
 *
 *  - raw (mode bit 0 clear): segments [u16 length][flags][bytes]; the
 *    bytes are fed as one read() of /proc/<module>/data, then flags say
 *    whether to emit, flush, and stop the emit callback early;
 *  - generated (bit 0 set): a little module is simulated: opcodes make
 *    records on cpus (global seq, per-cpu cpu_seq with drops, payloads
 *    that carry their seq), deliver some cpus' records as one read, lose
 *    a record for good (a seq that never comes), or emit.
 *
 * Either way, at the end everything is emitted with flush.  Each feed and
 * emit is checked against a model written from doc/protocol-data.md and
 * relay.h, which decides independently which records a feed accepts and
 * which record must come out next.  Invariants:
 *  - relay_feed accepts exactly the well-formed, in-order prefix of a
 *    read, and reports an error for the rest;
 *  - records come out in strictly increasing seq (a seq two cpus sent,
 *    which only a broken module does, comes out twice in a row), each
 *    one the lowest pending, byte for byte as fed, never twice, never
 *    invented: the bytes emitted never exceed the bytes fed;
 *  - a seq is skipped only when flushing or when more than max_pending
 *    bytes wait; every skipped seq is counted (skipped + emitted equals
 *    the last seq emitted), and an emit without flush stops only when
 *    the next seq is missing and the backlog is within max_pending;
 *  - after the final flush nothing is pending;
 *  - relay_lost() of each cpu is the sum of its cpu_seq jumps.
 */
#include "ctl_proto.h"
#include "relay.h"
#include "fuzz.h"

#define MAX_RECS 4096		/* model capacity per input */
#define MAX_CPUS 256		/* distinct cpus per input */
#define MAX_FEEDS 4096		/* reads per input */

/* A record the model accepted. */
struct mrec {
	uint64_t seq;
	uint16_t cpu, stream;
	uint32_t len;
	const unsigned char *payload;	/* in a buffer kept to the end */
	int emitted;
};

struct mcpu {
	unsigned cpu;
	uint64_t last_seq, last_cpu_seq, lost;
};

struct model {
	struct mrec recs[MAX_RECS];
	unsigned nrecs;
	struct mcpu cpus[MAX_CPUS];
	unsigned ncpus;
	uint64_t next_seq, skipped, emitted, last_emitted, twins;
	uint64_t bytes_fed, bytes_emitted;
	size_t pending, max_pending;
	/* the emit in progress */
	int flush;
	long calls, stop_after;	/* callback returns 1 at call stop_after */
	struct fuzz_buf *keep;	/* fed buffers, freed at the end */
	unsigned nkeep;
};

static struct model M;

static struct mcpu *model_cpu(unsigned cpu, int make)
{
	unsigned i;

	for (i = 0; i < M.ncpus; i++)
		if (M.cpus[i].cpu == cpu)
			return &M.cpus[i];
	if (!make || M.ncpus == MAX_CPUS)
		return NULL;
	M.cpus[M.ncpus] = (struct mcpu){ .cpu = cpu };
	return &M.cpus[M.ncpus++];
}

static size_t rec_bytes(uint32_t len)
{
	return STAP_DATA_REC_SIZE + STAP_DATA_ALIGN((size_t)len);
}

/*
 * How many bytes of buf the model accepts (the whole well-formed,
 * in-order prefix), adding the records; *bad if it stopped early.
 * Returns (size_t)-1 if the model's own capacity ran out (the input is
 * then skipped, not judged).
 */
static size_t model_feed(const unsigned char *buf, size_t len, int *bad)
{
	struct stap_data_rec h;
	struct mcpu *c;
	size_t off = 0;

	*bad = 0;
	while (off < len) {
		if (len - off < STAP_DATA_REC_SIZE) {
			*bad = 1;
			break;
		}
		memcpy(&h, buf + off, sizeof(h));
		if (rec_bytes(h.len) > len - off || h.seq == 0 ||
		    h.seq == UINT64_MAX || h.seq < M.next_seq) {
			*bad = 1;
			break;
		}
		c = model_cpu(h.cpu, 1);
		if (!c || M.nrecs == MAX_RECS)
			return (size_t)-1;
		if (h.seq <= c->last_seq || h.cpu_seq <= c->last_cpu_seq) {
			*bad = 1;
			break;
		}
		c->lost += h.cpu_seq - c->last_cpu_seq - 1;
		c->last_seq = h.seq;
		c->last_cpu_seq = h.cpu_seq;
		M.recs[M.nrecs++] = (struct mrec){
			h.seq, h.cpu, h.stream, h.len,
			buf + off + STAP_DATA_REC_SIZE, 0 };
		M.pending += rec_bytes(h.len);
		M.bytes_fed += h.len;
		off += rec_bytes(h.len);
	}
	return off;
}

static struct mrec *model_lowest(void)
{
	struct mrec *best = NULL;
	unsigned i;

	for (i = 0; i < M.nrecs; i++)
		if (!M.recs[i].emitted && (!best || M.recs[i].seq < best->seq))
			best = &M.recs[i];
	return best;
}

/* The emit callback: the record must be the model's lowest pending. */
static int on_emit(void *ctx, unsigned stream, const unsigned char *bytes,
		   size_t len)
{
	struct mrec *want = model_lowest();
	unsigned i;

	CHECK(ctx == &M);
	CHECK(want);
	/* Twins (one seq on two cpus) may come out in either order. */
	for (i = 0; i < M.nrecs; i++) {
		struct mrec *m = &M.recs[i];

		if (!m->emitted && m->seq == want->seq &&
		    m->stream == stream && m->len == len &&
		    (len == 0 || memcmp(bytes, m->payload, len) == 0)) {
			want = m;
			break;
		}
	}
	CHECK(i < M.nrecs);
	if (want->seq < M.next_seq) {
		/* Only a twin of the record just emitted (two cpus sent
		 * one seq): it follows at once, no gap, next_seq stays. */
		CHECK(M.emitted > 0 && want->seq == M.last_emitted);
		M.twins++;
	} else {
		CHECK(M.emitted == 0 || want->seq > M.last_emitted);
		if (want->seq != M.next_seq)
			CHECK(M.flush || M.pending > M.max_pending);
		M.skipped += want->seq - M.next_seq;
		M.next_seq = want->seq + 1;
	}
	M.pending -= rec_bytes(want->len);
	M.last_emitted = want->seq;
	M.emitted++;
	M.bytes_emitted += len;
	CHECK(M.bytes_emitted <= M.bytes_fed);
	want->emitted = 1;
	return ++M.calls == M.stop_after;
}

static void check_state(struct relay *r)
{
	unsigned i;

	CHECK(r->pending == M.pending);
	CHECK(r->emitted == M.emitted);
	CHECK(r->skipped == M.skipped);
	CHECK(r->next_seq == M.next_seq);
	CHECK(M.emitted == 0 ||
	      M.skipped + M.emitted - M.twins == M.last_emitted);
	for (i = 0; i < M.ncpus; i++)
		CHECK(relay_lost(r, M.cpus[i].cpu) == M.cpus[i].lost);
	if (!model_cpu(65535, 0))
		CHECK(relay_lost(r, 65535) == 0);
}

/* Feeds one read's worth; returns -1 to stop judging this input. */
static int feed(struct relay *r, const unsigned char *p, size_t n)
{
	struct fuzz_buf *k;
	size_t want;
	int bad, rc;

	/* A copy of exactly n bytes: ASan sees reads past the read(). */
	if (M.nkeep == MAX_FEEDS)
		return -1;
	k = &M.keep[M.nkeep++];
	*k = (struct fuzz_buf){ 0 };
	if (n)
		fuzz_put(k, p, n);
	want = model_feed(k->p, n, &bad);
	if (want == (size_t)-1)
		return -1;
	rc = relay_feed(r, k->p, n);
	CHECK(rc == (bad ? -1 : 0));
	CHECK(!bad || r->error);
	check_state(r);
	return 0;
}

static void emit(struct relay *r, int flush, long stop_after)
{
	long n;
	struct mrec *next;
	long before = M.calls;

	M.flush = flush;
	M.calls = 0;
	M.stop_after = stop_after;
	n = relay_emit(r, flush, on_emit, &M);
	if (stop_after && M.calls == stop_after) {
		CHECK(n == -1);
	} else {
		CHECK(n == M.calls);
		next = model_lowest();
		if (flush)
			CHECK(!next);
		else
			CHECK(!next || (next->seq > M.next_seq &&
					M.pending <= M.max_pending));
	}
	M.calls = before;
	check_state(r);
}

/* ---- raw mode ---- */

static void run_raw(struct relay *r, const uint8_t *d, size_t n)
{
	size_t seg;
	int flags;

	while (n >= 3) {
		seg = d[0] | (size_t)d[1] << 8;
		flags = d[2];
		d += 3;
		n -= 3;
		if (seg > n)
			seg = n;
		if (feed(r, d, seg) < 0)
			return;
		d += seg;
		n -= seg;
		if (flags & 1)
			emit(r, flags & 2, flags >> 4);
	}
}

/* ---- generated mode: a small simulated module ---- */

struct gen {
	/* records made but not yet delivered, per simulated cpu slot */
	struct fuzz_buf q[8];
	size_t qoff[8];
	unsigned cpu_of[8];	/* slot -> cpu number */
	uint64_t cpu_seq[8];
	uint64_t seq;
};

static void gen_record(struct gen *g, unsigned slot, uint32_t len,
		       unsigned drops, unsigned stream)
{
	struct stap_data_rec h = { 0 };
	unsigned char pad[8] = { 0 };
	uint32_t i;

	g->cpu_seq[slot] += 1 + drops;
	h.len = len;
	h.stream = stream;
	h.cpu = g->cpu_of[slot];
	h.seq = ++g->seq;
	h.cpu_seq = g->cpu_seq[slot];
	fuzz_put(&g->q[slot], &h, sizeof(h));
	/* payload: the seq, then bytes derived from it */
	for (i = 0; i < len; i++)
		fuzz_put_u8(&g->q[slot], i < 8 ? (uint8_t)(h.seq >> 8 * i) :
			    (uint8_t)(h.seq * 31 + i));
	fuzz_put(&g->q[slot], pad, STAP_DATA_ALIGN(len) - len);
}

/* Takes up to count records from the slots in mask into one read. */
static void gen_take(struct gen *g, struct fuzz_buf *out, unsigned mask,
		     unsigned count, int discard)
{
	struct stap_data_rec h;
	unsigned slot, taken = 0, progress = 1;

	while (taken < count && progress) {
		progress = 0;
		for (slot = 0; slot < 8 && taken < count; slot++) {
			struct fuzz_buf *q = &g->q[slot];

			if (!(mask >> slot & 1) || g->qoff[slot] == q->len)
				continue;
			memcpy(&h, q->p + g->qoff[slot], sizeof(h));
			if (!discard)
				fuzz_put(out, q->p + g->qoff[slot],
					 rec_bytes(h.len));
			g->qoff[slot] += rec_bytes(h.len);
			taken++;
			progress = 1;
		}
	}
}

static void run_generated(struct relay *r, const uint8_t *d, size_t n)
{
	static const unsigned big_cpus[] = { 8, 63, 64, 255, 1023, 65535 };
	struct gen g = { 0 };
	struct fuzz_buf read = { 0 };
	unsigned slot, op, i;
	int stop = 0;

	for (slot = 0; slot < 8; slot++)
		g.cpu_of[slot] = slot;
	while (n >= 2 && !stop && g.seq < MAX_RECS / 2) {
		op = d[0];
		slot = d[1] & 7;
		d += 2;
		n -= 2;
		switch (op & 7) {
		case 0: case 1: case 2:	/* a record on slot's cpu */
			gen_record(&g, slot, op >> 3 == 31 ? 5000 : (op >> 3) * 3,
				   d[-1] >> 6 == 3 ? d[-1] >> 3 : 0,
				   d[-1] & 8 ? STAP_DATA_STREAM_STDERR :
				   (d[-1] & 0x10) && (op & 1) ? 7 :
				   STAP_DATA_STREAM_STDOUT);
			break;
		case 3: case 4:		/* deliver one read */
			read.len = 0;
			gen_take(&g, &read, d[-1] | 1u << slot, 1 + (op >> 3), 0);
			stop = feed(r, read.p, read.len) < 0;
			break;
		case 5:			/* emit */
			emit(r, 0, (op >> 3) & 3);
			break;
		case 6:			/* a record lost for good */
			gen_take(&g, &read, 1u << slot, 1, 1);
			break;
		case 7:			/* move a slot to a big cpu number */
			if (g.q[slot].len == g.qoff[slot] &&
			    g.cpu_seq[slot] == 0)
				g.cpu_of[slot] = big_cpus[(op >> 3) % 6];
			break;
		}
	}
	/* The end: everything still queued arrives. */
	for (i = 0; i < 8 && !stop; i++) {
		read.len = 0;
		gen_take(&g, &read, 0xff, MAX_RECS, 0);
		if (read.len)
			stop = feed(r, read.p, read.len) < 0;
	}
	for (slot = 0; slot < 8; slot++)
		free(g.q[slot].p);
	free(read.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_buf keep[MAX_FEEDS];
	struct relay r;
	unsigned i;

	if (size < 2)
		return 0;
	memset(&M, 0, sizeof(M));
	M.next_seq = 1;
	M.max_pending = data[1] == 255 ? 64u << 20 : data[1] * 16u;
	M.keep = keep;
	relay_init(&r, M.max_pending);
	if (data[0] & 1)
		run_generated(&r, data + 2, size - 2);
	else
		run_raw(&r, data + 2, size - 2);
	emit(&r, 1, 0);
	relay_free(&r);
	for (i = 0; i < M.nkeep; i++)
		free(keep[i].p);
	return 0;
}

/* ---- seeds ---- */

static void put_rec(struct fuzz_buf *b, unsigned cpu, uint64_t seq,
		    uint64_t cpu_seq, unsigned stream, const char *text)
{
	struct stap_data_rec h = { 0 };
	unsigned char pad[8] = { 0 };
	size_t n = strlen(text);

	h.len = n;
	h.stream = stream;
	h.cpu = cpu;
	h.seq = seq;
	h.cpu_seq = cpu_seq;
	fuzz_put(b, &h, sizeof(h));
	fuzz_put(b, text, n);
	fuzz_put(b, pad, STAP_DATA_ALIGN(n) - n);
}

static void put_segment(struct fuzz_buf *b, const struct fuzz_buf *seg,
			int flags)
{
	fuzz_put_u8(b, seg->len & 255);
	fuzz_put_u8(b, seg->len >> 8);
	fuzz_put_u8(b, flags);
	fuzz_put(b, seg->p, seg->len);
}

static void write_seeds(const char *dir)
{
	struct fuzz_buf b = { 0 }, s1 = { 0 }, s2 = { 0 };
	static const uint8_t gen[] = {
		1, 8,
		0x08, 0, 0x10, 1, 0x18, 2, 0x20, 1, 0x09, 0, 0x0a, 3,
		0x0b, 0x07, 0x05, 0, 0x00, 0xc2, 0x0e, 1, 0x03, 0xff,
		0x05, 0, 0x0f, 4, 0x00, 4, 0x28, 4, 0x06, 1, 0x1b, 0x13,
	};

	/* Two reads, cpu 1's first record late, a drop on cpu 0. */
	put_rec(&s1, 0, 1, 1, 1, "hello ");
	put_rec(&s1, 0, 3, 3, 1, "world\n");
	put_rec(&s1, 0, 4, 4, 2, "warning\n");
	put_rec(&s2, 1, 2, 1, 1, "big ");
	put_rec(&s2, 1, 5, 2, 1, "");
	put_rec(&s2, 2, 6, 1, 1, "end\n");
	fuzz_put_u8(&b, 0);
	fuzz_put_u8(&b, 255);
	put_segment(&b, &s1, 1);
	put_segment(&b, &s2, 1);
	fuzz_write_seed(dir, "raw-two-reads", &b);

	/* The same with a tiny max_pending and a flush in the middle. */
	b.len = 0;
	fuzz_put_u8(&b, 0);
	fuzz_put_u8(&b, 2);
	put_segment(&b, &s1, 0x13);
	put_segment(&b, &s2, 0x01);
	fuzz_write_seed(dir, "raw-give-up", &b);

	b.len = 0;
	fuzz_put(&b, gen, sizeof(gen));
	fuzz_write_seed(dir, "generated", &b);
	free(b.p);
	free(s1.p);
	free(s2.p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_seed_mode(argc, argv, write_seeds);
	return 0;
}
