/*
 * Userspace side of the control channel: sending encoded messages and
 * reading a stream of them back.  The layout and the pure codec are in
 * ctl_proto.h; this adds the file-descriptor plumbing shared by the
 * loader tools.
 */
#ifndef STAPRUN_CTL_H
#define STAPRUN_CTL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "ctl_proto.h"

/* Writes "WHO: MESSAGE\n" to stderr with one write(), so that the -v
 * lines of staprun and stapio, which share the stream, never interleave
 * (a longer line is cut at 1 KiB). */
void ctl_log(const char *who, const char *fmt, va_list ap);

/* Name of a message type for diagnostics ("HELLO", ..., "type 42"). */
const char *ctl_type_name(uint32_t type);

/* Writes the encoded messages in e to fd.  0, or -errno (-EMSGSIZE if
 * the encoder overflowed). */
int ctl_send(int fd, const struct stap_ctl_enc *e);

/* Sends one message made of n words. */
int ctl_send_words(int fd, uint32_t type, const uint64_t *w, unsigned n);

/*
 * Buffers bytes read from the control file and hands out whole messages.
 * A message returned by ctl_reader_next() points into buf and stays
 * valid until the next ctl_reader_fill().
 */
struct ctl_reader {
	unsigned char *buf;
	size_t off, len, cap;
};

int ctl_reader_init(struct ctl_reader *r);
void ctl_reader_free(struct ctl_reader *r);
/* One read(2) appended to the buffer: bytes read, 0 at end of file, or
 * -errno (-EAGAIN if fd is nonblocking and empty). */
long ctl_reader_fill(struct ctl_reader *r, int fd);
/* 1 and *m for the next whole message, 0 if none is complete yet, -1 if
 * the stream is malformed. */
int ctl_reader_next(struct ctl_reader *r, struct stap_ctl_msg *m);

#endif
