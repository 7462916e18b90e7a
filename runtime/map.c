/*
 * Associative arrays: a[k1, k2] = v, a[k] += v, k in a, delete, and the
 * hash table under them.  map_foreach.c iterates these maps and
 * pmap.c builds arrays of statistics (a[k] <<< v) from them.
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
 * Context: stap_map_alloc/free (and stap_map_init) run in process
 * context and may sleep.  Everything else runs in probe context: plain
 * maps have no lock of their own, the handler holds the global's lock
 * for every operation; nothing allocates or sleeps, and every loop is
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
