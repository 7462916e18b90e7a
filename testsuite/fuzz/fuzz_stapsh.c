/*
 * libFuzzer harness for the stapsh protocol's parsing: the line and
 * payload reader, word splitting, sizes, file names and %-escapes of
 * staprun/stapsh_proto.c, driven the way stapsh's session loop and
 * stap's reply loop (translator/run/remote.c) drive them.
 *
 * Input: byte 0 seeds how the stream is cut into writes, byte 1 holds
 * flags; with FLAG_LONG, bytes 2-4 place a run of 65520..65551 'x' bytes
 * into the stream (so lines around the 65536-byte limit are cheap to
 * reach).  The rest is what a peer sends.  It goes through a
 * non-blocking pipe, written chunk by chunk whenever the reader runs dry,
 * into a real sp_reader.  Each request line is split into words and
 * handled as stapsh does: "file SIZE NAME" consumes SIZE payload bytes
 * (also when refused), "run ARG..." unescapes its arguments, "data
 * STREAM SIZE" (stap's side) consumes its payload, anything else is just
 * words.  A model keeps the position in the input and says what each
 * step must return.  Invariants:
 *  - each line is the input up to the next newline, at most SP_LINE_MAX
 *    bytes; a longer one is reported once (-2) and skipped through its
 *    newline; at end of file what is left is an incomplete short line;
 *  - payload bytes are exactly the input's next SIZE bytes, whether
 *    buffered or read directly, and a payload cut by end of file fails
 *    with EPIPE;
 *  - sp_split yields the space-separated words, or -1 beyond the limit;
 *  - sp_parse_u64 accepts exactly the digit strings that fit 64 bits;
 *  - sp_name_ok accepts exactly [A-Za-z0-9._-]{1,255} without a leading
 *    dot, so no name can leave stapsh's directory ("..", "/", NUL);
 *  - sp_unescape_arg accepts exactly well-formed %XX escapes without %00
 *    (and a lone "%"), and sp_escape_arg output is one word that
 *    unescapes back to the original.
 *
 * The size limit of "file" and the per-command checks live in stapsh.c's
 * cmd_* functions, which cannot be called without running a session;
 * README says what split would let this harness call them.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <unistd.h>
#include "stapsh_proto.h"
#include "fuzz.h"

#define FLAG_LONG	0x01

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

/* ---- oracles, written from doc/protocol-stapsh.md ---- */

static int ref_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 255 && s[0] != '.' &&
	       strspn(s, name_chars) == n;
}

static int ref_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return 0;
	errno = 0;
	x = strtoull(s, NULL, 10);
	if (errno == ERANGE)
		return 0;
	*v = x;
	return 1;
}

/* Unescapes s into out (same size); 0 if malformed. */
static int ref_unescape(const char *s, char *out)
{
	char hex[3] = { 0 };
	unsigned long v;

	if (strcmp(s, "%") == 0) {
		*out = '\0';
		return 1;
	}
	for (; *s; s++) {
		if (*s != '%') {
			*out++ = *s;
			continue;
		}
		if (!s[1] || !strchr("0123456789abcdefABCDEF", s[1]) ||
		    !s[2] || !strchr("0123456789abcdefABCDEF", s[2]))
			return 0;
		hex[0] = s[1];
		hex[1] = s[2];
		v = strtoul(hex, NULL, 16);
		if (v == 0)
			return 0;
		*out++ = (char)v;
		s += 2;
	}
	*out = '\0';
	return 1;
}

/* ---- the stream: input bytes, written into a pipe on demand ---- */

struct stream {
	const unsigned char *data;
	size_t len;
	size_t written;		/* bytes put into the pipe */
	size_t pos;		/* the model: bytes the reader handed out */
	int wfd;		/* -1 once closed (end of file) */
	uint32_t seed;
	struct sp_reader r;
};

static void write_more(struct stream *s, size_t want)
{
	ssize_t n;

	if (s->wfd < 0)
		return;
	if (want > s->len - s->written)
		want = s->len - s->written;
	while (want > 0) {
		n = write(s->wfd, s->data + s->written, want);
		CHECK(n > 0);	/* the pipe is big enough for any input */
		s->written += n;
		want -= n;
	}
	if (s->written == s->len) {
		close(s->wfd);
		s->wfd = -1;
	}
}

/* The next line as stapsh's loop gets it: 1 (line), -2, or 0 (eof). */
static int next_line(struct stream *s, char **line)
{
	int rc;
	ssize_t n;

	for (;;) {
		rc = sp_next_line(&s->r, line);
		if (rc != 0)
			return rc;
		if (s->r.eof)
			return 0;
		write_more(s, 1 + fuzz_rand(&s->seed) % 8192);
		n = sp_fill(&s->r);
		CHECK(n >= 0);	/* data or end of file is always there */
	}
}

/* Checks a line (or -2) against the model and advances it. */
static void model_line(struct stream *s, int rc, const char *line)
{
	const unsigned char *p = s->data + s->pos;
	size_t left = s->len - s->pos;
	const unsigned char *nl = memchr(p, '\n', left);
	size_t l = nl ? (size_t)(nl - p) : left;

	if (rc == 1) {
		CHECK(nl && l <= SP_LINE_MAX);
		CHECK(strlen(line) == strnlen((const char *)p, l));
		CHECK(memcmp(line, p, strlen(line)) == 0);
		s->pos += l + 1;
	} else if (rc == -2) {
		CHECK(l > SP_LINE_MAX);
		s->pos = nl ? s->pos + l + 1 : s->len;
	} else {
		CHECK(rc == 0 && !nl && l <= SP_LINE_MAX);
		s->pos = s->len;
	}
}

/* Consumes a SIZE-byte payload in pieces, as cmd_file and remote.c do.
 * Returns 0, or -1 at end of file (the session is then over). */
static int payload(struct stream *s, uint64_t size)
{
	static char buf[65536];
	uint64_t left;
	size_t n, have;
	int rc, skip = 0;

	for (left = size; left > 0; left -= n) {
		n = left > sizeof(buf) ? sizeof(buf) : left;
		have = sp_buffered(&s->r);
		if (n > have)
			write_more(s, n - have);
		skip = !skip;	/* alternate copying and skipping */
		rc = sp_read_bytes(&s->r, skip ? NULL : buf, n, -1);
		if (s->len - s->pos < n) {
			CHECK(rc == -1 && errno == EPIPE);
			s->pos = s->len;
			return -1;
		}
		CHECK(rc == 0);
		if (!skip)
			CHECK(memcmp(buf, s->data + s->pos, n) == 0);
		s->pos += n;
	}
	return 0;
}

/* ---- words ---- */

static void check_word(const char *w)
{
	char *copy = strdup(w), *ref = strdup(w), *esc, *back;
	uint64_t v, rv;
	int ok, rok;
	const char *q;

	CHECK(copy && ref);
	CHECK(sp_name_ok(w) == ref_name_ok(w));
	/* whatever passes cannot name anything outside the directory */
	if (sp_name_ok(w))
		CHECK(!strchr(w, '/') && w[0] != '.');
	ok = sp_parse_u64(w, &v);
	rok = ref_parse_u64(w, &rv);
	CHECK(ok == rok && (!ok || v == rv));

	ok = sp_unescape_arg(copy);
	rok = ref_unescape(w, ref);
	CHECK(ok == rok);
	if (ok) {
		CHECK(strcmp(copy, ref) == 0);
		/* escaping the result gives one word that comes back */
		esc = sp_escape_arg(copy);
		CHECK(esc);
		CHECK(*esc && !strpbrk(esc, " \n"));
		for (q = esc; *q; q++)
			CHECK(*q == '%' || isalnum((unsigned char)*q) ||
			      strchr("-_.,:/=+@", *q));
		back = strdup(esc);
		CHECK(back && sp_unescape_arg(back));
		CHECK(strcmp(back, copy) == 0);
		free(back);
		free(esc);
	}
	CHECK(sp_stream_by_name(w) == SP_STREAM_UNKNOWN ||
	      strcmp(sp_stream_name(sp_stream_by_name(w)), w) == 0);
	free(copy);
	free(ref);
}

/* Splits line as stapsh does; checks the words against the line. */
static int split(char *line, char **w)
{
	char *orig = strdup(line);
	size_t i = 0, len = strlen(line);
	int n, count = 0, k = 0;

	CHECK(orig);
	for (i = 0; i < len; i++)
		if (orig[i] != ' ' && (i == 0 || orig[i - 1] == ' '))
			count++;
	n = sp_split(line, w, SP_WORDS_MAX);
	if (count > SP_WORDS_MAX) {
		CHECK(n == -1);
		free(orig);
		return -1;
	}
	CHECK(n == count);
	for (i = 0; i < len; i++) {
		size_t wl;

		if (orig[i] == ' ')
			continue;
		wl = strcspn(orig + i, " ");
		CHECK(k < n && strlen(w[k]) == wl);
		CHECK(memcmp(w[k], orig + i, wl) == 0);
		CHECK(w[k] == line + i);
		k++;
		i += wl;
	}
	free(orig);
	return n;
}

/* One request or reply line.  Returns -1 when the session is over. */
static int handle(struct stream *s, char *line)
{
	char *w[SP_WORDS_MAX];
	uint64_t size;
	int n, i;

	n = split(line, w);
	for (i = 0; i < n; i++)
		check_word(w[i]);
	if (n <= 0)
		return 0;
	/* stapsh: "file SIZE NAME" + payload, consumed even if refused */
	if (strcmp(w[0], "file") == 0 && n == 3 && sp_parse_u64(w[1], &size))
		return payload(s, size);
	/* stapsh: "run ARG...": every argument must unescape */
	if (strcmp(w[0], "run") == 0) {
		for (i = 1; i < n; i++)
			if (!sp_unescape_arg(w[i]))
				break;
		return 0;
	}
	/* stap: "data STREAM SIZE" + payload, skipped if unknown stream */
	if (strcmp(w[0], "data") == 0 && n >= 3 &&
	    sp_parse_u64(w[n - 1], &size)) {
		(void)sp_stream_by_name(w[1]);
		return payload(s, size);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct stream s;
	unsigned char *buf = NULL;
	char *line;
	int pfd[2], rc;

	if (size < 2)
		return 0;
	s.seed = data[0] * 0x01010101u + 1;
	s.data = data + 2;
	s.len = size - 2;
	if ((data[1] & FLAG_LONG) && size >= 5) {
		/* splice a long run of 'x' in at a chosen place */
		size_t at = (data[2] | (size_t)data[3] << 8) % (size - 4);
		size_t run = SP_LINE_MAX - 16 + data[4] % 32;

		buf = malloc(size - 5 + run);
		CHECK(buf);
		memcpy(buf, data + 5, at);
		memset(buf + at, 'x', run);
		memcpy(buf + at + run, data + 5 + at, size - 5 - at);
		s.data = buf;
		s.len = size - 5 + run;
	}
	s.written = s.pos = 0;
	/* The whole input must fit in the pipe (see write_more). */
	if (s.len > 1 << 20)
		s.len = 1 << 20;
	CHECK(pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK(fcntl(pfd[1], F_SETPIPE_SZ, 1 << 20) >= (int)s.len);
	s.wfd = pfd[1];
	sp_reader_init(&s.r, pfd[0]);

	for (;;) {
		rc = next_line(&s, &line);
		model_line(&s, rc, line);
		if (rc == 0)
			break;		/* end of file: the host hung up */
		if (rc == 1 && handle(&s, line) < 0)
			break;
	}
	CHECK(s.pos == s.len);
	if (s.wfd >= 0)
		close(s.wfd);
	close(pfd[0]);
	free(buf);
	return 0;
}

/* ---- seeds: sessions in both directions ---- */

static void seed(const char *dir, const char *name, int flags,
		 const char *text, size_t n)
{
	struct fuzz_buf b = { 0 };

	fuzz_put_u8(&b, 3);
	fuzz_put_u8(&b, flags);
	fuzz_put(&b, text, n);
	fuzz_write_seed(dir, name, &b);
	free(b.p);
}

#define SEED(dir, name, flags, lit) seed(dir, name, flags, lit, sizeof(lit) - 1)

static void write_seeds(const char *dir)
{
	SEED(dir, "stap-session", 0,
	     "stap 1\n"
	     "file 12 stap_abc.ko\n\x7f" "ELF\0\0\0\n\0\1\2\3"
	     "run -v -o %2Ftmp%2Fout%20file stap_abc.ko\n"
	     "quit\n"
	     "quit\n");
	SEED(dir, "stapsh-replies", 0,
	     "stapsh 1 x86_64 6.1.0-56-amd64\n"
	     "OK\n"
	     "OK\n"
	     "data stdout 6\nhello\n"
	     "data stderr 4\n\0\n\0\n"
	     "data other 3\nabc"
	     "quit 0\n");
	SEED(dir, "refused", 0,
	     "run x\n"
	     "stap 1 feature\n"
	     "file 3 ../etc\nabc"
	     "file 3 .hidden\nabc"
	     "file 300000000 big\n"
	     "file x name\n"
	     "run % %0 %00 %zz a%41b\n"
	     "frobnicate\n"
	     "   \n");
	SEED(dir, "long-line", FLAG_LONG,
	     "\0\0\20stap 1\nfile 4 a\nabcd");
	SEED(dir, "v2-symbols", 0,
	     "stap 2\n"
	     "symbols -\n"
	     "symbols 0123456789abcdef\n"
	     "symbols\n"
	     "quit\n");
	SEED(dir, "v2-symbols-replies", 0,
	     "stapsh 2 x86_64 6.12.117+deb12-amd64\n"
	     "data symbols 24\nt vfs_read\nT vfs_write\n\n"
	     "symbols 0123456789abcdef sent\n"
	     "symbols 0123456789abcdef same\n");
	SEED(dir, "cut-payload", 0,
	     "stap 1\nfile 100 short\nonly a few bytes");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_seed_mode(argc, argv, write_seeds);
	return 0;
}
