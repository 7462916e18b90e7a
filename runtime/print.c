/*
 * Formatted output for print/printf/sprintf.  The translator parses a
 * format string at compile time into literal pieces and conversions;
 * here each conversion is rendered into a `struct stap_sb`, which is
 * either the context's print buffer (flushed to the data channel when
 * full and at the end of the probe) or a sprintf result (truncated at
 * MAXSTRINGLEN).  Any context; nothing here sleeps or allocates.
 */

/* Conversion flags, as in printf(3). */
enum { STAP_F_LEFT = 1, STAP_F_PLUS = 2, STAP_F_SPACE = 4, STAP_F_ALT = 8,
	STAP_F_ZERO = 16 };

/* One parsed conversion: %[flags][width][.prec]conv */
struct stap_fmt {
	char conv;		/* d i u x X o s c p */
	u8 flags;		/* STAP_F_* */
	int width;		/* -1: none */
	int prec;		/* -1: none */
};

/* A bounded output buffer.  flush != NULL makes it a print buffer that
 * drains into the data channel instead of truncating. */
struct stap_sb {
	char *buf;
	u32 len, cap;
	void (*flush)(struct stap_sb *sb);
};

static void stap_sb_putn(struct stap_sb *sb, const char *s, size_t n)
{
	while (n) {
		size_t room = sb->cap - sb->len;
		if (!room) {
			if (!sb->flush)
				return;		/* sprintf: truncate */
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
	while (n-- > 0)
		stap_sb_putn(sb, &c, 1);
}

/* The sprintf flavour keeps a terminating NUL inside cap. */
static void stap_sb_init_str(struct stap_sb *sb, char *buf)
{
	sb->buf = buf;
	sb->len = 0;
	sb->cap = MAXSTRINGLEN - 1;
	sb->flush = NULL;
}

static char *stap_sb_str(struct stap_sb *sb)
{
	sb->buf[sb->len] = '\0';
	return sb->buf;
}

static void stap_out_lit(struct stap_sb *sb, const char *s, size_t n)
{
	stap_sb_putn(sb, s, n);
}

static void stap_out_str(struct stap_sb *sb, const char *s)
{
	stap_sb_putn(sb, s, strnlen(s, MAXSTRINGLEN));
}

static void stap_out_fmt_str(struct stap_sb *sb, const struct stap_fmt *f,
			     const char *s)
{
	int n = strnlen(s, MAXSTRINGLEN);
	if (f->prec >= 0 && n > f->prec)
		n = f->prec;
	if (!(f->flags & STAP_F_LEFT))
		stap_sb_pad(sb, ' ', f->width - n);
	stap_sb_putn(sb, s, n);
	if (f->flags & STAP_F_LEFT)
		stap_sb_pad(sb, ' ', f->width - n);
}

/* Renders v in base with sign, prefix, precision and padding. */
static void stap_out_fmt_long(struct stap_sb *sb, const struct stap_fmt *f,
			      s64 v)
{
	char digits[66], sign = 0;
	const char *prefix = "", *alphabet = "0123456789abcdef";
	u64 u = (u64)v;
	int base = 10, nd = 0, ndigits, len;

	switch (f->conv) {
	case 'c': {
		char ch = (char)v;
		struct stap_fmt s = *f;
		s.prec = -1;
		if (!(s.flags & STAP_F_LEFT))
			stap_sb_pad(sb, ' ', s.width - 1);
		stap_sb_putn(sb, &ch, 1);
		if (s.flags & STAP_F_LEFT)
			stap_sb_pad(sb, ' ', s.width - 1);
		return;
	}
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
		if (f->flags & STAP_F_ALT)
			prefix = "0";
		break;
	case 'X':
		alphabet = "0123456789ABCDEF";
		fallthrough;
	case 'x':
		base = 16;
		if ((f->flags & STAP_F_ALT) && u)
			prefix = f->conv == 'X' ? "0X" : "0x";
		break;
	case 'p':
		base = 16;
		prefix = "0x";
		break;
	default:	/* 'u' */
		break;
	}
	do {
		digits[nd++] = alphabet[u % base];
		u /= base;
	} while (u);
	if (f->conv == 'o' && *prefix && digits[nd - 1] == '0')
		prefix = "";
	ndigits = nd;
	if (f->prec > ndigits)
		ndigits = f->prec;
	if (f->conv == 'p' && ndigits < 16)
		ndigits = 16;
	len = ndigits + (sign != 0) + strlen(prefix);
	if (!(f->flags & (STAP_F_LEFT | STAP_F_ZERO)) || f->prec >= 0)
		if (!(f->flags & STAP_F_LEFT))
			stap_sb_pad(sb, ' ', f->width - len);
	if (sign)
		stap_sb_putn(sb, &sign, 1);
	stap_sb_putn(sb, prefix, strlen(prefix));
	if ((f->flags & STAP_F_ZERO) && !(f->flags & STAP_F_LEFT) &&
	    f->prec < 0)
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
