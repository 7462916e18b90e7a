/*
 * Arrays of statistics, `global a; a[k] <<< v`: a struct stap_pmap is
 * one map (map.c) per CPU plus an aggregate map that readers merge the
 * CPUs' maps into; foreach (map_foreach.c) iterates the aggregate.
 *
 * Context: stap_pmap_alloc/free run in process context and may sleep.
 * `a[k] <<< v` runs in probe context with preemption disabled and takes
 * only its CPU's map lock, not the global's; every reader holds the
 * global's lock and takes each CPU's map lock in turn while it merges.
 * Nothing here allocates after init or sleeps, and every loop is
 * bounded by nmax.
 */

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
