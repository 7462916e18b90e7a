/*
 * The stap <-> stapsh protocol: the parts both sides share.
 *
 * The wire format (doc/protocol-stapsh.md has the whole story): each
 * request and each reply is one text line of space-separated words; a
 * line that announces a payload ("file SIZE NAME", "data stdout SIZE")
 * is followed by exactly SIZE raw bytes, which are never looked at as
 * text.  This file holds what both stapsh and stap need to speak it:
 *
 *   - a buffered reader that hands out lines and raw payload bytes from
 *     one file descriptor, with timeouts, on blocking or non-blocking fds;
 *   - writing whole buffers, lines and data frames;
 *   - splitting a line into words, %-escaping of run arguments, number
 *     parsing and the check for safe file names.
 *
 * Nothing here allocates behind the caller's back except sp_escape_arg.
 */
#ifndef STAPSH_PROTO_H
#define STAPSH_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The protocol version this side speaks.  Both sides speak the lower of
 * the two announced versions.  1 is the first version; 2 adds the
 * "symbols" request, 3 the "btf" request, 4 the "exe" request (the
 * program a pid runs).  A build may set it lower (-DSTAPSH_PROTO_VERSION=N)
 * to be a faithful previous release: code for version N sits inside
 * "#if STAPSH_PROTO_VERSION >= N" (`make compat-prev`, testsuite/stap.compat). */
#ifndef STAPSH_PROTO_VERSION
#define STAPSH_PROTO_VERSION 4
#endif
#define STAPSH_PROTO_MIN_VERSION 1

/* Limits.  A longer line is answered with an error and skipped. */
#define SP_LINE_MAX 65536		/* bytes in a command line, w/o '\n' */
#define SP_FILE_MAX (256ull << 20)	/* bytes in one uploaded file */
#define SP_NAME_MAX 255			/* bytes in an uploaded file name */
#define SP_WORDS_MAX 1024		/* words in one command line */
#define SP_DATA_CHUNK 65536		/* bytes stapsh puts in one data frame */

/* The streams a "data" frame can carry.  "symbols" (version 2) carries
 * the answer to a "symbols" request, "btf" (version 3) to a "btf". */
enum sp_stream { SP_STREAM_UNKNOWN, SP_STREAM_STDOUT, SP_STREAM_STDERR,
#if STAPSH_PROTO_VERSION >= 2
	SP_STREAM_SYMBOLS,
#endif
#if STAPSH_PROTO_VERSION >= 3
	SP_STREAM_BTF,
#endif
};

/*
 * A buffered reader over one fd.  buf[start..end) holds bytes read but not
 * yet handed out.  When a line is too long to fit, the reader reports it
 * once and then drops bytes up to and including the next newline
 * ("skipping" is set meanwhile).
 */
struct sp_reader {
	int fd;
	size_t start, end;
	bool skipping;
	bool eof;
	char buf[SP_LINE_MAX + 2];
};

void sp_reader_init(struct sp_reader *r, int fd);

/* Bytes buffered and not yet handed out. */
static inline size_t sp_buffered(const struct sp_reader *r)
{
	return r->end - r->start;
}

/* One read(2) into the buffer.  Returns the bytes read, 0 at end of file,
 * -1 on error (errno; EAGAIN on an empty non-blocking fd). */
ssize_t sp_fill(struct sp_reader *r);

/* Takes the next complete line out of the buffer without reading:
 * returns 1 and sets *line (NUL-terminated, '\n' removed, valid until the
 * next call on r), 0 if no complete line is buffered, -2 if the line is
 * too long (it is then skipped). */
int sp_next_line(struct sp_reader *r, char **line);

/* Like sp_next_line, but reads until a line is complete.  timeout_ms < 0
 * waits forever.  Returns 1 (line), 0 (end of file), -1 (error or
 * timeout: errno ETIMEDOUT), -2 (line too long). */
int sp_read_line(struct sp_reader *r, char **line, int timeout_ms);

/* Reads exactly n payload bytes (buffered ones first) into buf, or skips
 * them if buf is NULL.  Returns 0, or -1 with errno (EPIPE at end of
 * file, ETIMEDOUT when a read waited longer than timeout_ms). */
int sp_read_bytes(struct sp_reader *r, void *buf, uint64_t n, int timeout_ms);

/* Writes all of buf, waiting on non-blocking fds.  Returns 0, or -1 with
 * errno (EPIPE when the peer went away: the fd polled POLLHUP or POLLERR
 * without POLLOUT for sp_hup_grace_ms). */
int sp_write_all(int fd, const void *buf, size_t n);
extern int sp_hup_grace_ms;	/* default 0 */

/* Writes one formatted line; the format supplies the '\n'. */
int sp_printf(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes "data STREAM SIZE\n" and then the bytes. */
int sp_write_data(int fd, enum sp_stream s, const void *buf, size_t n);

/* Splits line in place at spaces (runs of spaces count as one).  Returns
 * the word count, or -1 if there are more than max words. */
int sp_split(char *line, char **words, int max);

/* Parses a decimal size: digits only, no sign, no overflow. */
bool sp_parse_u64(const char *s, uint64_t *out);

/* Is name fit to be a file in stapsh's directory?  [A-Za-z0-9._-]+,
 * no leading dot, at most SP_NAME_MAX bytes. */
bool sp_name_ok(const char *name);

/* %-escapes an argument for "run": every byte outside [A-Za-z0-9] and
 * "-_.,:/=+@" becomes %XX; the empty argument is "%".  Returns a malloc'd
 * string, or NULL when out of memory. */
char *sp_escape_arg(const char *arg);

/* Undoes sp_escape_arg in place.  Returns false if the escaping is
 * malformed or would produce a NUL byte. */
bool sp_unescape_arg(char *s);

/* The stream named by a "data" frame's second word. */
enum sp_stream sp_stream_by_name(const char *name);
const char *sp_stream_name(enum sp_stream s);

#endif
