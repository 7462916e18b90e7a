/*
 * procfs probes' $value as handlers see it.  Included before the
 * handlers; the family's runtime (files, open/read/write) is
 * linux/procfs.c.
 *
 * A procfs hit's c->probe_data is a struct stap_procfs_buf: in a read
 * probe the text the reader will get, which `$value = ...` and
 * `$value .= ...` fill up to the file's maxsize (bytes beyond it are
 * dropped); in a write probe the bytes written, NUL-terminated.
 */
#ifndef STAP_PROCFS_H
#define STAP_PROCFS_H

struct stap_procfs_buf {
	char *buf;
	size_t len;		/* bytes in buf; buf[len] == '\0' */
	size_t cap;		/* bytes buf holds, the NUL included */
};

/* One file under /proc/systemtap/MODULE/, with its read and/or write
 * probe.  mode: 0400 read, 0200 write, 0600 both, unless umask(N). */
struct stap_procfs_file {
	const char *path;		/* "dir/file", relative */
	const struct stap_probe_info *read, *write;
	size_t maxsize;			/* read buffer, the NUL included */
	umode_t mode;
};

/* $value in a write probe.  Probe context. */
static inline const char *stap_procfs_value(struct context *c)
{
	return ((struct stap_procfs_buf *)c->probe_data)->buf;
}

/* $value .= s in a read probe.  Probe context. */
static inline const char *stap_procfs_append(struct context *c, const char *s)
{
	struct stap_procfs_buf *b = c->probe_data;
	size_t n = strnlen(s, b->cap - 1 - b->len);

	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return b->buf;
}

/* $value = s in a read probe.  Probe context. */
static inline const char *stap_procfs_set(struct context *c, const char *s)
{
	struct stap_procfs_buf *b = c->probe_data;

	b->len = 0;
	b->buf[0] = '\0';
	return stap_procfs_append(c, s);
}

#endif
