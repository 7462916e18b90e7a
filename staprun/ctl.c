/*
 * Userspace control-channel plumbing: message type names, sending the
 * output of the ctl_proto.h encoder, and a reader that splits the byte
 * stream from /proc/<module>/ctl into messages; also the -v log line
 * writer that staprun and stapio share.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "ctl.h"

void ctl_log(const char *who, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s: ", who);

	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return;
	n += vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nowhere to report it */
	}
}

const char *ctl_type_name(uint32_t type)
{
	static const char *const names[] = {
		[STAP_CTL_HELLO] = "HELLO",
		[STAP_CTL_START] = "START",
		[STAP_CTL_STARTED] = "STARTED",
		[STAP_CTL_REQUEST_EXIT] = "REQUEST_EXIT",
		[STAP_CTL_STOP] = "STOP",
		[STAP_CTL_STOPPED] = "STOPPED",
		[STAP_CTL_NOT_SUPPORTED] = "NOT_SUPPORTED",
		[STAP_CTL_DETACH] = "DETACH",
		[STAP_CTL_SYSTEM] = "SYSTEM",
	};
	static char other[24];

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	snprintf(other, sizeof(other), "type %u", type);
	return other;
}

int ctl_send(int fd, const struct stap_ctl_enc *e)
{
	size_t done = 0;
	ssize_t n;

	if (e->overflow)
		return -EMSGSIZE;
	while (done < e->len) {
		n = write(fd, e->buf + done, e->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += n;
	}
	return 0;
}

int ctl_send_words(int fd, uint32_t type, const uint64_t *w, unsigned n)
{
	unsigned char buf[STAP_CTL_HDR_SIZE + 16 * 8];
	struct stap_ctl_enc e;
	unsigned i;

	stap_ctl_enc_init(&e, buf, sizeof(buf));
	stap_ctl_enc_begin(&e, type);
	for (i = 0; i < n; i++)
		stap_ctl_enc_word(&e, w[i]);
	stap_ctl_enc_end(&e);
	return ctl_send(fd, &e);
}

int ctl_reader_init(struct ctl_reader *r)
{
	r->off = r->len = 0;
	r->cap = 64 * 1024;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void ctl_reader_free(struct ctl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Doubles the buffer, up to twice the largest message. */
static int ctl_reader_grow(struct ctl_reader *r)
{
	unsigned char *nbuf;

	if (r->cap >= 2 * STAP_CTL_MAX_MSG)
		return -EMSGSIZE;
	nbuf = realloc(r->buf, r->cap * 2);
	if (!nbuf)
		return -ENOMEM;
	r->buf = nbuf;
	r->cap *= 2;
	return 0;
}

long ctl_reader_fill(struct ctl_reader *r, int fd)
{
	ssize_t n;
	int rc;

	if (r->off) {
		memmove(r->buf, r->buf + r->off, r->len - r->off);
		r->len -= r->off;
		r->off = 0;
	}
	if (r->cap - r->len < 4096 && (rc = ctl_reader_grow(r)) < 0)
		return rc;
	for (;;) {
		n = read(fd, r->buf + r->len, r->cap - r->len);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* The module returns whole messages only: make room. */
		if (errno != EMSGSIZE)
			return -errno;
		if ((rc = ctl_reader_grow(r)) < 0)
			return rc;
	}
	r->len += n;
	return n;
}

int ctl_reader_next(struct ctl_reader *r, struct stap_ctl_msg *m)
{
	long size = stap_ctl_split(r->buf + r->off, r->len - r->off, m);

	if (size <= 0)
		return size < 0 ? -1 : 0;
	r->off += size;
	return 1;
}
