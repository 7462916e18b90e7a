/*
 * foreach over a map (map.c): snapshots, sorting, and the iterator the
 * generated loop reads keys and values through.
 *
 * foreach works on a snapshot: (node, gen) pairs of the live entries,
 * copied in insertion order and, when sorted, ordered in place by a
 * heapsort that stops after `limit` entries.  Each foreach statement
 * over the array (a "site", numbered by the translator) has its own
 * preallocated snapshot, so loops over one array nest freely; only a
 * recursive function re-entering the same statement is an error.  An
 * entry deleted or reused after the
 * snapshot (gen changed) is skipped; values are read as they are now.
 * The translator forbids a foreach body to modify its array, as
 * upstream does; this keeps the runtime safe if one did.
 *
 * Context: probe context, the global's lock held (for a statistics
 * array, on the aggregate map pmap.c merged).  Nothing here allocates
 * or sleeps: the snapshots are allocated with the map, and every loop
 * is bounded by nmax.
 */

static int stap_map_cmp_s64(s64 a, s64 b)
{
	return a < b ? -1 : a > b;
}

static int stap_map_cmp_key(const struct stap_map *m,
			    const struct stap_map_node *a,
			    const struct stap_map_node *b, int i)
{
	int r;

	if (m->desc->key_types[i] == 'l')
		return stap_map_cmp_s64(*stap_map_key_long(m, a, i),
					*stap_map_key_long(m, b, i));
	r = strcmp(stap_map_key_str(m, a, i), stap_map_key_str(m, b, i));
	return r < 0 ? -1 : r > 0;
}

static s64 stap_map_stat_key(const struct stap_stat_data *d, int sort)
{
	switch (sort) {
	case STAP_SORT_SUM:
		return d->sum;
	case STAP_SORT_MIN:
		return d->min;
	case STAP_SORT_MAX:
		return d->max;
	case STAP_SORT_AVG:
		return stap_stat_div(d->sum, d->count);
	default:
		return d->count;
	}
}

static int stap_map_cmp_value(const struct stap_map *m,
			      const struct stap_map_node *a,
			      const struct stap_map_node *b, int sort)
{
	int r;

	switch (m->desc->value_type) {
	case 'l':
		return stap_map_cmp_s64(*stap_map_val_long(m, a),
					*stap_map_val_long(m, b));
	case 's':
		r = strcmp(stap_map_val_str(m, a), stap_map_val_str(m, b));
		return r < 0 ? -1 : r > 0;
	default:
		return stap_map_cmp_s64(
			stap_map_stat_key(stap_map_val_stat(m, a), sort),
			stap_map_stat_key(stap_map_val_stat(m, b), sort));
	}
}

/* Does a come before b?  By the sort column in dir, then in insertion
 * order, as upstream's stable sort of its insertion-ordered list
 * leaves equal values. */
static bool stap_map_before(const struct stap_map *m,
			    const struct stap_map_snap *sa,
			    const struct stap_map_snap *sb, int sort, int dir)
{
	const struct stap_map_node *a = stap_map_node(m, sa->node);
	const struct stap_map_node *b = stap_map_node(m, sb->node);
	int r;

	r = sort > 0 ? stap_map_cmp_key(m, a, b, sort - 1)
		     : stap_map_cmp_value(m, a, b, sort);
	if (r)
		return dir < 0 ? r > 0 : r < 0;
	return sa->seq < sb->seq;
}

/* Restores the heap below root: every parent comes before its
 * children. */
static void stap_map_sift(const struct stap_map *m, struct stap_map_snap *s,
			  u32 root, u32 n, int sort, int dir)
{
	for (;;) {
		u32 child = 2 * root + 1;
		struct stap_map_snap t;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    stap_map_before(m, &s[child + 1], &s[child], sort, dir))
			child++;
		if (!stap_map_before(m, &s[child], &s[root], sort, dir))
			return;
		t = s[root];
		s[root] = s[child];
		s[child] = t;
		root = child;
	}
}

/*
 * Puts the first k of s[0..n-1] in order into s[n-k..n-1]: a heapsort
 * that pops only k entries, O(n + k log n), in place.
 */
static void stap_map_sort(const struct stap_map *m, struct stap_map_snap *s,
			  u32 n, u32 k, int sort, int dir)
{
	struct stap_map_snap t;
	u32 i, j;

	for (i = n / 2; i-- > 0;)
		stap_map_sift(m, s, i, n, sort, dir);
	for (j = 0; j < k; j++) {
		u32 last = n - 1 - j;

		t = s[0];
		s[0] = s[last];
		s[last] = t;
		stap_map_sift(m, s, 0, last, sort, dir);
	}
	/* s[n-1] is the first: reverse the tail into reading order. */
	for (i = n - k, j = n - 1; i < j; i++, j--) {
		t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
}

/*
 * Starts foreach statement number `site` (0 .. desc->foreach_sites - 1),
 * `foreach ([k...] in m <sort><dir> limit <limit>)`, in it.
 * sort: STAP_SORT_NONE (insertion order), a key column 1..nkeys, or
 * STAP_SORT_VALUE / _COUNT / _SUM / _MIN / _MAX / _AVG; dir: +1
 * ascending, -1 descending; limit: STAP_MAP_NOLIMIT for none.
 * Probe context, the global's lock held.
 */
static void stap_map_foreach_slice(struct context *c, struct stap_map *m,
				   struct stap_map_iter *it, u32 site,
				   int sort, int dir, s64 limit,
				   const union stap_key *slice, u32 mask,
				   const char *loc);

static void stap_map_foreach_start(struct context *c, struct stap_map *m,
				   struct stap_map_iter *it, u32 site,
				   int sort, int dir, s64 limit,
				   const char *loc)
{
	stap_map_foreach_slice(c, m, it, site, sort, dir, limit, NULL, 0, loc);
}

/*
 * The same over a slice, `foreach ([k...] in m[k1, *])`: only the
 * entries whose keys equal slice[] in the columns of mask (see
 * stap_map_keys_match()) are iterated, sorted and counted by limit.
 */
static void stap_map_foreach_slice(struct context *c, struct stap_map *m,
				   struct stap_map_iter *it, u32 site,
				   int sort, int dir, s64 limit,
				   const union stap_key *slice, u32 mask,
				   const char *loc)
{
	struct stap_map_snap *s;
	u32 n = 0, k, i;

	it->m = m;
	it->cur = NULL;
	it->pos = it->end = 0;
	if (site >= m->nsites) {
		stap_error(c, "foreach site without a snapshot (the "
			   "array's foreach_sites is too small)", loc);
		return;
	}
	if (!++m->snap_clock)
		++m->snap_clock;
	it->site = site;
	it->stamp = m->snap_clock;
	m->snap_stamp[site] = it->stamp;
	s = m->snaps + (size_t)site * m->nmax;

	for (i = m->oldest; i && n < m->nmax; i = stap_map_node(m, i)->next) {
		if (mask && !stap_map_keys_match(m, stap_map_node(m, i), slice,
						 mask))
			continue;
		s[n].node = i;
		s[n].gen = stap_map_node(m, i)->gen;
		s[n].seq = n;
		n++;
	}
	k = limit < 0 ? 0 : limit < n ? (u32)limit : n;
	if (sort != STAP_SORT_NONE && k) {
		stap_map_sort(m, s, n, k, sort, dir);
		it->pos = n - k;
		it->end = n;
	} else {
		it->end = k;
	}
}

/*
 * Moves it to the next entry; false at the end (or after the error of
 * a recursive call having restarted the same foreach).  Probe context,
 * the global's lock held.
 */
static bool stap_map_foreach_next(struct context *c, struct stap_map_iter *it,
				  const char *loc)
{
	struct stap_map *m = it->m;

	while (it->pos < it->end) {
		const struct stap_map_snap *s;
		struct stap_map_node *n;

		if (m->snap_stamp[it->site] != it->stamp) {
			stap_error(c, "foreach restarted by a recursive call "
				   "while it iterates", loc);
			return false;
		}
		s = &m->snaps[(size_t)it->site * m->nmax + it->pos++];
		n = stap_map_node(m, s->node);
		if (n->live && n->gen == s->gen) {
			it->cur = n;
			return true;
		}
	}
	it->cur = NULL;
	return false;
}

/* The current entry's key i (1-based) and value.  String results point
 * into the map: copy them before the map changes. */
static s64 stap_map_iter_key_long(const struct stap_map_iter *it, int i)
{
	return *stap_map_key_long(it->m, it->cur, i - 1);
}

static const char *stap_map_iter_key_str(const struct stap_map_iter *it,
					 int i)
{
	return stap_map_key_str(it->m, it->cur, i - 1);
}

static s64 stap_map_iter_long(const struct stap_map_iter *it)
{
	return *stap_map_val_long(it->m, it->cur);
}

static const char *stap_map_iter_str(const struct stap_map_iter *it)
{
	return stap_map_val_str(it->m, it->cur);
}

static const struct stap_stat_data *
stap_map_iter_stat(const struct stap_map_iter *it)
{
	return stap_map_val_stat(it->m, it->cur);
}
