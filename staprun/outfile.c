/*
 * Output file names (strftime patterns) and bulk mode's per-CPU files;
 * see outfile.h.  No globals; the callers report b->error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl_proto.h"
#include "outfile.h"

/* A record longer than this in a bulk stream is taken as garbage. */
#define BULK_MAX_RECORD (1u << 30)

char *outfile_expand(const char *pattern, time_t t)
{
	char buf[PATH_MAX + 1];
	struct tm tm;
	size_t n;

	if (!strchr(pattern, '%'))
		return strdup(pattern);
	if (!localtime_r(&t, &tm)) {
		errno = EINVAL;
		return NULL;
	}
	n = strftime(buf, sizeof(buf), pattern, &tm);
	if (n == 0 || n > PATH_MAX) {
		errno = EINVAL;
		return NULL;
	}
	return strdup(buf);
}

char *bulk_file_name(const char *base, unsigned cpu)
{
	size_t n = (base ? strlen(base) : 8) + 16;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (base)
		snprintf(s, n, "%s_%u", base, cpu);
	else
		snprintf(s, n, "stpd_cpu%u", cpu);
	return s;
}

/* Sets *error to the message, unless an earlier one is there. */
static void set_error(char **error, const char *fmt, ...)
{
	va_list ap;
	char msg[PATH_MAX + 256];

	if (*error)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	*error = strdup(msg);
}
#define bulk_error(b, ...) set_error(&(b)->error, __VA_ARGS__)

/* Writes all of p to fd: 0, or -1 (errno; 0 after a short write). */
static int write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;
	ssize_t w;

	while (len) {
		w = write(fd, c, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = 0;
			return -1;
		}
		c += w;
		len -= w;
	}
	return 0;
}

void bulk_init(struct bulk_out *b, const char *base)
{
	memset(b, 0, sizeof(*b));
	b->base = base;
}

/* The fd of cpu's file, creating it on first use; -1 after an error. */
static int bulk_fd(struct bulk_out *b, unsigned cpu)
{
	unsigned n;
	int *nfds;
	char *name;

	if (cpu >= b->nfds) {
		n = cpu + 1 > 2 * b->nfds ? cpu + 1 : 2 * b->nfds;
		nfds = realloc(b->fds, n * sizeof(*nfds));
		if (!nfds) {
			bulk_error(b, "out of memory");
			return -1;
		}
		for (; b->nfds < n; b->nfds++)
			nfds[b->nfds] = -1;
		b->fds = nfds;
	}
	if (b->fds[cpu] >= 0)
		return b->fds[cpu];
	name = bulk_file_name(b->base, cpu);
	if (!name) {
		bulk_error(b, "out of memory");
		return -1;
	}
	b->fds[cpu] = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			   0666);
	if (b->fds[cpu] < 0)
		bulk_error(b, "cannot open bulk output file %s: %s", name,
			   strerror(errno));
	free(name);
	return b->fds[cpu];
}

int bulk_write(struct bulk_out *b, unsigned cpu, const void *rec,
	       size_t len)
{
	int fd;

	if (b->error)
		return -1;
	fd = bulk_fd(b, cpu);
	if (fd < 0)
		return -1;
	if (write_all(fd, rec, len) < 0) {
		bulk_error(b, "cannot write the bulk output file of CPU %u: %s",
			   cpu, errno ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

int bulk_close(struct bulk_out *b)
{
	unsigned i;

	for (i = 0; i < b->nfds; i++)
		if (b->fds[i] >= 0 && close(b->fds[i]) < 0)
			bulk_error(b, "closing the bulk output file of CPU "
				   "%u: %s", i, strerror(errno));
	free(b->fds);
	b->fds = NULL;
	b->nfds = 0;
	return b->error ? -1 : 0;
}

int bulk_split_feed(struct bulk_split *sp, struct bulk_out *b,
		    const void *data, size_t n)
{
	struct stap_data_rec rec;
	unsigned char *nbuf;
	size_t need, off = 0, ncap;

	if (sp->cap - sp->len < n) {
		ncap = sp->cap ? sp->cap : 65536;
		while (ncap - sp->len < n)
			ncap *= 2;
		nbuf = realloc(sp->buf, ncap);
		if (!nbuf) {
			bulk_error(b, "out of memory");
			return -1;
		}
		sp->buf = nbuf;
		sp->cap = ncap;
	}
	memcpy(sp->buf + sp->len, data, n);
	sp->len += n;
	while (sp->len - off >= STAP_DATA_REC_SIZE) {
		memcpy(&rec, sp->buf + off, STAP_DATA_REC_SIZE);
		if (rec.len > BULK_MAX_RECORD) {
			bulk_error(b, "malformed bulk stream (record of %u "
				   "bytes)", rec.len);
			return -1;
		}
		need = STAP_DATA_REC_SIZE + STAP_DATA_ALIGN((size_t)rec.len);
		if (sp->len - off < need)
			break;
		if (bulk_write(b, rec.cpu, sp->buf + off, need) < 0)
			return -1;
		off += need;
	}
	memmove(sp->buf, sp->buf + off, sp->len - off);
	sp->len -= off;
	return 0;
}

int bulk_split_end(struct bulk_split *sp, struct bulk_out *b)
{
	int cut = sp->len != 0;

	free(sp->buf);
	memset(sp, 0, sizeof(*sp));
	if (cut)
		bulk_error(b, "the bulk stream ended inside a record");
	return cut ? -1 : 0;
}

/* ---- -S: rotating output files ---- */

void rotate_init(struct rotate_out *r, const char *base,
		 unsigned long long max_bytes, unsigned keep)
{
	memset(r, 0, sizeof(*r));
	r->base = base;
	r->max_bytes = max_bytes;
	r->keep = keep;
	r->fd = -1;
}

char *rotate_file_name(const char *base, unsigned n)
{
	size_t len = strlen(base) + 16;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s.%u", base, n);
	return s;
}

/* Opens file number n (truncating it) and removes the one that falls
 * out of the last r->keep. */
static int rotate_open(struct rotate_out *r, unsigned n)
{
	char *name = rotate_file_name(r->base, n);

	if (!name) {
		set_error(&r->error, "out of memory");
		return -1;
	}
	r->fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (r->fd < 0) {
		set_error(&r->error, "cannot open output file %s: %s", name,
			  strerror(errno));
		free(name);
		return -1;
	}
	free(name);
	r->n = n;
	r->size = 0;
	if (r->keep && n >= r->keep) {
		name = rotate_file_name(r->base, n - r->keep);
		if (name && unlink(name) < 0 && errno != ENOENT)
			set_error(&r->error, "cannot remove old output file "
				  "%s: %s", name, strerror(errno));
		free(name);
	}
	return 0;
}

int rotate_write(struct rotate_out *r, const void *buf, size_t len)
{
	if (r->error)
		return -1;
	if (r->fd < 0 && rotate_open(r, 0) < 0)
		return -1;
	if (r->size > 0 && r->size + len > r->max_bytes) {
		close(r->fd);
		r->fd = -1;
		if (rotate_open(r, r->n + 1) < 0)
			return -1;
	}
	if (write_all(r->fd, buf, len) < 0) {
		set_error(&r->error, "cannot write output file %s.%u: %s",
			  r->base, r->n, errno ? strerror(errno) :
			  "short write");
		return -1;
	}
	r->size += len;
	return 0;
}

int rotate_close(struct rotate_out *r)
{
	if (r->fd >= 0 && close(r->fd) < 0)
		set_error(&r->error, "closing output file %s.%u: %s", r->base,
			  r->n, strerror(errno));
	r->fd = -1;
	return r->error ? -1 : 0;
}
