/*
 * Formatted output for print/printf/sprintf.  The translator parses a
 * format string at compile time into literal pieces and conversions
 * (translator/emit/format.c); here each conversion is rendered into a
 * `struct stap_sb`, which is either the context's print buffer (flushed
 * to the data channel when full and at the end of the probe) or a
 * sprintf result (truncated at MAXSTRINGLEN, the truncation counted).
 *
 * The conversions and flags are C's (printf(3)), on 64-bit values:
 *   d i u x X o c s   as in C; 0 is ignored when a precision is given
 *   p                 0x and the hex digits, 16 of them unless a width or
 *                     precision is given
 *   #c                escapes a non-printing character: \n, \t... or \ooo
 *   b                 the value's raw bytes, native endian: width 1, 2, 4
 *                     or 8 (the default) bytes
 *   m M               `precision` bytes (default 1) of kernel memory, or
 *                     user memory with #, raw (m) or as hex (M)
 * A `*` width or precision is an argument, checked by stap_fmt_star.
 *
 * Any context; nothing here sleeps or allocates.
 */

/* Conversion flags, as in printf(3). */
enum { STAP_F_LEFT = 1, STAP_F_PLUS = 2, STAP_F_SPACE = 4, STAP_F_ALT = 8,
	STAP_F_ZERO = 16 };

/* Largest width or precision (and %m byte count) a conversion takes;
 * the translator checks literal ones against the same number. */
#define STAP_FMT_MAX 65536

/* One parsed conversion: %[flags][width][.prec]conv */
struct stap_fmt {
	char conv;		/* d i u x X o s c p b m M */
	u8 flags;		/* STAP_F_* */
	int width;		/* -1: none */
	int prec;		/* -1: none */
};

/* A bounded output buffer.  flush != NULL makes it a print buffer that
 * drains into the data channel instead of truncating; a sprintf buffer
 * remembers that it dropped bytes. */
struct stap_sb {
	char *buf;
	u32 len, cap;
	bool truncated;
	void (*flush)(struct stap_sb *sb);
};

/* Defined in context.c: raises a runtime error with a formatted
 * message in the probe running in c. */
struct context;
static void stap_errorf(struct context *c, const char *loc,
			const char *fmt, ...) __printf(3, 4);

static void stap_sb_putn(struct stap_sb *sb, const char *s, size_t n)
{
	while (n) {
		size_t room = sb->cap - sb->len;
		if (!room) {
			if (!sb->flush) {
				sb->truncated = true;
				return;		/* sprintf: truncate */
			}
			sb->flush(sb);
			continue;
		}
		if (room > n)
			room = n;
		memcpy(sb->buf + sb->len, s, room);
		sb->len += room;
		s += room;
		n -= room;
	}
}

static void stap_sb_pad(struct stap_sb *sb, char c, int n)
{
	char run[32];

	memset(run, c, sizeof(run));
	while (n > 0 && !sb->truncated) {
		int k = n < (int)sizeof(run) ? n : (int)sizeof(run);
		stap_sb_putn(sb, run, k);
		n -= k;
	}
}

/* The sprintf flavour, writing into buf (MAXSTRINGLEN bytes); it keeps
 * a terminating NUL inside cap.  An initializer, so that the argument
 * declarations may follow it. */
static struct stap_sb stap_sb_str_init(char *buf)
{
	return (struct stap_sb){ .buf = buf, .cap = MAXSTRINGLEN - 1 };
}

/* The sprintf result; a truncated one is counted (string.c). */
static char *stap_sb_str(struct stap_sb *sb)
{
	sb->buf[sb->len] = '\0';
	if (sb->truncated)
		stap_count_truncation();
	return sb->buf;
}

static void stap_out_lit(struct stap_sb *sb, const char *s, size_t n)
{
	stap_sb_putn(sb, s, n);
}

/* A string is at most MAXSTRINGLEN - 1 bytes: a longer literal is cut
 * (and counted) as it would be when assigned. */
static void stap_out_str(struct stap_sb *sb, const char *s)
{
	stap_sb_putn(sb, s, stap_strnlen_counted(s, MAXSTRINGLEN - 1));
}

/* Writes the n bytes of s padded to f's width: on the left, or on the
 * right with the - flag. */
static void stap_out_padded(struct stap_sb *sb, const struct stap_fmt *f,
			    const char *s, int n)
{
	if (!(f->flags & STAP_F_LEFT))
		stap_sb_pad(sb, ' ', f->width - n);
	stap_sb_putn(sb, s, n);
	if (f->flags & STAP_F_LEFT)
		stap_sb_pad(sb, ' ', f->width - n);
}

static void stap_out_fmt_str(struct stap_sb *sb, const struct stap_fmt *f,
			     const char *s)
{
	int n = stap_strnlen_counted(s, MAXSTRINGLEN - 1);
	if (f->prec >= 0 && n > f->prec)
		n = f->prec;
	stap_out_padded(sb, f, s, n);
}

/* %c, and %#c: a non-printing character as a C escape or \ooo. */
static void stap_out_char(struct stap_sb *sb, const struct stap_fmt *f,
			  u8 ch)
{
	static const char named[] = "\aa\bb\ff\nn\rr\tt\vv";
	const char *e;
	char esc[4];

	if (!(f->flags & STAP_F_ALT) || (ch >= 0x20 && ch < 0x7f)) {
		stap_out_padded(sb, f, (const char *)&ch, 1);
		return;
	}
	esc[0] = '\\';
	e = ch ? memchr(named, ch, sizeof(named) - 1) : NULL;
	if (e && (e - named) % 2 == 0) {
		esc[1] = e[1];
		stap_out_padded(sb, f, esc, 2);
		return;
	}
	esc[1] = '0' + (ch >> 6);
	esc[2] = '0' + ((ch >> 3) & 7);
	esc[3] = '0' + (ch & 7);
	stap_out_padded(sb, f, esc, 4);
}

/* d i u x X o p: sign or prefix, precision (minimum digits), then the
 * width, padded with spaces or (0 flag, no precision) zeros. */
static void stap_out_fmt_long(struct stap_sb *sb, const struct stap_fmt *f,
			      s64 v)
{
	char digits[24], sign = 0;
	const char *prefix = "", *alphabet = "0123456789abcdef";
	u64 u = (u64)v;
	int base = 10, nd = 0, ndigits, len, prec = f->prec;
	bool zero = (f->flags & STAP_F_ZERO) && !(f->flags & STAP_F_LEFT);

	switch (f->conv) {
	case 'c':
		stap_out_char(sb, f, (u8)v);
		return;
	case 'd': case 'i':
		if (v < 0) {
			sign = '-';
			u = -(u64)v;
		} else if (f->flags & STAP_F_PLUS) {
			sign = '+';
		} else if (f->flags & STAP_F_SPACE) {
			sign = ' ';
		}
		break;
	case 'o':
		base = 8;
		break;
	case 'X':
		alphabet = "0123456789ABCDEF";
		fallthrough;
	case 'x':
		base = 16;
		if ((f->flags & STAP_F_ALT) && u)
			prefix = f->conv == 'X' ? "0X" : "0x";
		break;
	case 'p':	/* upstream's %#x since 1.3: 0x0, 0x1000 */
		base = 16;
		prefix = "0x";
		break;
	default:	/* 'u' */
		break;
	}
	if (prec >= 0)
		zero = false;
	if (u || prec != 0)
		do {
			digits[nd++] = alphabet[u % base];
			u /= base;
		} while (u);
	ndigits = nd > prec ? nd : prec;
	/* #o: the first digit is a 0 */
	if (f->conv == 'o' && (f->flags & STAP_F_ALT) &&
	    (ndigits == 0 || (ndigits == nd && digits[nd - 1] != '0')))
		ndigits++;
	len = ndigits + (sign != 0) + strlen(prefix);
	if (!(f->flags & STAP_F_LEFT) && !zero)
		stap_sb_pad(sb, ' ', f->width - len);
	if (sign)
		stap_sb_putn(sb, &sign, 1);
	stap_sb_putn(sb, prefix, strlen(prefix));
	if (zero)
		stap_sb_pad(sb, '0', f->width - len);
	stap_sb_pad(sb, '0', ndigits - nd);
	while (nd)
		stap_sb_putn(sb, &digits[--nd], 1);
	if (f->flags & STAP_F_LEFT)
		stap_sb_pad(sb, ' ', f->width - len);
}

/* print(long): decimal, as upstream. */
static void stap_out_long(struct stap_sb *sb, s64 v)
{
	static const struct stap_fmt d = { 'd', 0, -1, -1 };
	stap_out_fmt_long(sb, &d, v);
}

/*
 * The value of a `*` width or precision, bounded by STAP_FMT_MAX.  A
 * negative width is the - flag; a negative precision, none.
 */
static void stap_fmt_star(struct context *c, struct stap_fmt *f, s64 v,
			  bool prec, const char *loc)
{
	if (v > STAP_FMT_MAX || (!prec && v < -STAP_FMT_MAX)) {
		stap_errorf(c, loc, "format %s %lld out of range (at most %d)",
			    prec ? "precision" : "width", (long long)v,
			    STAP_FMT_MAX);
		return;
	}
	if (prec) {
		f->prec = v < 0 ? -1 : (int)v;
	} else if (v < 0) {
		f->flags |= STAP_F_LEFT;
		f->width = (int)-v;
	} else {
		f->width = (int)v;
	}
}

/* %b: the low `width` bytes of v, native endian.  The translator checks
 * literal widths; a `*` one is checked here. */
static void stap_out_bin(struct context *c, struct stap_sb *sb,
			 const struct stap_fmt *f, s64 v, const char *loc)
{
	u8 b1 = v;
	u16 b2 = v;
	u32 b4 = v;

	switch (f->width) {
	case 1:
		stap_sb_putn(sb, (const char *)&b1, 1);
		return;
	case 2:
		stap_sb_putn(sb, (const char *)&b2, 2);
		return;
	case 4:
		stap_sb_putn(sb, (const char *)&b4, 4);
		return;
	case -1:
	case 8:
		stap_sb_putn(sb, (const char *)&v, 8);
		return;
	}
	stap_errorf(c, loc, "format '%%b' width %d is not 1, 2, 4 or 8",
		    f->width);
}

/*
 * %m and %M: `prec` bytes (default 1) at addr in kernel memory, or user
 * memory with #, copied without faulting; raw or as lower-case hex,
 * padded to the width.  A fault is a runtime error naming the address.
 */
static void stap_out_mem(struct context *c, struct stap_sb *sb,
			 const struct stap_fmt *f, s64 addr, const char *loc)
{
	static const char hex[] = "0123456789abcdef";
	bool user = f->flags & STAP_F_ALT;
	int n = f->prec < 0 ? 1 : f->prec, per = f->conv == 'M' ? 2 : 1;
	int done = 0, chunk, i;
	u8 buf[64];
	char out[2 * sizeof(buf)];
	long rc;

	if (!(f->flags & STAP_F_LEFT))
		stap_sb_pad(sb, ' ', f->width - n * per);
	for (; done < n; done += chunk) {
		unsigned long at = (unsigned long)addr + done;
		chunk = min_t(int, n - done, sizeof(buf));
		if (user)
			rc = copy_from_user_nofault(buf,
					(const void __user *)at, chunk);
		else
			rc = copy_from_kernel_nofault(buf, (const void *)at,
						      chunk);
		if (rc) {
			stap_errorf(c, loc, "%s read fault "
				    STAP_MAN_HINT("error::fault") " at 0x%016lx",
				    user ? "user" : "kernel", at);
			return;
		}
		if (per == 1) {
			stap_sb_putn(sb, (const char *)buf, chunk);
			continue;
		}
		for (i = 0; i < chunk; i++) {
			out[2 * i] = hex[buf[i] >> 4];
			out[2 * i + 1] = hex[buf[i] & 15];
		}
		stap_sb_putn(sb, out, 2 * chunk);
	}
	if (f->flags & STAP_F_LEFT)
		stap_sb_pad(sb, ' ', f->width - n * per);
}
