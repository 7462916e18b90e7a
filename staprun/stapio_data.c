/*
 * stapio's data channel: reads /proc/MODNAME/data into the merger
 * (relay.c) and writes the records out, merged to stdout or -o FILE
 * (rotated with -S) and stderr, or unmerged per CPU in bulk mode (-B).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stapio.h"

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
int emit(void *ctx, unsigned stream, const unsigned char *bytes,
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

/* One read of the data file into the merger.  Returns 1 if it got
 * records, 0 if none were waiting, -1 at end of file or on error. */
int read_data(struct stapio *s)
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
void drain_data(struct stapio *s)
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
