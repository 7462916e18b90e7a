/*
 * The data channel merger (see relay.h).  Each CPU's records arrive in
 * increasing seq order, so the next record overall is always at the
 * front of some CPU's queue: relay_emit() picks the smallest front and
 * emits it when it is next_seq.  Sequence numbers have no holes (the
 * module gives none to a dropped record), so a hole only means the
 * record is still on its way, in the next read.
 *
 * relay_feed() validates everything it is given, because the issue-4
 * fuzzer feeds it arbitrary bytes: lengths within the buffer, seq and
 * cpu_seq increasing per CPU.  cpu is 16 bits, so at most 65536 queues.
 */
#include <stdlib.h>
#include <string.h>
#include "ctl_proto.h"
#include "relay.h"

void relay_init(struct relay *r, size_t max_pending)
{
	memset(r, 0, sizeof(*r));
	r->next_seq = 1;
	r->max_pending = max_pending;
}

void relay_resume(struct relay *r, uint64_t next_seq)
{
	r->next_seq = next_seq;
	r->emitted = next_seq - 1;
	r->resumed = 1;
}

void relay_free(struct relay *r)
{
	unsigned i;

	for (i = 0; i < r->ncpus; i++)
		free(r->cpus[i].buf);
	free(r->cpus);
	r->cpus = NULL;
	r->ncpus = 0;
}

static struct relay_cpu *relay_cpu(struct relay *r, unsigned cpu)
{
	struct relay_cpu *n;
	unsigned count;

	if (cpu < r->ncpus)
		return &r->cpus[cpu];
	count = cpu + 1 > 2 * r->ncpus ? cpu + 1 : 2 * r->ncpus;
	n = realloc(r->cpus, count * sizeof(*n));
	if (!n)
		return NULL;
	memset(n + r->ncpus, 0, (count - r->ncpus) * sizeof(*n));
	r->cpus = n;
	r->ncpus = count;
	return &r->cpus[cpu];
}

/* Appends n bytes to c's queue, compacting or growing it. */
static int relay_append(struct relay_cpu *c, const void *p, size_t n)
{
	unsigned char *nbuf;
	size_t ncap;

	if (c->off && c->cap - c->len < n) {
		memmove(c->buf, c->buf + c->off, c->len - c->off);
		c->len -= c->off;
		c->off = 0;
	}
	if (c->cap - c->len < n) {
		ncap = c->cap ? c->cap : 4096;
		while (ncap - c->len < n)
			ncap *= 2;
		nbuf = realloc(c->buf, ncap);
		if (!nbuf)
			return -1;
		c->buf = nbuf;
		c->cap = ncap;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return 0;
}

/*
 * Checks the record at p[off..len) (header in *rec) and accounts it to
 * its CPU.  Returns its size with padding, or 0 with r->error set.
 */
static size_t relay_check(struct relay *r, const unsigned char *p,
			  size_t off, size_t len, struct stap_data_rec *rec,
			  struct relay_cpu **cp)
{
	struct relay_cpu *c;
	size_t need;

	if (len - off < STAP_DATA_REC_SIZE) {
		r->error = "truncated record header";
		return 0;
	}
	memcpy(rec, p + off, STAP_DATA_REC_SIZE);
	need = STAP_DATA_REC_SIZE + STAP_DATA_ALIGN((size_t)rec->len);
	if (need > len - off) {
		r->error = "record longer than the data read";
		return 0;
	}
	/* seq 2^64-1 would wrap next_seq to 0 once emitted */
	if (rec->seq == 0 || rec->seq == UINT64_MAX) {
		r->error = "record with seq 0 or 2^64-1";
		return 0;
	}
	c = relay_cpu(r, rec->cpu);
	if (!c) {
		r->error = "out of memory";
		return 0;
	}
	if (rec->seq <= c->last_seq || rec->cpu_seq <= c->last_cpu_seq) {
		r->error = "record out of order on its cpu";
		return 0;
	}
	*cp = c;
	return need;
}

/* The record checked by relay_check() is taken: count it. */
static void relay_account(struct relay *r, struct relay_cpu *c,
			  const struct stap_data_rec *rec)
{
	if (!(r->resumed && c->last_cpu_seq == 0))
		c->lost += rec->cpu_seq - c->last_cpu_seq - 1;
	c->last_seq = rec->seq;
	c->last_cpu_seq = rec->cpu_seq;
}

int relay_feed(struct relay *r, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	struct stap_data_rec rec;
	struct relay_cpu *c;
	size_t off = 0, need;

	while (off < len) {
		need = relay_check(r, p, off, len, &rec, &c);
		if (!need)
			return -1;
		if (rec.seq < r->next_seq && !r->resumed) {
			r->error = "record out of order on its cpu";
			return -1;
		}
		if (relay_append(c, p + off, need) < 0) {
			r->error = "out of memory";
			return -1;
		}
		relay_account(r, c, &rec);
		r->pending += need;
		off += need;
	}
	return 0;
}

int relay_split(struct relay *r, const void *buf, size_t len,
		relay_rec_fn fn, void *ctx)
{
	const unsigned char *p = buf;
	struct stap_data_rec rec;
	struct relay_cpu *c;
	size_t off = 0, need;

	while (off < len) {
		need = relay_check(r, p, off, len, &rec, &c);
		if (!need)
			return -1;
		relay_account(r, c, &rec);
		r->emitted++;
		if (fn(ctx, &rec, p + off, need))
			return -1;
		off += need;
	}
	return 0;
}

/* The cpu whose front record has the lowest seq, or NULL if all empty. */
static struct relay_cpu *relay_front(struct relay *r, struct stap_data_rec *front)
{
	struct relay_cpu *best = NULL;
	struct stap_data_rec rec;
	unsigned i;

	for (i = 0; i < r->ncpus; i++) {
		struct relay_cpu *c = &r->cpus[i];

		if (c->off == c->len)
			continue;
		memcpy(&rec, c->buf + c->off, STAP_DATA_REC_SIZE);
		if (!best || rec.seq < front->seq) {
			best = c;
			*front = rec;
		}
	}
	return best;
}

long relay_emit(struct relay *r, int flush, relay_emit_fn fn, void *ctx)
{
	struct stap_data_rec rec;
	struct relay_cpu *c;
	size_t need;
	long n = 0;

	while ((c = relay_front(r, &rec))) {
		/* A seq below next_seq can only be a second record with the
		 * seq just emitted (a broken module): emit it at once, it
		 * is no gap and must not move next_seq back. */
		if (rec.seq > r->next_seq) {
			if (!flush && r->pending <= r->max_pending)
				break;
			r->skipped += rec.seq - r->next_seq;
		}
		need = STAP_DATA_REC_SIZE + STAP_DATA_ALIGN((size_t)rec.len);
		c->off += need;
		r->pending -= need;
		if (rec.seq >= r->next_seq)
			r->next_seq = rec.seq + 1;
		r->emitted++;
		n++;
		if (fn(ctx, rec.stream, c->buf + c->off - need +
		       STAP_DATA_REC_SIZE, rec.len))
			return -1;
	}
	return n;
}

uint64_t relay_lost(const struct relay *r, unsigned cpu)
{
	return cpu < r->ncpus ? r->cpus[cpu].lost : 0;
}
