/*
 * Histograms of statistics: which bucket a sample falls in, reading a
 * bucket (@hist_log(s)[i]), and printing the "value |---- count" table
 * that print(@hist_log(s)) writes.
 *
 * A log histogram has 128 buckets: bucket 64 holds 0, bucket 64 + k
 * holds [2^(k-1), 2^k), bucket 64 - k holds (-2^k, -2^(k-1)].  A linear
 * one @hist_linear(s, start, stop, interval) has bucket 0 for samples
 * below start, buckets 1..n for [start + (i-1)*interval, +interval) and
 * a last bucket for samples past them.  Bucket numbers are what the
 * script's [] and foreach see.
 *
 * The table format is upstream's, row for row: values right-aligned in
 * a column at least as wide as "value", bars of '@' scaled so that the
 * largest count fits HIST_WIDTH columns, counts right-aligned after
 * the bars, up to HIST_ELISION zero rows kept on each side of the data
 * and longer runs of zero rows shown as one "~" row, and a blank line
 * after the table.
 *
 * Any context; nothing here sleeps or allocates.
 */

static u32 stap_hist_log_bucket(s64 v)
{
	u64 mag;
	u32 b;

	if (v == 0)
		return STAP_HIST_LOG_BUCKET0;
	mag = v < 0 ? -(u64)v : (u64)v;
	b = STAP_HIST_LOG_BUCKET0 + fls64(mag);	/* 1 -> 65, 2..3 -> 66 */
	if (v < 0)
		b = STAP_HIST_LOG_BUCKETS - b;		/* -1 -> 63 */
	return b;
}

/* The value a log bucket is labelled with. */
static s64 stap_hist_log_value(u32 b)
{
	if (b == STAP_HIST_LOG_BUCKET0)
		return 0;
	if (b < STAP_HIST_LOG_BUCKET0)
		return S64_MIN >> b;			/* 0 -> -2^63, 63 -> -1 */
	return (s64)(1ULL << (b - STAP_HIST_LOG_BUCKET0 - 1));
}

static u32 stap_hist_linear_bucket(const struct stap_stat_shape *sh, s64 v)
{
	const struct stap_stat_desc *d = sh->desc;
	u64 b;

	if (v < d->start)
		return 0;
	b = ((u64)v - (u64)d->start) / (u64)d->interval + 1;
	if (b >= sh->nbuckets - 1)
		b = sh->nbuckets - 1;
	return b;
}

/* The bucket v counts in, < sh->nbuckets; only for shapes with one. */
static u32 stap_hist_bucket_of(const struct stap_stat_shape *sh, s64 v)
{
	if (sh->desc->hist == STAP_HIST_LOG)
		return stap_hist_log_bucket(v);
	return stap_hist_linear_bucket(sh, v);
}

/* Buckets foreach (b in @hist_*(s)) visits: b = 0 .. n-1. */
static u32 stap_hist_nbuckets(const struct stap_stat_shape *sh)
{
	return sh->nbuckets;
}

/* @hist_*(s)[i].  Errors: an empty s, an i out of range. */
static s64 stap_hist_bucket(struct context *c,
			    const struct stap_stat_shape *sh,
			    const struct stap_stat_data *d, s64 i,
			    const char *loc)
{
	if (!d || d->count == 0) {
		stap_error(c, "empty aggregate", loc);
		return 0;
	}
	if (i < 0 || i >= sh->nbuckets) {
		stap_error(c, "histogram index out of range", loc);
		return 0;
	}
	return d->hist[i];
}

/* Characters %lld takes for v. */
static int stap_hist_digits(s64 v)
{
	u64 u = v < 0 ? -(u64)v : (u64)v;
	int n = v < 0 ? 1 : 0;

	do {
		n++;
		u /= 10;
	} while (u);
	return n;
}

static void stap_hist_put_long(struct stap_sb *sb, s64 v)
{
	char digits[24];
	u64 u = v < 0 ? -(u64)v : (u64)v;
	int n = sizeof(digits);

	do {
		digits[--n] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		digits[--n] = '-';
	stap_sb_putn(sb, digits + n, sizeof(digits) - n);
}

/* The label of row i of a table, with its "<" or ">" for the linear
 * out-of-range rows. */
static s64 stap_hist_row_value(const struct stap_stat_shape *sh, u32 i,
			       const char **prefix)
{
	const struct stap_stat_desc *d = sh->desc;

	*prefix = "";
	if (d->hist == STAP_HIST_LOG)
		return stap_hist_log_value(i);
	if (i == 0) {
		*prefix = "<";
		return d->start;
	}
	if (i == sh->nbuckets - 1) {
		*prefix = ">";
		return d->start + (s64)(i - 2) * d->interval;
	}
	return d->start + (s64)(i - 1) * d->interval;
}

/* True when row i and its HIST_ELISION neighbours within [lo, hi] are
 * all zero: the row is folded into a "~". */
static bool stap_hist_elide(const struct stap_stat_shape *sh,
			    const struct stap_stat_data *d, u32 i, u32 lo,
			    u32 hi)
{
	long e = HIST_ELISION;
	u32 k, from, to;

	if (e < 0)
		return false;
	if (e > sh->nbuckets)
		e = sh->nbuckets;
	from = i >= lo + e ? i - e : lo;
	to = i + e <= hi ? i + e : hi;
	for (k = from; k <= to; k++)
		if (d->hist[k])
			return false;
	return true;
}

/*
 * print(@hist_log(s)) / print(@hist_linear(s, ...)): writes the table
 * into sb.  Errors: an empty s, or a shape without a histogram.
 */
static void stap_hist_print(struct context *c, struct stap_sb *sb,
			    const struct stap_stat_shape *sh,
			    const struct stap_stat_data *d, const char *loc)
{
	bool linear = sh->desc->hist == STAP_HIST_LINEAR;
	u32 i, lo = 0, hi = 0, last = sh->nbuckets - 1;
	bool found = false, under = false, over = false, eliding = false;
	s64 valmax = 0, scale = 1;
	int width, cnt_width, n;

	if (!d || d->count == 0) {
		stap_error(c, "empty aggregate", loc);
		return;
	}
	if (sh->desc->hist == STAP_HIST_NONE || !sh->nbuckets) {
		stap_error(c, "no histogram to print", loc);
		return;
	}

	/* The rows with data, and the largest count for scaling. */
	for (i = 0; i <= last; i++) {
		if (d->hist[i] <= 0)
			continue;
		if (!found)
			lo = i;
		found = true;
		hi = i;
		if (d->hist[i] > valmax)
			valmax = d->hist[i];
	}
	if (!found) {		/* counts without buckets: cleared under us */
		stap_error(c, "empty aggregate", loc);
		return;
	}

	/* Two zero rows of margin; a log table only goes below 0 when
	 * there are negative samples, a linear one shows its out-of-range
	 * rows only when they count something. */
	for (n = 0; n < 2; n++) {
		if (lo > 0 && (linear || lo != STAP_HIST_LOG_BUCKET0))
			lo--;
		if (hi < last)
			hi++;
	}
	if (linear) {
		if (lo == 0 && d->hist[0] == 0)
			lo++;
		if (hi == last && d->hist[last] == 0)
			hi--;
		under = lo == 0;
		over = hi == last;
	}

	if (valmax > HIST_WIDTH)
		scale = div64_s64(valmax + HIST_WIDTH - 1, HIST_WIDTH);
	cnt_width = stap_hist_digits(valmax);
	if (linear) {
		const struct stap_stat_desc *sd = sh->desc;
		width = max(stap_hist_digits(sd->start) + under,
			    stap_hist_digits(sd->start +
					     sd->interval * (s64)hi) + over);
	} else {
		width = max(stap_hist_digits(stap_hist_log_value(hi)),
			    stap_hist_digits(stap_hist_log_value(lo)));
	}
	width = max(width, 5);	/* "value" */

	stap_sb_pad(sb, ' ', width - 5);
	stap_sb_putn(sb, "value |", 7);
	stap_sb_pad(sb, '-', HIST_WIDTH);
	stap_sb_putn(sb, " count\n", 7);

	for (i = lo; i <= hi; i++) {
		const char *prefix;
		s64 val, bar;

		if (stap_hist_elide(sh, d, i, lo, hi)) {
			eliding = true;
			continue;
		}
		if (eliding) {
			stap_sb_pad(sb, ' ', width);
			stap_sb_putn(sb, " ~\n", 3);
			eliding = false;
		}
		val = stap_hist_row_value(sh, i, &prefix);
		stap_sb_pad(sb, ' ', width - stap_hist_digits(val) -
			    (int)strlen(prefix));
		stap_sb_putn(sb, prefix, strlen(prefix));
		stap_hist_put_long(sb, val);
		stap_sb_putn(sb, " |", 2);
		bar = div64_s64(d->hist[i], scale);
		stap_sb_pad(sb, '@', bar);
		stap_sb_pad(sb, ' ', HIST_WIDTH - bar + 1 + cnt_width -
			    stap_hist_digits(d->hist[i]));
		stap_hist_put_long(sb, d->hist[i]);
		stap_sb_putn(sb, "\n", 1);
	}
	stap_sb_putn(sb, "\n", 1);
}
