/*
 * The stap <-> stapsh protocol: reading, writing and parsing shared by
 * stapsh (staprun/stapsh.c) and stap (translator/run/remote.c).
 *
 * The reader at the top hands out lines and payload bytes from one fd;
 * the writers below it never split a frame; the small parsers at the end
 * check words of a command line.  All I/O waits with poll(2), so the same
 * code serves blocking pipes and sockets and the non-blocking virtio port
 * stapsh uses in device mode.
 */
#include "stapsh_proto.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- waiting ---------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd reports one of events (or an error condition).  Returns
 * the revents, or 0 with errno ETIMEDOUT when deadline (ms, < 0: none)
 * passed. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int timeout, n;

	for (;;) {
		timeout = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				errno = ETIMEDOUT;
				return 0;
			}
			timeout = left > 1000000 ? 1000000 : (int)left;
		}
		n = poll(&p, 1, timeout);
		if (n > 0)
			return p.revents;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int64_t deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ---- reading ---------------------------------------------------------- */

void sp_reader_init(struct sp_reader *r, int fd)
{
	r->fd = fd;
	r->start = r->end = 0;
	r->skipping = false;
	r->eof = false;
}

ssize_t sp_fill(struct sp_reader *r)
{
	ssize_t n;

	if (r->start == r->end)
		r->start = r->end = 0;
	if (r->end == sizeof(r->buf) - 1 && r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == sizeof(r->buf) - 1) {
		/* A full buffer without a newline: the caller's
		 * sp_next_line reports it; nothing to read into. */
		return 1;
	}
	do
		n = read(r->fd, r->buf + r->end, sizeof(r->buf) - 1 - r->end);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		r->end += n;
	else if (n == 0)
		r->eof = true;
	return n;
}

int sp_next_line(struct sp_reader *r, char **line)
{
	char *p, *nl;

	for (;;) {
		p = r->buf + r->start;
		nl = memchr(p, '\n', r->end - r->start);
		if (r->skipping) {
			if (!nl) {
				r->start = r->end = 0;
				return 0;
			}
			r->start = nl + 1 - r->buf;
			r->skipping = false;
			continue;
		}
		if (nl) {
			*nl = '\0';
			r->start = nl + 1 - r->buf;
			*line = p;
			return 1;
		}
		if (r->end - r->start >= SP_LINE_MAX + 1) {
			r->start = r->end = 0;
			r->skipping = true;
			return -2;
		}
		return 0;
	}
}

int sp_read_line(struct sp_reader *r, char **line, int timeout_ms)
{
	int64_t deadline = deadline_after(timeout_ms);
	int rc;
	ssize_t n;

	for (;;) {
		rc = sp_next_line(r, line);
		if (rc != 0)
			return rc;
		if (r->eof)
			return 0;
		/* a blocking fd would not time out in read() */
		if (deadline >= 0 && wait_fd(r->fd, POLLIN, deadline) <= 0)
			return -1;
		n = sp_fill(r);
		if (n > 0)
			continue;
		if (n == 0)
			return 0;
		if (errno != EAGAIN)
			return -1;
		if (wait_fd(r->fd, POLLIN, deadline) <= 0)
			return -1;
	}
}

int sp_read_bytes(struct sp_reader *r, void *buf, uint64_t n, int timeout_ms)
{
	int64_t deadline = deadline_after(timeout_ms);
	char *out = buf;
	char scratch[65536];
	size_t take;
	ssize_t got;

	while (n > 0) {
		if (r->start < r->end) {
			take = r->end - r->start;
			if (take > n)
				take = n;
			if (out) {
				memcpy(out, r->buf + r->start, take);
				out += take;
			}
			r->start += take;
			n -= take;
			continue;
		}
		if (r->eof) {
			errno = EPIPE;
			return -1;
		}
		if (deadline >= 0 && wait_fd(r->fd, POLLIN, deadline) <= 0)
			return -1;	/* (a blocking fd: read() would wait) */
		/* Large payloads bypass the buffer. */
		take = n > sizeof(scratch) ? sizeof(scratch) : n;
		do
			got = read(r->fd, out ? out : scratch, take);
		while (got < 0 && errno == EINTR);
		if (got > 0) {
			if (out)
				out += got;
			n -= got;
		} else if (got == 0) {
			r->eof = true;
		} else if (errno != EAGAIN) {
			return -1;
		} else if (wait_fd(r->fd, POLLIN, deadline) <= 0) {
			return -1;
		}
	}
	return 0;
}

/* ---- writing ---------------------------------------------------------- */

int sp_hup_grace_ms;

int sp_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	int64_t hup_since = -1;
	ssize_t w;
	int ev;

	while (n > 0) {
		/* On a socket, a gone peer is EPIPE, never SIGPIPE. */
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(fd, p, n);
		if (w > 0) {
			p += w;
			n -= w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			return -1;
		/* A virtio port whose host hung up reports POLLHUP and
		 * never POLLOUT: that is the end of the session, unless
		 * the host comes back within the grace period. */
		ev = wait_fd(fd, POLLOUT, -1);
		if (ev < 0)
			return -1;
		if (ev & POLLOUT) {
			hup_since = -1;
		} else if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
			if (hup_since < 0)
				hup_since = now_ms();
			if (now_ms() - hup_since >= sp_hup_grace_ms) {
				errno = EPIPE;
				return -1;
			}
			usleep(10000);
		}
	}
	return 0;
}

int sp_printf(int fd, const char *fmt, ...)
{
	char line[SP_LINE_MAX + 2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		errno = EMSGSIZE;
		return -1;
	}
	return sp_write_all(fd, line, n);
}

int sp_write_data(int fd, enum sp_stream s, const void *buf, size_t n)
{
	if (sp_printf(fd, "data %s %zu\n", sp_stream_name(s), n) < 0)
		return -1;
	return sp_write_all(fd, buf, n);
}

/* ---- words ------------------------------------------------------------ */

int sp_split(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return n;
		if (n == max)
			return -1;
		words[n++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

bool sp_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

bool sp_name_ok(const char *name)
{
	size_t n = 0;
	const char *p;

	if (!*name || *name == '.')
		return false;
	for (p = name; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return n <= SP_NAME_MAX;
}

static bool arg_char_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-_.,:/=+@", c);
}

char *sp_escape_arg(const char *arg)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *out, *q;

	if (!*arg)
		return strdup("%");
	out = malloc(3 * strlen(arg) + 1);
	if (!out)
		return NULL;
	for (p = (const unsigned char *)arg, q = out; *p; p++) {
		if (arg_char_plain(*p)) {
			*q++ = *p;
		} else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		}
	}
	*q = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sp_unescape_arg(char *s)
{
	char *q = s;
	int hi, lo;

	if (strcmp(s, "%") == 0) {
		*s = '\0';
		return true;
	}
	for (; *s; s++) {
		if (*s != '%') {
			*q++ = *s;
			continue;
		}
		hi = hexval(s[1]);
		lo = hi < 0 ? -1 : hexval(s[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return false;
		*q++ = (char)(hi << 4 | lo);
		s += 2;
	}
	*q = '\0';
	return true;
}

/* ---- streams ---------------------------------------------------------- */

enum sp_stream sp_stream_by_name(const char *name)
{
	if (strcmp(name, "stdout") == 0)
		return SP_STREAM_STDOUT;
	if (strcmp(name, "stderr") == 0)
		return SP_STREAM_STDERR;
#if STAPSH_PROTO_VERSION >= 2
	if (strcmp(name, "symbols") == 0)
		return SP_STREAM_SYMBOLS;
#endif
#if STAPSH_PROTO_VERSION >= 3
	if (strcmp(name, "btf") == 0)
		return SP_STREAM_BTF;
#endif
	return SP_STREAM_UNKNOWN;
}

const char *sp_stream_name(enum sp_stream s)
{
	switch (s) {
	case SP_STREAM_STDOUT: return "stdout";
	case SP_STREAM_STDERR: return "stderr";
#if STAPSH_PROTO_VERSION >= 2
	case SP_STREAM_SYMBOLS: return "symbols";
#endif
#if STAPSH_PROTO_VERSION >= 3
	case SP_STREAM_BTF: return "btf";
#endif
	default: return "unknown";
	}
}
