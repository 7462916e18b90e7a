/*
 * libFuzzer harness for the control channel's decoder: the ctl_reader of
 * staprun/ctl.c and the codec of runtime/uapi/ctl_proto.h, as stapio uses them
 * on what it reads from /proc/<module>/ctl.
 *
 * Input: byte 0 seeds how the stream is cut into read()s, byte 1 holds
 * the flags below, the rest is the byte stream a module would send.  The
 * stream goes through a pipe into the real ctl_reader in chunks of 1 to
 * 4096 bytes; each message the reader hands out is compared with an
 * independent walk of the stream (doc/protocol-control.md), then decoded
 * item by item from an exact-size heap copy (so ASan traps any read past
 * its end), and the items are encoded again with the real encoder and
 * decoded back.
 *
 * Invariants (CHECK aborts when one breaks):
 *  - the reader returns exactly the messages the walk finds, in order and
 *    byte for byte, whatever their type: unknown types are skipped by
 *    their size; it reports a malformed header when, and only when, the
 *    walk meets one, and waits (0) while a message is incomplete;
 *  - a message's payload lies within it and within the bytes read;
 *  - words and blobs never read past the payload; reading past it sets
 *    truncated and yields 0 / empty from then on; the known layouts
 *    (HELLO, STOPPED with its n pairs, ...) decode in bounded steps;
 *  - encode(decode(x)) decodes to the same items, padding is zero, and
 *    the encoder reports overflow exactly when its buffer is too small.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "ctl.h"
#include "fuzz.h"

#define FLAG_COMPLETE	0x01	/* at end of input, zero-fill the message
				 * in flight so that big sizes complete */
#define FLAG_SHORT_ENC	0x02	/* re-encode into a buffer one byte short */

#define MAX_ITEMS 64

struct item {
	int blob;
	uint64_t word;
	const unsigned char *bytes;
	size_t len;
};

/* The walk: is there a valid header at p (avail bytes)?  1 valid, 0 not
 * enough bytes to tell, -1 malformed.  Written from the document. */
static int ref_header(const unsigned char *p, size_t avail, uint32_t *size)
{
	uint32_t sz, hs;

	if (avail < 12)
		return 0;
	memcpy(&sz, p, 4);
	memcpy(&hs, p + 8, 4);
	if (sz < 12 || sz > (1u << 20) || hs < 12 || hs > sz)
		return -1;
	*size = sz;
	return 1;
}

/* Decodes m's payload as up to MAX_ITEMS items, item i a blob if bit i of
 * shape is set, checking each step against the raw bytes. */
static int decode_items(struct stap_ctl_msg *m, uint64_t shape,
			struct item *it)
{
	const unsigned char *before, *b;
	uint64_t raw;
	int n;

	for (n = 0; n < MAX_ITEMS && !m->truncated; n++) {
		before = m->p;
		CHECK(before <= m->end);
		if (before == m->end)
			break;
		if (shape >> n & 1) {
			size_t len = stap_ctl_blob(m, &b);

			CHECK(m->p >= before && m->p <= m->end);
			if (m->truncated) {
				CHECK(len == 0 && m->p == m->end);
				break;
			}
			memcpy(&raw, before, 8);
			CHECK(raw == len);
			CHECK(b == before + 8);
			CHECK(len <= (size_t)(m->end - b));
			CHECK(m->p == b + STAP_DATA_ALIGN(len));
			it[n] = (struct item){ 1, 0, b, len };
		} else {
			uint64_t w = stap_ctl_word(m);

			if (m->truncated) {
				CHECK(w == 0 && m->p == m->end);
				CHECK(m->end - before < 8);
				break;
			}
			memcpy(&raw, before, 8);
			CHECK(raw == w && m->p == before + 8);
			it[n] = (struct item){ 0, w, NULL, 0 };
		}
	}
	if (m->truncated) {
		const unsigned char *bb;

		/* Past the end, everything is absent. */
		CHECK(stap_ctl_word(m) == 0 && m->p == m->end);
		CHECK(stap_ctl_blob(m, &bb) == 0 && m->p == m->end);
	}
	return n;
}

/* The version-1 layouts, read as stapio and the module read them: each
 * loop must end within the payload. */
static void decode_known(struct stap_ctl_msg m)
{
	const unsigned char *name;
	uint64_t n, i, steps = 0;
	size_t len;

	switch (m.type) {
	case STAP_CTL_HELLO:
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		len = stap_ctl_blob(&m, &name);
		CHECK(len == 0 || (name + STAP_DATA_ALIGN(len) == m.p &&
				   name + len <= m.end));
		break;
	case STAP_CTL_STOPPED:
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		n = stap_ctl_word(&m);
		for (i = 0; i < n && !m.truncated; i++, steps++) {
			stap_ctl_word(&m);
			stap_ctl_word(&m);
			CHECK(steps <= m.size / 16 + 1);
		}
		break;
	default:
		stap_ctl_word(&m);
		stap_ctl_word(&m);
		break;
	}
	CHECK(m.p <= m.end);
}

/* Encodes items again, decodes them back, compares. */
static void roundtrip(uint32_t type, uint64_t shape, const struct item *it,
		      int n, int short_buf)
{
	struct stap_ctl_enc e;
	struct stap_ctl_msg m;
	struct item back[MAX_ITEMS];
	size_t need = STAP_CTL_HDR_SIZE, cap, j;
	unsigned char *buf;
	int i, nb;

	for (i = 0; i < n; i++)
		need += it[i].blob ? 8 + STAP_DATA_ALIGN(it[i].len) : 8;
	cap = short_buf ? need - 1 : need;
	buf = malloc(cap);
	CHECK(buf);
	stap_ctl_enc_init(&e, buf, cap);
	stap_ctl_enc_begin(&e, type);
	for (i = 0; i < n; i++) {
		if (it[i].blob)
			stap_ctl_enc_blob(&e, it[i].bytes, it[i].len);
		else
			stap_ctl_enc_word(&e, it[i].word);
	}
	stap_ctl_enc_end(&e);
	CHECK(e.overflow == (cap < need));
	CHECK(e.len <= cap);
	if (e.overflow)
		goto out;
	CHECK(e.len == need);
	CHECK(stap_ctl_split(buf, need - 1, &m) == 0);
	CHECK(stap_ctl_split(buf, need, &m) == (long)need);
	CHECK(m.type == type && m.size == need);
	CHECK(m.p == buf + STAP_CTL_HDR_SIZE && m.end == buf + need);
	nb = decode_items(&m, shape, back);
	CHECK(nb == n && !m.truncated && m.p == m.end);
	for (i = 0; i < n; i++) {
		CHECK(back[i].blob == it[i].blob);
		if (!it[i].blob) {
			CHECK(back[i].word == it[i].word);
			continue;
		}
		CHECK(back[i].len == it[i].len);
		CHECK(memcmp(back[i].bytes, it[i].bytes, it[i].len) == 0);
		for (j = it[i].len; j < STAP_DATA_ALIGN(it[i].len); j++)
			CHECK(back[i].bytes[j] == 0);
	}
out:
	free(buf);
}

/* One message as the reader handed it out: check it all. */
static void check_message(const struct stap_ctl_msg *m,
			  const unsigned char *want, int flags)
{
	struct stap_ctl_msg c;
	struct item it[MAX_ITEMS];
	unsigned char *copy;
	uint32_t hs;
	uint64_t shape;
	int n;

	memcpy(&hs, want + 8, 4);
	CHECK(m->size >= 12 && hs >= 12 && hs <= m->size);
	CHECK(m->end - m->p == (long)(m->size - hs));
	CHECK(memcmp(m->end - m->size, want, m->size) == 0);
	CHECK(!m->truncated);
	CHECK(ctl_type_name(m->type)[0] != '\0');

	/* An exact-size copy: ASan catches reads past the message. */
	copy = malloc(m->size);
	CHECK(copy);
	memcpy(copy, want, m->size);
	CHECK(stap_ctl_split(copy, m->size, &c) == (long)m->size);
	CHECK(stap_ctl_split(copy, m->size - 1, &c) == 0);
	CHECK(stap_ctl_split(copy, m->size, &c) == (long)m->size);
	decode_known(c);
	shape = (uint64_t)m->type * 0x9e3779b97f4a7c15ull;
	n = decode_items(&c, shape, it);
	roundtrip(m->type, shape, it, n, flags & FLAG_SHORT_ENC);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_reader r;
	struct stap_ctl_msg m;
	const unsigned char *s;
	unsigned char *zeros = NULL;
	size_t len, sent = 0, at = 0;	/* at: where the walk is */
	uint32_t seed, msize;
	int pfd[2], flags, rc, ref, padded = 0;
	long n;

	if (size < 2)
		return 0;
	seed = data[0] * 0x01010101u + 1;
	flags = data[1];
	s = data + 2;
	len = size - 2;
	CHECK(pipe2(pfd, O_CLOEXEC) == 0);
	CHECK(ctl_reader_init(&r) == 0);

	for (;;) {
		/* Deliver the next chunk (or zero padding, or EOF). */
		size_t chunk = 1 + fuzz_rand(&seed) % 4096;

		if (sent == len && !padded && (flags & FLAG_COMPLETE) &&
		    ref_header(s + at, len - at, &msize) == 1 &&
		    msize > len - at) {
			/* Complete the message in flight with zeros. */
			padded = 1;
			zeros = calloc(1, at + msize);
			CHECK(zeros);
			memcpy(zeros, s, len);
			s = zeros;
			len = at + msize;
			continue;
		}
		if (sent == len) {
			close(pfd[1]);
			pfd[1] = -1;
			n = ctl_reader_fill(&r, pfd[0]);
			CHECK(n == 0);
		} else {
			if (chunk > len - sent)
				chunk = len - sent;
			CHECK(write(pfd[1], s + sent, chunk) == (ssize_t)chunk);
			n = ctl_reader_fill(&r, pfd[0]);
			CHECK(n == (long)chunk);
			sent += chunk;
		}

		/* Take every whole message, comparing with the walk. */
		while ((rc = ctl_reader_next(&r, &m)) == 1) {
			ref = ref_header(s + at, sent - at, &msize);
			CHECK(ref == 1 && msize <= sent - at);
			CHECK(m.size == msize);
			CHECK(m.end <= r.buf + r.len);
			CHECK(m.end == r.buf + r.off);
			check_message(&m, s + at, flags);
			at += msize;
		}
		ref = ref_header(s + at, sent - at, &msize);
		if (rc < 0) {
			CHECK(ref == -1);
			break;	/* stapio gives up on the stream here */
		}
		CHECK(rc == 0);
		CHECK(ref == 0 || (ref == 1 && msize > sent - at));
		if (n == 0)
			break;
	}
	if (pfd[1] >= 0)
		close(pfd[1]);
	close(pfd[0]);
	ctl_reader_free(&r);
	free(zeros);
	return 0;
}

/* Seeds: whole exchanges made with the real encoder. */
static void put_hello(struct stap_ctl_enc *e, const char *name)
{
	stap_ctl_enc_begin(e, STAP_CTL_HELLO);
	stap_ctl_enc_word(e, STAP_CTL_PROTO_VERSION);
	stap_ctl_enc_word(e, STAP_CTL_FEATURES);
	stap_ctl_enc_word(e, 4);
	stap_ctl_enc_word(e, 256 * 1024);
	stap_ctl_enc_blob(e, name, strlen(name));
	stap_ctl_enc_end(e);
}

static void write_seed(const char *dir, const char *name, int flags,
		       const struct stap_ctl_enc *e)
{
	struct fuzz_buf b = { 0 };

	fuzz_put_u8(&b, 7);
	fuzz_put_u8(&b, flags);
	fuzz_put(&b, e->buf, e->len);
	fuzz_write_seed(dir, name, &b);
	free(b.p);
}

static void write_seeds(const char *dir)
{
	unsigned char buf[4096];
	struct stap_ctl_enc e;
	uint32_t hdr[4];

	/* The module's side of a whole session. */
	stap_ctl_enc_init(&e, buf, sizeof(buf));
	put_hello(&e, "stap_0123456789abcdef 1.0");
	stap_ctl_enc_begin(&e, STAP_CTL_STARTED);
	stap_ctl_enc_word(&e, 0);
	stap_ctl_enc_end(&e);
	stap_ctl_enc_begin(&e, STAP_CTL_REQUEST_EXIT);
	stap_ctl_enc_end(&e);
	stap_ctl_enc_begin(&e, STAP_CTL_STOPPED);
	stap_ctl_enc_word(&e, 0);
	stap_ctl_enc_word(&e, 3);
	stap_ctl_enc_word(&e, 100);
	stap_ctl_enc_word(&e, 2);
	stap_ctl_enc_word(&e, 1);
	stap_ctl_enc_word(&e, 2);
	stap_ctl_enc_word(&e, 3);
	stap_ctl_enc_word(&e, 1);
	stap_ctl_enc_end(&e);
	write_seed(dir, "session", 0, &e);

	/* stapio's side. */
	stap_ctl_enc_init(&e, buf, sizeof(buf));
	put_hello(&e, "stapio 1.0");
	stap_ctl_enc_begin(&e, STAP_CTL_START);
	stap_ctl_enc_word(&e, 1234);
	stap_ctl_enc_word(&e, 0);
	stap_ctl_enc_end(&e);
	stap_ctl_enc_begin(&e, STAP_CTL_STOP);
	stap_ctl_enc_end(&e);
	write_seed(dir, "stapio", FLAG_SHORT_ENC, &e);

	/* A later version: bigger header, unknown type, extra words. */
	stap_ctl_enc_init(&e, buf, sizeof(buf));
	hdr[0] = 16 + 8;
	hdr[1] = STAP_CTL_STARTED;
	hdr[2] = 16;
	hdr[3] = 0xabcd;
	stap_ctl_enc_put(&e, hdr, 16);
	stap_ctl_enc_put(&e, (uint64_t[]){ (uint64_t)-22 }, 8);
	stap_ctl_enc_begin(&e, 42);
	stap_ctl_enc_blob(&e, "future", 6);
	stap_ctl_enc_word(&e, 7);
	stap_ctl_enc_end(&e);
	stap_ctl_enc_begin(&e, STAP_CTL_NOT_SUPPORTED);
	stap_ctl_enc_word(&e, 42);
	stap_ctl_enc_word(&e, 99);
	stap_ctl_enc_end(&e);
	write_seed(dir, "future", 0, &e);

	/* A big message announced, completed by FLAG_COMPLETE. */
	stap_ctl_enc_init(&e, buf, sizeof(buf));
	hdr[0] = 300000;
	hdr[1] = STAP_CTL_HELLO;
	hdr[2] = 12;
	stap_ctl_enc_put(&e, hdr, 12);
	write_seed(dir, "big", FLAG_COMPLETE, &e);

	/* Malformed: header_size beyond size. */
	stap_ctl_enc_init(&e, buf, sizeof(buf));
	stap_ctl_enc_begin(&e, STAP_CTL_STOP);
	stap_ctl_enc_end(&e);
	hdr[0] = 12;
	hdr[1] = STAP_CTL_STOP;
	hdr[2] = 13;
	stap_ctl_enc_put(&e, hdr, 12);
	write_seed(dir, "malformed", 0, &e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_seed_mode(argc, argv, write_seeds);
	return 0;
}
