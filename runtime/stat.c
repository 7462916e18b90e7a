/*
 * Statistics: `s <<< v`, and @count @sum @min @max @avg @variance.
 *
 * Each CPU keeps its own partial aggregate (struct stap_stat_data, with
 * its histogram buckets), so <<< touches only its CPU's cache lines and
 * takes only its CPU's lock, which nothing but a reader merging that
 * CPU ever contends.  Reading merges every CPU's partial aggregate into
 * one, as upstream does: sums and counts add up, and the variances
 * combine by the total-variance formula
 *
 *   variance_s = (sum_i count_i * (avg_i - avg)^2
 *                 + sum_i (count_i - 1) * variance_i) / (count - 1)
 *
 * over integers scaled by 2^bit_shift, then shifted back down by
 * 2 * bit_shift.  Each CPU's avg_i and variance_i come from Welford's
 * online algorithm in the same integer arithmetic; with bit_shift 0 the
 * rounding is coarse (1..5 gives 12, as `man stap` shows) and that is
 * what scripts written for upstream print.
 *
 * Readers run under the global's lock (the translator's), so the merge
 * buffer is the global's own.  The per-CPU locks are raw spinlocks held
 * for a bounded time; a probe never nests inside another on one CPU
 * (the context's busy flag), so they cannot deadlock.
 *
 * Functions on one stap_stat_data are also used by map.c for the
 * values of statistics arrays.
 */

/* Sets up sh from desc.  -EINVAL for a histogram pass 2 should have
 * refused.  Any context. */
static int stap_stat_shape_init(struct stap_stat_shape *sh,
				const struct stap_stat_desc *desc)
{
	s64 n = 0;

	sh->desc = desc;
	switch (desc->hist) {
	case STAP_HIST_NONE:
		break;
	case STAP_HIST_LOG:
		n = STAP_HIST_LOG_BUCKETS;
		break;
	case STAP_HIST_LINEAR:
		if (desc->interval <= 0 || desc->stop < desc->start)
			return -EINVAL;
		n = div64_s64(desc->stop - desc->start, desc->interval) + 3;
		if (n > STAP_HIST_MAX_BUCKETS)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (desc->bit_shift > 62)
		return -EINVAL;
	sh->nbuckets = n;
	sh->size = sizeof(struct stap_stat_data) + n * sizeof(s64);
	return 0;
}

static void stap_stat_data_clear(const struct stap_stat_shape *sh,
				 struct stap_stat_data *d)
{
	memset(d, 0, sh->size);
}

/* One sample into one partial aggregate.  Any context; the caller
 * owns d (its CPU's lock, or the global's). */
static void stap_stat_data_add(const struct stap_stat_shape *sh,
			       struct stap_stat_data *d, s64 v)
{
	const struct stap_stat_desc *desc = sh->desc;
	s64 vs = (s64)((u64)v << desc->bit_shift);

	if (d->count == 0) {
		d->count = 1;
		d->sum = d->min = d->max = v;
		d->avg_s = vs;
		d->m2 = 0;
	} else {
		d->count++;
		d->sum += v;
		if (v > d->max)
			d->max = v;
		if (v < d->min)
			d->min = v;
		if (desc->variance) {
			/* Upstream keeps this difference in an int;
			 * so do we, for the same results. */
			s32 delta = (s32)(vs - d->avg_s);

			d->avg_s += div64_s64(delta, d->count);
			d->m2 += (s64)delta * (vs - d->avg_s);
			d->variance_s = div64_s64(d->m2, d->count - 1);
		}
	}
	if (sh->nbuckets)
		d->hist[stap_hist_bucket_of(sh, v)]++;
}

/* agg += d (first pass of a merge: counts, sums, extremes, buckets). */
static void stap_stat_data_merge(const struct stap_stat_shape *sh,
				 struct stap_stat_data *agg,
				 const struct stap_stat_data *d)
{
	u32 i;

	if (!d->count)
		return;
	if (!agg->count || d->min < agg->min)
		agg->min = d->min;
	if (!agg->count || d->max > agg->max)
		agg->max = d->max;
	agg->count += d->count;
	agg->sum += d->sum;
	for (i = 0; i < sh->nbuckets; i++)
		agg->hist[i] += d->hist[i];
}

/* Integer division as upstream's runtime does it: x / 0 is 0. */
static s64 stap_stat_div(s64 x, s64 y)
{
	if (unlikely(y == 0))
		return 0;
	if (unlikely(y == -1))
		return (s64)(-(u64)x);
	return div64_s64(x, y);
}

/* Second pass of a merge, once agg holds the totals: the mean. */
static void stap_stat_merge_mean(const struct stap_stat_shape *sh,
				 struct stap_stat_data *agg)
{
	agg->avg_s = stap_stat_div((s64)((u64)agg->sum <<
					 sh->desc->bit_shift), agg->count);
	agg->m2 = 0;		/* collects S1 + S2 */
}

/* Second pass: one CPU's share of the variance. */
static void stap_stat_merge_variance(struct stap_stat_data *agg,
				     const struct stap_stat_data *d)
{
	s64 dev;

	if (!d->count)
		return;
	dev = d->avg_s - agg->avg_s;
	agg->m2 += d->count * dev * dev;
	agg->m2 += (d->count - 1) * d->variance_s;
}

/* Last step: the variance itself. */
static void stap_stat_merge_done(const struct stap_stat_shape *sh,
				 struct stap_stat_data *agg)
{
	agg->variance_s = stap_stat_div(agg->m2, agg->count - 1);
	agg->variance = agg->variance_s >> (2 * sh->desc->bit_shift);
}

/*
 * @count(s), @sum(s), ... of a merged aggregate (d may be NULL: never
 * seen).  @count and @sum of an empty one are 0; the others are the
 * error "empty aggregate", as upstream.  Any context.
 */
static s64 stap_stat_extract(struct context *c,
			     const struct stap_stat_data *d,
			     enum stap_stat_op op, const char *loc)
{
	if (op == STAP_STAT_COUNT)
		return d ? d->count : 0;
	if (op == STAP_STAT_SUM)
		return d && d->count ? d->sum : 0;
	if (!d || d->count == 0) {
		stap_error(c, "empty aggregate", loc);
		return 0;
	}
	switch (op) {
	case STAP_STAT_MIN:
		return d->min;
	case STAP_STAT_MAX:
		return d->max;
	case STAP_STAT_AVG:
		return stap_stat_div(d->sum, d->count);
	default:
		return d->variance;
	}
}

/* ---- scalar statistics ---- */

/* A CPU's block: its lock, padded to 8 bytes, then its data. */
#define STAP_STAT_CPU_HDR 8

static inline raw_spinlock_t *stap_stat_cpu_lock(void *blk)
{
	return blk;
}

static inline struct stap_stat_data *stap_stat_cpu_data(void *blk)
{
	return (struct stap_stat_data *)((char *)blk + STAP_STAT_CPU_HDR);
}

static void stap_stat_free(struct stap_stat *s)
{
	int cpu;

	if (s->cpu) {
		for_each_possible_cpu(cpu)
			kfree(s->cpu[cpu]);
		kfree(s->cpu);
	}
	kfree(s->agg);
	s->cpu = NULL;
	s->agg = NULL;
}

/* Allocates s as desc describes.  Process context (module init); may
 * sleep. */
static int stap_stat_alloc(struct stap_stat *s,
			   const struct stap_stat_desc *desc)
{
	size_t blk;
	int cpu, rc;

	BUILD_BUG_ON(sizeof(raw_spinlock_t) > STAP_STAT_CPU_HDR);
	memset(s, 0, sizeof(*s));
	rc = stap_stat_shape_init(&s->shape, desc);
	if (rc)
		return rc;
	/* Whole cache lines, so that CPUs do not share any. */
	blk = ALIGN(STAP_STAT_CPU_HDR + s->shape.size, L1_CACHE_BYTES);
	s->cpu = kcalloc(nr_cpu_ids, sizeof(*s->cpu), GFP_KERNEL);
	s->agg = kzalloc(s->shape.size, GFP_KERNEL);
	if (!s->cpu || !s->agg)
		goto out_free;
	for_each_possible_cpu(cpu) {
		s->cpu[cpu] = kzalloc_node(blk, GFP_KERNEL, cpu_to_node(cpu));
		if (!s->cpu[cpu])
			goto out_free;
		raw_spin_lock_init(stap_stat_cpu_lock(s->cpu[cpu]));
	}
	return 0;
out_free:
	stap_stat_free(s);
	return -ENOMEM;
}

/* s <<< v.  Probe context, preemption disabled; needs no global lock. */
static void stap_stat_add(struct stap_stat *s, s64 v)
{
	void *blk = s->cpu[smp_processor_id()];

	raw_spin_lock(stap_stat_cpu_lock(blk));
	stap_stat_data_add(&s->shape, stap_stat_cpu_data(blk), v);
	raw_spin_unlock(stap_stat_cpu_lock(blk));
}

/*
 * Merges every CPU into s->agg and returns it (count 0: empty).  Valid
 * until the next call.  Probe context with the global's lock held.
 */
static const struct stap_stat_data *stap_stat_get(struct stap_stat *s)
{
	struct stap_stat_data *agg = s->agg;
	int cpu;

	stap_stat_data_clear(&s->shape, agg);
	for_each_possible_cpu(cpu) {
		void *blk = s->cpu[cpu];

		raw_spin_lock(stap_stat_cpu_lock(blk));
		stap_stat_data_merge(&s->shape, agg, stap_stat_cpu_data(blk));
		raw_spin_unlock(stap_stat_cpu_lock(blk));
	}
	stap_stat_merge_mean(&s->shape, agg);
	for_each_possible_cpu(cpu) {
		void *blk = s->cpu[cpu];

		raw_spin_lock(stap_stat_cpu_lock(blk));
		stap_stat_merge_variance(agg, stap_stat_cpu_data(blk));
		raw_spin_unlock(stap_stat_cpu_lock(blk));
	}
	stap_stat_merge_done(&s->shape, agg);
	return agg;
}

/* delete s.  Probe context with the global's lock held. */
static void stap_stat_clear(struct stap_stat *s)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		void *blk = s->cpu[cpu];

		raw_spin_lock(stap_stat_cpu_lock(blk));
		stap_stat_data_clear(&s->shape, stap_stat_cpu_data(blk));
		raw_spin_unlock(stap_stat_cpu_lock(blk));
	}
}
