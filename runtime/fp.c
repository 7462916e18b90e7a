/*
 * IEEE 754 binary64 arithmetic in integers, for the floating-point
 * tapset (tapsets/floatingpoint.stp): a probe may not touch the FPU, so
 * a script's doubles are their bit patterns in a long and every
 * operation here works on those bits.
 *
 * Results are correctly rounded (round to nearest, ties to even) as the
 * FPU would give them; NaNs follow upstream SystemTap's softfloat: an
 * invalid operation gives the default NaN 0x7ff8000000000000, a NaN
 * operand comes back quieted, a NaN converts to the integer 0 and an
 * out-of-range value saturates.
 *
 * Any context: no FPU, no allocation, every loop bounded by the width
 * of a double (fp_rem's by the exponent range, 2100 steps at most).
 * The file also compiles in user space (with STAP_FP_USER) so that it
 * can be checked against the hardware.
 */

#define STAP_FP_SIGN	0x8000000000000000ULL
#define STAP_FP_QUIET	0x0008000000000000ULL
#define STAP_FP_FRAC	0x000fffffffffffffULL
#define STAP_FP_HIDDEN	0x0010000000000000ULL
#define STAP_FP_INF	0x7ff0000000000000ULL
#define STAP_FP_NAN	0x7ff8000000000000ULL	/* the default NaN */

static inline int stap_fp_exp(u64 a)
{
	return (a >> 52) & 0x7ff;
}

static inline bool stap_fp_isnan(u64 a)
{
	return (a & ~STAP_FP_SIGN) > STAP_FP_INF;
}

static inline bool stap_fp_issnan(u64 a)
{
	return stap_fp_isnan(a) && !(a & STAP_FP_QUIET);
}

/* The NaN an operation on a and b (one of them a NaN) returns. */
static u64 stap_fp_nan2(u64 a, u64 b)
{
	if (stap_fp_issnan(a))
		return a | STAP_FP_QUIET;
	if (stap_fp_issnan(b))
		return b | STAP_FP_QUIET;
	return stap_fp_isnan(a) ? a : b;
}

/* Shifts right by n, keeping any bit shifted out in bit 0 (sticky). */
static inline u64 stap_fp_shr_jam(u64 v, int n)
{
	if (n <= 0)
		return v;
	if (n >= 64)
		return v != 0;
	return (v >> n) | ((v << (64 - n)) != 0);
}

static inline int stap_fp_clz(u64 v)
{
	return v ? __builtin_clzll(v) : 64;
}

/*
 * The double nearest sign * sig * 2^(exp - 1085): sig has its leading
 * one at bit 62 or below (bit 62 is the hidden bit of a normal result at
 * exponent exp; the 10 bits under the fraction are for rounding).  This
 * is where every arithmetic result is rounded, to nearest even.
 */
static u64 stap_fp_round_pack(bool sign, int exp, u64 sig)
{
	u64 s = sign ? STAP_FP_SIGN : 0;
	u64 round;

	if (!sig)
		return s;
	/* normalize so that the leading one is at bit 62 */
	{
		int shift = stap_fp_clz(sig) - 1;
		sig <<= shift;
		exp -= shift;
	}
	if (exp <= 0) {		/* subnormal, or rounds up into the
				 * smallest normal */
		sig = stap_fp_shr_jam(sig, 1 - exp);
		exp = 0;
	}
	round = sig & 0x3ff;
	sig >>= 10;
	if (round > 0x200 || (round == 0x200 && (sig & 1)))
		sig++;
	/* sig now holds the hidden bit at 52 (normal) or not (subnormal);
	 * a carry into bit 53 moves the exponent up by one, and a subnormal
	 * that rounded up to 2^52 becomes the smallest normal. */
	if (exp == 0)
		return s | sig;	/* bit 52 set means exponent 1: same bits */
	if (sig >> 53) {
		sig >>= 1;
		exp++;
	}
	if (exp >= 0x7ff)
		return s | STAP_FP_INF;
	return s | ((u64)exp << 52) | (sig & STAP_FP_FRAC);
}

/* Moves a subnormal's significand up to the hidden bit (52). */
static inline void stap_fp_norm(u64 *m, int *exp)
{
	int shift = stap_fp_clz(*m) - 11;

	*m <<= shift;
	*exp -= shift;
}

/* a's significand with the hidden bit, and its exponent as if normal
 * (a subnormal's exponent is 1).  a is finite and not zero. */
static inline u64 stap_fp_sig(u64 a, int *exp)
{
	int e = stap_fp_exp(a);

	*exp = e ? e : 1;
	return (a & STAP_FP_FRAC) | (e ? STAP_FP_HIDDEN : 0);
}

/* a + b for finite or infinite a and b; NaNs handled by the caller. */
static u64 stap_fp_addsub(u64 a, u64 b)
{
	bool sa = a >> 63, sb = b >> 63;
	int ea, eb;
	u64 ma, mb;

	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return stap_fp_nan2(a, b);
	if (stap_fp_exp(a) == 0x7ff) {
		if (stap_fp_exp(b) == 0x7ff && sa != sb)
			return STAP_FP_NAN;	/* inf - inf */
		return a;
	}
	if (stap_fp_exp(b) == 0x7ff)
		return b;
	if (!(a << 1) && !(b << 1))	/* zeros: -0 only for -0 + -0 */
		return sa && sb ? STAP_FP_SIGN : 0;
	if (!(a << 1))
		return b;
	if (!(b << 1))
		return a;
	ma = stap_fp_sig(a, &ea) << 9;	/* hidden bit at 61: room to carry */
	mb = stap_fp_sig(b, &eb) << 9;
	if (ea < eb || (ea == eb && ma < mb)) {
		u64 t = ma; int te = ea; bool ts = sa;
		ma = mb; ea = eb; sa = sb;
		mb = t; eb = te; sb = ts;
	}
	mb = stap_fp_shr_jam(mb, ea - eb);
	if (sa == sb)
		ma += mb;
	else
		ma -= mb;
	if (!ma)
		return 0;	/* x - x is +0 when rounding to nearest */
	/* ma's hidden bit is at 61 for exponent ea: bit 62 is one more */
	return stap_fp_round_pack(sa, ea + 1, ma);
}

static u64 stap_fp_add(u64 a, u64 b)
{
	return stap_fp_addsub(a, b);
}

static u64 stap_fp_sub(u64 a, u64 b)
{
	if (stap_fp_isnan(b))
		return stap_fp_nan2(a, b);
	return stap_fp_addsub(a, b ^ STAP_FP_SIGN);
}

static u64 stap_fp_mul(u64 a, u64 b)
{
	bool sign = (a ^ b) >> 63;
	int ea, eb;
	u64 ma, mb, hi, lo;
	unsigned __int128 p;

	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return stap_fp_nan2(a, b);
	if (stap_fp_exp(a) == 0x7ff || stap_fp_exp(b) == 0x7ff) {
		if (!(a << 1) || !(b << 1))
			return STAP_FP_NAN;	/* 0 * inf */
		return (sign ? STAP_FP_SIGN : 0) | STAP_FP_INF;
	}
	if (!(a << 1) || !(b << 1))
		return sign ? STAP_FP_SIGN : 0;
	ma = stap_fp_sig(a, &ea);
	mb = stap_fp_sig(b, &eb);
	stap_fp_norm(&ma, &ea);
	stap_fp_norm(&mb, &eb);
	/* ma * mb is in [2^104, 2^106): keep its bits from 43 up (the
	 * leading one lands at bit 61 or 62), the rest sticky */
	p = (unsigned __int128)ma * mb;
	hi = p >> 64;
	lo = (u64)p;
	return stap_fp_round_pack(sign, ea + eb - 1022,
				  (hi << 21) | (lo >> 43) | ((lo << 21) != 0));
}

static u64 stap_fp_div(u64 a, u64 b)
{
	bool sign = (a ^ b) >> 63;
	int ea, eb, i;
	u64 ma, mb, q = 0;

	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return stap_fp_nan2(a, b);
	if (stap_fp_exp(a) == 0x7ff) {
		if (stap_fp_exp(b) == 0x7ff)
			return STAP_FP_NAN;	/* inf / inf */
		return (sign ? STAP_FP_SIGN : 0) | STAP_FP_INF;
	}
	if (stap_fp_exp(b) == 0x7ff)
		return sign ? STAP_FP_SIGN : 0;
	if (!(b << 1)) {
		if (!(a << 1))
			return STAP_FP_NAN;	/* 0 / 0 */
		return (sign ? STAP_FP_SIGN : 0) | STAP_FP_INF;
	}
	if (!(a << 1))
		return sign ? STAP_FP_SIGN : 0;
	ma = stap_fp_sig(a, &ea);
	mb = stap_fp_sig(b, &eb);
	stap_fp_norm(&ma, &ea);
	stap_fp_norm(&mb, &eb);
	/* 63 quotient bits of ma / mb by long division, the remainder
	 * sticky: q has its leading one at bit 62 (ma >= mb) or 61 */
	for (i = 0; i < 63; i++) {
		q <<= 1;
		if (ma >= mb) {
			ma -= mb;
			q |= 1;
		}
		ma <<= 1;
	}
	q |= ma != 0;
	return stap_fp_round_pack(sign, ea - eb + 1022 + 1, q);
}

/* The square root, correctly rounded; -0 for -0, NaN below zero. */
static u64 stap_fp_sqrt(u64 a)
{
	int e;
	u64 m;
	unsigned __int128 rem, root = 0, bit;

	if (stap_fp_isnan(a))
		return stap_fp_nan2(a, a);
	if (!(a << 1))
		return a;
	if (a >> 63)
		return STAP_FP_NAN;
	if (a == STAP_FP_INF)
		return a;
	m = stap_fp_sig(a, &e);
	stap_fp_norm(&m, &e);	/* a = m * 2^(e - 1075), m in [2^52, 2^53) */
	e -= 1075;
	if (e & 1) {		/* make the exponent even */
		m <<= 1;
		e--;
	}
	/* integer square root of m * 2^72, 62 or 63 bits, bit by bit */
	rem = (unsigned __int128)m << 72;
	bit = (unsigned __int128)1 << 124;
	while (bit > rem)
		bit >>= 2;
	while (bit) {
		if (rem >= root + bit) {
			rem -= root + bit;
			root = (root >> 1) + bit;
		} else {
			root >>= 1;
		}
		bit >>= 2;
	}
	/* sqrt(a) = root * 2^((e - 72) / 2), inexact when rem != 0 */
	return stap_fp_round_pack(false, (e - 72) / 2 + 1085,
				  (u64)root | (rem != 0));
}

/*
 * IEEE remainder: a - n * b with n the quotient rounded to nearest
 * even; exact.  Long division one bit per step over the exponent
 * difference (at most about 2100 steps).
 */
static u64 stap_fp_rem(u64 a, u64 b)
{
	bool sign = a >> 63;
	int ea, eb, i, d;
	u64 ma, mb, q = 0;

	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return stap_fp_nan2(a, b);
	if (stap_fp_exp(a) == 0x7ff || !(b << 1))
		return STAP_FP_NAN;
	if (stap_fp_exp(b) == 0x7ff || !(a << 1))
		return a;
	ma = stap_fp_sig(a, &ea);
	mb = stap_fp_sig(b, &eb);
	stap_fp_norm(&ma, &ea);
	stap_fp_norm(&mb, &eb);
	d = ea - eb;
	if (d < -1)
		return a;	/* |a| < |b| / 2 */
	if (d == -1) {		/* count in halves of b's unit instead */
		mb <<= 1;
		eb--;
		d = 0;
	}
	/* ma = ma mod mb, tracking the last quotient bit, for d + 1 steps */
	for (i = 0; i <= d; i++) {
		q = (q << 1) & 3;
		if (ma >= mb) {
			ma -= mb;
			q |= 1;
		}
		if (i < d)
			ma <<= 1;
	}
	/* the remainder r = ma * 2^(eb - 1075), 0 <= r < |b|; round the
	 * quotient: take r - |b| when r > |b| / 2, or = and q is odd */
	if (2 * ma > mb || (2 * ma == mb && (q & 1))) {
		ma = mb - ma;
		sign = !sign;
	}
	if (!ma)
		return sign ? STAP_FP_SIGN : 0;
	return stap_fp_round_pack(sign, eb + 10, ma);
}

/* Ordered comparisons: false with a NaN; -0 equals +0. */
static bool stap_fp_eq(u64 a, u64 b)
{
	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return false;
	return a == b || !((a | b) << 1);
}

static bool stap_fp_lt(u64 a, u64 b)
{
	bool sa = a >> 63, sb = b >> 63;

	if (stap_fp_isnan(a) || stap_fp_isnan(b))
		return false;
	if (sa != sb)
		return sa && ((a | b) << 1) != 0;
	return a != b && (sa ^ (a < b));
}

static bool stap_fp_le(u64 a, u64 b)
{
	return stap_fp_lt(a, b) || stap_fp_eq(a, b);
}

static u64 stap_fp_from_long(s64 v)
{
	bool sign = v < 0;
	u64 m = sign ? -(u64)v : (u64)v;

	/* bit 62 of the packed significand is 2^62 at exponent 1085 */
	if (m >> 63)
		return stap_fp_round_pack(sign, 1086, stap_fp_shr_jam(m, 1));
	return stap_fp_round_pack(sign, 1085, m);
}

/* Rounding modes for stap_fp_to_long, numbered as upstream's. */
enum { STAP_FP_NEAR_EVEN, STAP_FP_MINMAG, STAP_FP_MIN, STAP_FP_MAX,
	STAP_FP_NEAR_MAXMAG, STAP_FP_ODD = 6 };

/* a as an integer in the given rounding mode; NaN is 0, out of range
 * saturates. */
static s64 stap_fp_to_long(u64 a, int mode)
{
	bool sign = a >> 63, up = false;
	int e = stap_fp_exp(a), shift;
	u64 m, ip, frac, half;

	if (stap_fp_isnan(a))
		return 0;
	if (e == 0x7ff || e >= 1023 + 63)	/* |a| >= 2^63 */
		return sign ? S64_MIN : S64_MAX;
	m = (a & STAP_FP_FRAC) | (e ? STAP_FP_HIDDEN : 0);
	shift = 1075 - (e ? e : 1);	/* value = m >> shift */
	if (shift <= 0) {
		ip = m << -shift;
		frac = 0;
		half = 1;
	} else if (shift >= 64) {
		ip = 0;
		frac = m != 0;	/* below a half: only its presence counts */
		half = 2;
	} else {
		ip = m >> shift;
		frac = m & ((1ULL << shift) - 1);
		half = 1ULL << (shift - 1);
	}
	if (frac) {
		switch (mode) {
		case STAP_FP_MINMAG:
			break;
		case STAP_FP_MIN:
			up = sign;
			break;
		case STAP_FP_MAX:
			up = !sign;
			break;
		case STAP_FP_NEAR_MAXMAG:
			up = frac >= half;
			break;
		case STAP_FP_ODD:
			ip |= 1;
			break;
		default:
			up = frac > half || (frac == half && (ip & 1));
			break;
		}
	}
	if (up)
		ip++;
	if (sign)
		return ip >= (1ULL << 63) ? S64_MIN : -(s64)ip;
	return ip >= (1ULL << 63) ? S64_MAX : (s64)ip;
}

/* A binary32 bit pattern widened to binary64 (exact). */
static u64 stap_fp_from_fp32(u32 f)
{
	u64 s = (u64)(f >> 31) << 63;
	int e = (f >> 23) & 0xff;
	u64 m = f & 0x7fffff;

	if (e == 0xff)
		return s | STAP_FP_INF | (m ? STAP_FP_QUIET | m << 29 : 0);
	if (!e) {
		if (!m)
			return s;
		/* subnormal: value = m * 2^-149 */
		return stap_fp_round_pack(s != 0, 1085 - 149, m);
	}
	return s | (u64)(e - 127 + 1023) << 52 | m << 29;
}

/*
 * Decimal text.  A double is m * 2^e exactly, so its decimal expansion
 * is finite: a big integer for the integer part, and for the fraction
 * a big numerator over 2^k whose digits come out one per multiplication
 * by 10.  1100 bits cover both (2^1024, and 2^1074 times 10).
 */
#define STAP_FP_WORDS 36

struct stap_fp_big {
	u32 w[STAP_FP_WORDS];	/* little-endian words */
};

/* n = n * mul + add; mul, add < 2^32. */
static void stap_fp_big_muladd(struct stap_fp_big *n, u32 mul, u32 add)
{
	u64 carry = add;
	int i;

	for (i = 0; i < STAP_FP_WORDS; i++) {
		carry += (u64)n->w[i] * mul;
		n->w[i] = (u32)carry;
		carry >>= 32;
	}
}

/* n = n / div, returning the remainder. */
static u32 stap_fp_big_divmod(struct stap_fp_big *n, u32 div)
{
	u64 rem = 0;
	int i;

	for (i = STAP_FP_WORDS - 1; i >= 0; i--) {
		rem = (rem << 32) | n->w[i];
		n->w[i] = (u32)(rem / div);
		rem %= div;
	}
	return (u32)rem;
}

static bool stap_fp_big_zero(const struct stap_fp_big *n)
{
	int i;

	for (i = 0; i < STAP_FP_WORDS; i++)
		if (n->w[i])
			return false;
	return true;
}

/* Sets n to v << shift (shift + 64 < 32 * STAP_FP_WORDS). */
static void stap_fp_big_set(struct stap_fp_big *n, u64 v, int shift)
{
	int w = shift / 32, b = shift % 32;

	memset(n, 0, sizeof(*n));
	if (!b) {
		n->w[w] = (u32)v;
		n->w[w + 1] = (u32)(v >> 32);
		return;
	}
	n->w[w] = (u32)(v << b);
	n->w[w + 1] = (u32)(v >> (32 - b));
	n->w[w + 2] = (u32)(v >> (64 - b));
}

/* The bits of n from bit k up, which it clears (they are < 16). */
static u32 stap_fp_big_take(struct stap_fp_big *n, int k)
{
	int w = k / 32, b = k % 32;
	u64 pair = n->w[w] | ((u64)n->w[w + 1] << 32);
	u32 top = (u32)(pair >> b);

	n->w[w] &= (u32)((1ULL << b) - 1);
	n->w[w + 1] = 0;
	return top;
}

static bool stap_fp_big_bit(const struct stap_fp_big *n, int k)
{
	return (n->w[k / 32] >> (k % 32)) & 1;
}

/*
 * a as decimal text with prec digits after the point (at least one, as
 * upstream prints), rounded half away from zero, into out (size bytes,
 * truncated if longer).  nan, inf and -inf for those.
 */
static void stap_fp_to_str(char *out, size_t size, u64 a, s64 prec)
{
	struct stap_fp_big n;
	char ibuf[10 * ((1100 + 28) / 29)];	/* 9 digits per 2^29.9 */
	size_t len = 0, ilen = 0, i, first;
	int e = stap_fp_exp(a), sh;
	u64 m = (a & STAP_FP_FRAC) | (e ? STAP_FP_HIDDEN : 0);
	s64 d;

	if (size < 2)
		goto done;
	if (stap_fp_isnan(a) || e == 0x7ff) {
		strscpy(out, stap_fp_isnan(a) ? "nan" :
			(a >> 63) ? "-inf" : "inf", size);
		return;
	}
	if (prec < 1)
		prec = 1;
	if (prec > (s64)size)
		prec = size;
	if (a >> 63)
		out[len++] = '-';
	first = len;
	sh = 1075 - (e ? e : 1);	/* a = m >> sh */
	/* the integer part, least significant digits first into ibuf */
	if (sh <= 0)
		stap_fp_big_set(&n, m, -sh);
	else
		stap_fp_big_set(&n, sh < 64 ? m >> sh : 0, 0);
	do {
		u32 chunk = stap_fp_big_divmod(&n, 1000000000);
		bool last = stap_fp_big_zero(&n);
		for (i = 0; i < 9 && (chunk || !last || i == 0); i++) {
			ibuf[ilen++] = '0' + chunk % 10;
			chunk /= 10;
		}
	} while (!stap_fp_big_zero(&n));
	while (ilen && len < size - 1)
		out[len++] = ibuf[--ilen];
	if (len < size - 1)
		out[len++] = '.';
	/* the fraction: m's low sh bits over 2^sh */
	if (sh > 0)
		stap_fp_big_set(&n, sh < 64 ? m & ((1ULL << sh) - 1) : m, 0);
	else
		memset(&n, 0, sizeof(n));
	for (d = 0; d < prec && len < size - 1; d++) {
		if (sh <= 0) {
			out[len++] = '0';
			continue;
		}
		stap_fp_big_muladd(&n, 10, 0);
		out[len++] = '0' + stap_fp_big_take(&n, sh);
	}
	/* round half up on what is left: carry through the digits */
	if (sh > 0 && d == prec && stap_fp_big_bit(&n, sh - 1)) {
		for (i = len; i-- > first;) {
			if (out[i] == '.')
				continue;
			if (out[i] != '9') {
				out[i]++;
				break;
			}
			out[i] = '0';
		}
		if (i == (size_t)-1 || i < first) {	/* 99.9 -> 100.0 */
			if (len == size - 1)
				len--;
			memmove(out + first + 1, out + first, len - first);
			out[first] = '1';
			len++;
		}
	}
done:
	out[len] = '\0';
}

/*
 * The double a decimal string (sign, digits, a point, digits, an
 * exponent) stands for, computed as upstream does: the digits
 * accumulated as value * 10 + digit, divided by ten to the power of the
 * fraction digits and the exponent, each step rounded.  The default
 * NaN when the text is not a number.  The exponent steps stop once the
 * divisor has overflowed or vanished: no later step changes it.
 */
static u64 stap_fp_from_str(const char *s)
{
	const u64 ten = 0x4024000000000000ULL, one = 0x3ff0000000000000ULL;
	u64 value = 0, power = one;
	bool neg = *s == '-';
	s64 exp = 0;
	bool eneg;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		value = stap_fp_add(stap_fp_mul(value, ten),
				    stap_fp_from_long(*s - '0'));
	if (*s == '.')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		value = stap_fp_add(stap_fp_mul(value, ten),
				    stap_fp_from_long(*s - '0'));
		power = stap_fp_mul(power, ten);
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		eneg = *s == '-';
		if (*s == '-' || *s == '+')
			s++;
		for (; *s >= '0' && *s <= '9'; s++)
			if (exp < 100000)
				exp = exp * 10 + (*s - '0');
		for (; exp > 0; exp--) {
			if (!(power << 1) || stap_fp_exp(power) == 0x7ff)
				break;
			power = eneg ? stap_fp_mul(power, ten)
				     : stap_fp_div(power, ten);
		}
	}
	if (*s)
		return STAP_FP_NAN;
	return stap_fp_mul(neg ? one | STAP_FP_SIGN : one,
			   stap_fp_div(value, power));
}
