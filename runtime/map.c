/*
 * Associative arrays: a[k1, k2] = v, a[k] += v, k in a, delete, foreach,
 * and arrays of statistics (a[k] <<< v).
 *
 * A map is a chained hash table over a pool of nmax fixed-size nodes,
 * all allocated at module init.  Nodes are numbered from 1 (0 is
 * "none"): a live node sits on the chain of its hash and on a list in
 * insertion order (oldest first), which gives foreach its unsorted
 * order and a wrapping array (global a%) the entry to reuse when full.
 * Free nodes form a list.  A key is 1..9 longs and strings stored in
 * the node (strings up to MAP_STRING_LENGTH - 1 bytes); the value
 * follows: a long, a string, or a statistic.
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
 * Plain maps have no lock of their own: the handler holds the global's
 * lock for every operation.  A statistics array (stap_pmap) is one map
 * per CPU plus an aggregate map: `a[k] <<< v` takes only its CPU's map
 * lock, readers hold the global's lock and merge the CPUs' maps.
 *
 * Nothing here allocates after init or sleeps, and every loop is
 * bounded by nmax.
 */

static inline struct stap_map_node *stap_map_node(const struct stap_map *m,
						  u32 i)
{
	return (struct stap_map_node *)(m->nodes +
					(size_t)(i - 1) * m->node_size);
}

static inline s64 *stap_map_key_long(const struct stap_map *m,
				     const struct stap_map_node *n, int i)
{
	return (s64 *)((char *)n + m->key_off[i]);
}

static inline char *stap_map_key_str(const struct stap_map *m,
				     const struct stap_map_node *n, int i)
{
	return (char *)n + m->key_off[i];
}

static inline s64 *stap_map_val_long(const struct stap_map *m,
				     const struct stap_map_node *n)
{
	return (s64 *)((char *)n + m->val_off);
}

static inline char *stap_map_val_str(const struct stap_map *m,
				     const struct stap_map_node *n)
{
	return (char *)n + m->val_off;
}

static inline struct stap_stat_data *
stap_map_val_stat(const struct stap_map *m, const struct stap_map_node *n)
{
	return (struct stap_stat_data *)((char *)n + m->val_off);
}

/* ---- keys ---- */

/* FNV-1a over string bytes, a multiply-xorshift over longs, seeded per
 * array so that one script's keys do not collide alike everywhere. */
static u32 stap_map_hash(const struct stap_map *m, const union stap_key *k)
{
	const struct stap_map_desc *d = m->desc;
	u64 h = m->seed;
	int i;

	for (i = 0; i < d->nkeys; i++) {
		if (d->key_types[i] == 's') {
			const unsigned char *s = (const unsigned char *)k[i].s;
			size_t j;

			for (j = 0; j < MAP_STRING_LENGTH - 1 && s[j]; j++)
				h = (h ^ s[j]) * 0x100000001b3ULL;
			h = (h ^ 0x100) * 0x100000001b3ULL;
		} else {
			h = (h ^ (u64)k[i].l) * 0x9e3779b97f4a7c15ULL;
			h ^= h >> 29;
		}
	}
	h ^= h >> 32;
	return (u32)h;
}

/*
 * Whether node n's keys equal k in the columns of mask (bit i: key
 * i + 1).  A slice such as a[*, "x"] compares only the columns that
 * are not '*'.
 */
static bool stap_map_keys_match(const struct stap_map *m,
				const struct stap_map_node *n,
				const union stap_key *k, u32 mask)
{
	const struct stap_map_desc *d = m->desc;
	int i;

	for (i = 0; i < d->nkeys; i++) {
		if (!(mask & (1u << i)))
			continue;
		if (d->key_types[i] == 's') {
			if (strncmp(stap_map_key_str(m, n, i), k[i].s,
				    MAP_STRING_LENGTH - 1))
				return false;
		} else if (*stap_map_key_long(m, n, i) != k[i].l) {
			return false;
		}
	}
	return true;
}

#define STAP_MAP_ALL_KEYS	((1u << STAP_MAP_MAXKEYS) - 1)

static bool stap_map_key_eq(const struct stap_map *m,
			    const struct stap_map_node *n,
			    const union stap_key *k)
{
	return stap_map_keys_match(m, n, k, STAP_MAP_ALL_KEYS);
}

/* The keys of node n, as a caller would pass them. */
static void stap_map_node_keys(const struct stap_map *m,
			       const struct stap_map_node *n,
			       union stap_key *k)
{
	const struct stap_map_desc *d = m->desc;
	int i;

	for (i = 0; i < d->nkeys; i++) {
		if (d->key_types[i] == 's')
			k[i].s = stap_map_key_str(m, n, i);
		else
			k[i].l = *stap_map_key_long(m, n, i);
	}
}

/* ---- nodes ---- */

static u32 stap_map_find(const struct stap_map *m, const union stap_key *k,
			 u32 h)
{
	u32 i = m->heads[h & m->hash_mask];
	u32 bound = m->nmax;

	while (i && bound--) {
		const struct stap_map_node *n = stap_map_node(m, i);

		if (n->hash == h && stap_map_key_eq(m, n, k))
			return i;
		i = n->hnext;
	}
	return 0;
}

/* Unlinks live node i and puts it on the free list. */
static void stap_map_remove(struct stap_map *m, u32 i)
{
	struct stap_map_node *n = stap_map_node(m, i);
	u32 *p = &m->heads[n->hash & m->hash_mask];
	u32 bound = m->nmax;

	while (*p && *p != i && bound--)
		p = &stap_map_node(m, *p)->hnext;
	if (*p == i)
		*p = n->hnext;
	if (n->prev)
		stap_map_node(m, n->prev)->next = n->next;
	else
		m->oldest = n->next;
	if (n->next)
		stap_map_node(m, n->next)->prev = n->prev;
	else
		m->newest = n->prev;
	n->live = 0;
	n->gen++;
	n->hnext = n->prev = 0;
	n->next = m->free;
	m->free = i;
	m->count--;
}

static void stap_map_copy_key_str(char *dst, const char *src)
{
	size_t n = stap_strnlen_counted(src, MAP_STRING_LENGTH - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/*
 * A new node for key k (not in the map) with a zero value: 0, "" or an
 * empty statistic.  0 when the map is full and does not wrap.
 */
static u32 stap_map_insert(struct stap_map *m, const union stap_key *k,
			   u32 h)
{
	const struct stap_map_desc *d = m->desc;
	struct stap_map_node *n;
	u32 i, *head;
	int j;

	if (!m->free) {
		if (!m->wrap || !m->oldest)
			return 0;
		stap_map_remove(m, m->oldest);
	}
	i = m->free;
	n = stap_map_node(m, i);
	m->free = n->next;
	m->count++;

	n->hash = h;
	n->gen++;
	n->live = 1;
	head = &m->heads[h & m->hash_mask];
	n->hnext = *head;
	*head = i;
	n->next = 0;
	n->prev = m->newest;
	if (m->newest)
		stap_map_node(m, m->newest)->next = i;
	else
		m->oldest = i;
	m->newest = i;

	for (j = 0; j < d->nkeys; j++) {
		if (d->key_types[j] == 's')
			stap_map_copy_key_str(stap_map_key_str(m, n, j),
					      k[j].s);
		else
			*stap_map_key_long(m, n, j) = k[j].l;
	}
	if (d->value_type == 'x')
		stap_stat_data_clear(&m->stat, stap_map_val_stat(m, n));
	else if (d->value_type == 's')
		stap_map_val_str(m, n)[0] = '\0';
	else
		*stap_map_val_long(m, n) = 0;
	return i;
}

/* The node of key k, made if need be; NULL after an overflow error. */
static struct stap_map_node *stap_map_slot(struct context *c,
					   struct stap_map *m,
					   const union stap_key *k,
					   const char *loc)
{
	u32 h = stap_map_hash(m, k);
	u32 i = stap_map_find(m, k, h);

	if (!i)
		i = stap_map_insert(m, k, h);
	if (!i) {
		stap_error(c, m->overflow_msg, loc);
		return NULL;
	}
	return stap_map_node(m, i);
}

static struct stap_map_node *stap_map_lookup(const struct stap_map *m,
					     const union stap_key *k)
{
	u32 i = stap_map_find(m, k, stap_map_hash(m, k));

	return i ? stap_map_node(m, i) : NULL;
}

/* ---- allocation ---- */

static void stap_map_destroy(struct stap_map *m)
{
	kvfree(m->heads);
	kvfree(m->nodes);
	kvfree(m->snaps);
	kfree(m->snap_stamp);
	m->heads = NULL;
	m->nodes = NULL;
	m->snaps = NULL;
	m->snap_stamp = NULL;
}

/* kvzalloc_node of n * size bytes, refusing what kvmalloc would warn
 * about. */
static void *stap_map_zalloc(size_t n, size_t size, int node)
{
	size_t bytes;

	if (check_mul_overflow(n, size, &bytes) || bytes > INT_MAX)
		return NULL;
	return kvzalloc_node(bytes, GFP_KERNEL, node);
}

/*
 * Lays out and allocates m for d: empty, every node on the free list.
 * iterated: room for d->foreach_sites snapshots.  Process context; may
 * sleep.
 */
static int stap_map_init(struct stap_map *m, const struct stap_map_desc *d,
			 u32 seed, int node, bool iterated)
{
	u32 off = sizeof(struct stap_map_node), i;
	int rc, j;

	memset(m, 0, sizeof(*m));
	m->desc = d;
	m->seed = seed;
	m->wrap = d->wrap;
	raw_spin_lock_init(&m->lock);
	if (d->nkeys < 1 || d->nkeys > STAP_MAP_MAXKEYS)
		return -EINVAL;
	for (j = 0; j < d->nkeys; j++) {
		m->key_off[j] = off;
		if (d->key_types[j] == 'l')
			off += sizeof(s64);
		else if (d->key_types[j] == 's')
			off += ALIGN(MAP_STRING_LENGTH, 8);
		else
			return -EINVAL;
	}
	m->val_off = off;
	switch (d->value_type) {
	case 'l':
		off += sizeof(s64);
		break;
	case 's':
		off += ALIGN(MAXSTRINGLEN, 8);
		break;
	case 'x':
		if (!d->stat)
			return -EINVAL;
		rc = stap_stat_shape_init(&m->stat, d->stat);
		if (rc)
			return rc;
		off += m->stat.size;
		break;
	default:
		return -EINVAL;
	}
	m->node_size = ALIGN(off, 8);
	m->nmax = d->max_entries ? d->max_entries : MAXMAPENTRIES;
	if (m->nmax > (1U << 30))
		return -E2BIG;
	m->hash_mask = roundup_pow_of_two(m->nmax) - 1;

	m->heads = stap_map_zalloc(m->hash_mask + 1, sizeof(u32), node);
	m->nodes = stap_map_zalloc(m->nmax, m->node_size, node);
	if (iterated && d->foreach_sites) {
		m->nsites = d->foreach_sites;
		m->snaps = stap_map_zalloc((size_t)m->nmax * m->nsites,
					   sizeof(struct stap_map_snap), node);
		m->snap_stamp = kcalloc(m->nsites, sizeof(u32), GFP_KERNEL);
		if (!m->snaps || !m->snap_stamp)
			goto out_free;
	}
	if (!m->heads || !m->nodes)
		goto out_free;
	for (i = 1; i <= m->nmax; i++)
		stap_map_node(m, i)->next = i < m->nmax ? i + 1 : 0;
	m->free = 1;

	if (d->max_entries)
		snprintf(m->overflow_msg, sizeof(m->overflow_msg),
			 "Array overflow, check size limit (%u) "
			 "(declare the array larger)", d->max_entries);
	else
		snprintf(m->overflow_msg, sizeof(m->overflow_msg),
			 "Array overflow, check MAXMAPENTRIES (raise it "
			 "with -D MAXMAPENTRIES=N or declare the array "
			 "larger)");
	return 0;
out_free:
	stap_map_destroy(m);
	return -ENOMEM;
}

/* An array global with long or string values.  Process context. */
static int stap_map_alloc(struct stap_map *m, const struct stap_map_desc *d)
{
	if (d->value_type == 'x')
		return -EINVAL;		/* that is a stap_pmap */
	return stap_map_init(m, d, get_random_u32(), NUMA_NO_NODE, true);
}

static void stap_map_free(struct stap_map *m)
{
	stap_map_destroy(m);
}

/* ---- the script's operations on long/string arrays ----
 * Probe context, the global's lock held; none sleeps or allocates. */

/* a[k]: 0 when absent (nothing is inserted). */
static s64 stap_map_get_long(const struct stap_map *m,
			     const union stap_key *k)
{
	const struct stap_map_node *n = stap_map_lookup(m, k);

	return n ? *stap_map_val_long(m, n) : 0;
}

/* a[k] copied into dst (MAXSTRINGLEN bytes): "" when absent. */
static char *stap_map_get_str(const struct stap_map *m,
			      const union stap_key *k, char *dst)
{
	const struct stap_map_node *n = stap_map_lookup(m, k);

	if (!n) {
		dst[0] = '\0';
		return dst;
	}
	return stap_strcpy(dst, stap_map_val_str(m, n));
}

/* k in a */
static bool stap_map_exists(const struct stap_map *m,
			    const union stap_key *k)
{
	return stap_map_lookup(m, k) != NULL;
}

/* a[k] = v.  Error: the array is full (and does not wrap). */
static void stap_map_set_long(struct context *c, struct stap_map *m,
			      const union stap_key *k, s64 v,
			      const char *loc)
{
	struct stap_map_node *n = stap_map_slot(c, m, k, loc);

	if (n)
		*stap_map_val_long(m, n) = v;
}

static void stap_map_set_str(struct context *c, struct stap_map *m,
			     const union stap_key *k, const char *v,
			     const char *loc)
{
	struct stap_map_node *n = stap_map_slot(c, m, k, loc);

	if (n)
		stap_strcpy(stap_map_val_str(m, n), v);
}

/* a[k] += v; returns the new value (a[k]++ wants it minus v). */
static s64 stap_map_add_long(struct context *c, struct stap_map *m,
			     const union stap_key *k, s64 v, const char *loc)
{
	struct stap_map_node *n = stap_map_slot(c, m, k, loc);
	s64 *p;

	if (!n)
		return 0;
	p = stap_map_val_long(m, n);
	*p = (s64)((u64)*p + (u64)v);
	return *p;
}

/* delete a[k] (absent: nothing). */
static void stap_map_delete(struct stap_map *m, const union stap_key *k)
{
	u32 i = stap_map_find(m, k, stap_map_hash(m, k));

	if (i)
		stap_map_remove(m, i);
}

/* delete a[k] with '*' in the columns not in mask: every match. */
static void stap_map_delete_slice(struct stap_map *m, const union stap_key *k,
				  u32 mask)
{
	u32 i = m->oldest, bound = m->nmax;

	while (i && bound--) {
		u32 next = stap_map_node(m, i)->next;

		if (stap_map_keys_match(m, stap_map_node(m, i), k, mask))
			stap_map_remove(m, i);
		i = next;
	}
}

/* [k...] in a with '*' in the columns not in mask: any match. */
static bool stap_map_exists_slice(const struct stap_map *m,
				  const union stap_key *k, u32 mask)
{
	u32 i = m->oldest, bound = m->nmax;

	for (; i && bound--; i = stap_map_node(m, i)->next)
		if (stap_map_keys_match(m, stap_map_node(m, i), k, mask))
			return true;
	return false;
}

/* delete a */
static void stap_map_clear(struct stap_map *m)
{
	u32 bound = m->nmax;

	while (m->oldest && bound--)
		stap_map_remove(m, m->oldest);
}

static u32 stap_map_count(const struct stap_map *m)
{
	return m->count;
}

/* ---- foreach ---- */

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

/* Does a come before b?  By the sort column in dir, then by the keys
 * in ascending order, so that equal values come out the same way on
 * every run. */
static bool stap_map_before(const struct stap_map *m,
			    const struct stap_map_snap *sa,
			    const struct stap_map_snap *sb, int sort, int dir)
{
	const struct stap_map_node *a = stap_map_node(m, sa->node);
	const struct stap_map_node *b = stap_map_node(m, sb->node);
	int i, r;

	r = sort > 0 ? stap_map_cmp_key(m, a, b, sort - 1)
		     : stap_map_cmp_value(m, a, b, sort);
	if (r)
		return dir < 0 ? r > 0 : r < 0;
	for (i = 0; i < m->desc->nkeys; i++) {
		r = stap_map_cmp_key(m, a, b, i);
		if (r)
			return r < 0;
	}
	return false;
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

/* ---- arrays of statistics ---- */

static void stap_pmap_free(struct stap_pmap *pm)
{
	int cpu;

	if (pm->cpu) {
		for_each_possible_cpu(cpu) {
			if (!pm->cpu[cpu])
				continue;
			stap_map_destroy(pm->cpu[cpu]);
			kfree(pm->cpu[cpu]);
		}
		kfree(pm->cpu);
	}
	stap_map_destroy(&pm->agg);
	kfree(pm->scratch);
	pm->cpu = NULL;
	pm->scratch = NULL;
}

/* A statistics array global.  Process context; may sleep. */
static int stap_pmap_alloc(struct stap_pmap *pm,
			   const struct stap_map_desc *d)
{
	u32 seed = get_random_u32();
	int cpu, rc;

	memset(pm, 0, sizeof(*pm));
	pm->desc = d;
	if (d->value_type != 'x')
		return -EINVAL;
	rc = stap_map_init(&pm->agg, d, seed, NUMA_NO_NODE, true);
	if (rc)
		return rc;
	pm->agg.wrap = false;	/* merging must not evict what it merged */
	snprintf(pm->agg_msg, sizeof(pm->agg_msg),
		 "aggregation overflow in array %s (raise it with -D "
		 "MAXMAPENTRIES=N or declare the array larger)", d->name);
	rc = -ENOMEM;
	pm->scratch = kzalloc(pm->agg.stat.size, GFP_KERNEL);
	pm->cpu = kcalloc(nr_cpu_ids, sizeof(*pm->cpu), GFP_KERNEL);
	if (!pm->scratch || !pm->cpu)
		goto out_free;
	for_each_possible_cpu(cpu) {
		struct stap_map *m = kzalloc_node(sizeof(*m), GFP_KERNEL,
						  cpu_to_node(cpu));
		if (!m)
			goto out_free;
		pm->cpu[cpu] = m;
		rc = stap_map_init(m, d, seed, cpu_to_node(cpu), false);
		if (rc)
			goto out_free;
	}
	return 0;
out_free:
	stap_pmap_free(pm);
	return rc;
}

/* What printing and indexing a[k]'s histogram need. */
static inline const struct stap_stat_shape *
stap_pmap_shape(const struct stap_pmap *pm)
{
	return &pm->agg.stat;
}

/*
 * a[k] <<< v.  Probe context, preemption disabled; takes only this
 * CPU's map lock, not the global's.  Error: this CPU's map is full.
 */
static void stap_pmap_add(struct context *c, struct stap_pmap *pm,
			  const union stap_key *k, s64 v, const char *loc)
{
	struct stap_map *m = pm->cpu[smp_processor_id()];
	u32 h = stap_map_hash(m, k);
	u32 i;

	raw_spin_lock(&m->lock);
	i = stap_map_find(m, k, h);
	if (!i)
		i = stap_map_insert(m, k, h);
	if (i)
		stap_stat_data_add(&m->stat,
				   stap_map_val_stat(m, stap_map_node(m, i)), v);
	raw_spin_unlock(&m->lock);
	if (!i)
		stap_error(c, m->overflow_msg, loc);
}

/*
 * a[k] merged over all CPUs (count 0: no such entry), for @count(a[k])
 * and the like.  Valid until the next call.  Probe context, the
 * global's lock held.
 */
static const struct stap_stat_data *stap_pmap_get(struct stap_pmap *pm,
						  const union stap_key *k)
{
	const struct stap_stat_shape *sh = stap_pmap_shape(pm);
	struct stap_stat_data *agg = pm->scratch;
	u32 h = stap_map_hash(&pm->agg, k);
	int cpu, pass;

	stap_stat_data_clear(sh, agg);
	for (pass = 0; pass < 2; pass++) {
		for_each_possible_cpu(cpu) {
			struct stap_map *m = pm->cpu[cpu];
			u32 i;

			raw_spin_lock(&m->lock);
			i = stap_map_find(m, k, h);
			if (i && pass == 0)
				stap_stat_data_merge(sh, agg,
					stap_map_val_stat(m, stap_map_node(m, i)));
			else if (i)
				stap_stat_merge_variance(agg,
					stap_map_val_stat(m, stap_map_node(m, i)));
			raw_spin_unlock(&m->lock);
		}
		if (pass == 0)
			stap_stat_merge_mean(sh, agg);
	}
	stap_stat_merge_done(sh, agg);
	return agg;
}

/* k in a.  Probe context, the global's lock held. */
static bool stap_pmap_exists(struct stap_pmap *pm, const union stap_key *k)
{
	u32 h = stap_map_hash(&pm->agg, k);
	bool found = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct stap_map *m = pm->cpu[cpu];

		raw_spin_lock(&m->lock);
		found = stap_map_find(m, k, h) != 0;
		raw_spin_unlock(&m->lock);
		if (found)
			break;
	}
	return found;
}

/* delete a[k].  Probe context, the global's lock held. */
static void stap_pmap_delete(struct stap_pmap *pm, const union stap_key *k)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct stap_map *m = pm->cpu[cpu];

		raw_spin_lock(&m->lock);
		stap_map_delete(m, k);
		raw_spin_unlock(&m->lock);
	}
	stap_map_delete(&pm->agg, k);
}

/* delete a[k] with '*' columns (see stap_map_delete_slice()).  Probe
 * context, the global's lock held. */
static void stap_pmap_delete_slice(struct stap_pmap *pm,
				   const union stap_key *k, u32 mask)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct stap_map *m = pm->cpu[cpu];

		raw_spin_lock(&m->lock);
		stap_map_delete_slice(m, k, mask);
		raw_spin_unlock(&m->lock);
	}
	stap_map_delete_slice(&pm->agg, k, mask);
}

/* [k...] in a with '*' columns.  Probe context, the global's lock held. */
static bool stap_pmap_exists_slice(struct stap_pmap *pm,
				   const union stap_key *k, u32 mask)
{
	bool found = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct stap_map *m = pm->cpu[cpu];

		raw_spin_lock(&m->lock);
		found = stap_map_exists_slice(m, k, mask);
		raw_spin_unlock(&m->lock);
		if (found)
			break;
	}
	return found;
}

/* delete a.  Probe context, the global's lock held. */
static void stap_pmap_clear(struct stap_pmap *pm)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct stap_map *m = pm->cpu[cpu];

		raw_spin_lock(&m->lock);
		stap_map_clear(m);
		raw_spin_unlock(&m->lock);
	}
	stap_map_clear(&pm->agg);
}

/* Drops aggregate entries that no CPU has any more. */
static void stap_pmap_purge(struct stap_map *agg)
{
	u32 i = agg->oldest, bound = agg->nmax;

	while (i && bound--) {
		u32 next = stap_map_node(agg, i)->next;

		if (!stap_map_val_stat(agg, stap_map_node(agg, i))->count)
			stap_map_remove(agg, i);
		i = next;
	}
}

/* Merges one CPU's map into the aggregate; false when it is full. */
static bool stap_pmap_merge_cpu(struct stap_pmap *pm, struct stap_map *m,
				int pass)
{
	struct stap_map *agg = &pm->agg;
	union stap_key k[STAP_MAP_MAXKEYS];
	u32 i, bound = m->nmax;

	for (i = m->oldest; i && bound--; i = stap_map_node(m, i)->next) {
		const struct stap_map_node *n = stap_map_node(m, i);
		u32 a;

		stap_map_node_keys(m, n, k);
		a = stap_map_find(agg, k, n->hash);
		if (!a && pass == 0) {
			a = stap_map_insert(agg, k, n->hash);
			if (!a) {
				stap_pmap_purge(agg);
				a = stap_map_insert(agg, k, n->hash);
			}
			if (!a)
				return false;
		}
		if (!a)
			continue;	/* arrived between the passes */
		if (pass == 0)
			stap_stat_data_merge(&agg->stat,
				stap_map_val_stat(agg, stap_map_node(agg, a)),
				stap_map_val_stat(m, n));
		else
			stap_stat_merge_variance(
				stap_map_val_stat(agg, stap_map_node(agg, a)),
				stap_map_val_stat(m, n));
	}
	return true;
}

/*
 * Merges every CPU's map into the aggregate map and returns it, for
 * foreach (iterate it with stap_map_foreach_*, read values with
 * stap_map_iter_stat).  Existing aggregate entries keep their nodes, so
 * an enclosing foreach over the same array stays valid.  NULL after the
 * error "aggregation overflow".  Probe context, the global's lock held.
 */
static struct stap_map *stap_pmap_aggregate(struct context *c,
					    struct stap_pmap *pm,
					    const char *loc)
{
	struct stap_map *agg = &pm->agg;
	const struct stap_stat_shape *sh = &agg->stat;
	u32 i, bound;
	int cpu, pass;

	for (i = agg->oldest, bound = agg->nmax; i && bound--;
	     i = stap_map_node(agg, i)->next)
		stap_stat_data_clear(sh, stap_map_val_stat(agg,
						stap_map_node(agg, i)));
	for (pass = 0; pass < 2; pass++) {
		for_each_possible_cpu(cpu) {
			struct stap_map *m = pm->cpu[cpu];
			bool ok;

			raw_spin_lock(&m->lock);
			ok = stap_pmap_merge_cpu(pm, m, pass);
			raw_spin_unlock(&m->lock);
			if (!ok) {
				stap_error(c, pm->agg_msg, loc);
				return NULL;
			}
		}
		for (i = agg->oldest, bound = agg->nmax; i && bound--;
		     i = stap_map_node(agg, i)->next) {
			struct stap_stat_data *d =
				stap_map_val_stat(agg, stap_map_node(agg, i));

			if (pass == 0)
				stap_stat_merge_mean(sh, d);
			else
				stap_stat_merge_done(sh, d);
		}
	}
	stap_pmap_purge(agg);
	return agg;
}
