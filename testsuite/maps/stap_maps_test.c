/*
 * A hand-written stand-in for what the translator will generate for
 *
 *   global a[3], w%[2], big, s, lat, h
 *   probe begin { ...arrays, foreach, wrap... }
 *   probe begin { ...statistics fed from every CPU in irq context... }
 *   probe end   { ...histograms...; a[9, "z"] = 1  # overflow error }
 *
 * following doc/runtime-maps.md: descriptors, allocation, the global
 * locks around everything but <<<, the key arrays, foreach loops.
 * testsuite/maps/run-vm.sh builds it against a kernel, loads it with
 * staprun in a guest and compares the output with expected.out.
 *
 * Until the core allocates globals at module init (the
 * stap_globals_alloc hook the doc describes), this fixture allocates
 * them in stap_globals_init (process context too) and frees them
 * nowhere: a test guest does not mind.
 */
#include "runtime_defs.h"
#include "map.h"

/* ---- what the translator emits for the globals ---- */

static const struct stap_map_desc stap_desc_a = {
	.name = "a", .nkeys = 2, .key_types = "ls", .value_type = 'l',
	.max_entries = 3, .foreach_sites = 1,
};
static const struct stap_map_desc stap_desc_w = {
	.name = "w", .nkeys = 1, .key_types = "s", .value_type = 's',
	.max_entries = 2, .wrap = true, .foreach_sites = 1,
};
static const struct stap_map_desc stap_desc_big = {
	.name = "big", .nkeys = 1, .key_types = "l", .value_type = 'l',
	.foreach_sites = 4,
};
static const struct stap_stat_desc stap_sdesc_s = {
	.hist = STAP_HIST_LOG, .variance = true, .bit_shift = 0,
};
static const struct stap_stat_desc stap_sdesc_lat = {
	.hist = STAP_HIST_LINEAR, .start = 0, .stop = 100, .interval = 10,
	.variance = true, .bit_shift = 4,
};
static const struct stap_stat_desc stap_sdesc_h = {
	.hist = STAP_HIST_LOG,
};
static const struct stap_map_desc stap_desc_h = {
	.name = "h", .nkeys = 2, .key_types = "sl", .value_type = 'x',
	.stat = &stap_sdesc_h, .foreach_sites = 1,
};

static struct stap_map stap_map_a, stap_map_w, stap_map_big;
static struct stap_stat stap_stat_s, stap_stat_lat;
static struct stap_pmap stap_pmap_h;
static int stap_globals_rc;

struct stap_locals_0 {
	struct stap_map_iter it0, it1;
	s64 k, k2, n;
	char str[MAXSTRINGLEN];
	char tmp[MAXSTRINGLEN];
};

union stap_locals {
	struct stap_locals_0 b0;
};

#include "runtime_core.h"
#include "linux/begin_end.c"
#include "hist.c"
#include "stat.c"
#include "map.c"
#include "map_foreach.c"
#include "pmap.c"

static DEFINE_RAW_SPINLOCK(stap_lock_a);
static DEFINE_RAW_SPINLOCK(stap_lock_w);
static DEFINE_RAW_SPINLOCK(stap_lock_big);
static DEFINE_RAW_SPINLOCK(stap_lock_s);
static DEFINE_RAW_SPINLOCK(stap_lock_lat);
static DEFINE_RAW_SPINLOCK(stap_lock_h);

/* Process context: START. */
static void stap_globals_init(void)
{
	int rc;

	rc = stap_map_alloc(&stap_map_a, &stap_desc_a);
	if (!rc)
		rc = stap_map_alloc(&stap_map_w, &stap_desc_w);
	if (!rc)
		rc = stap_map_alloc(&stap_map_big, &stap_desc_big);
	if (!rc)
		rc = stap_stat_alloc(&stap_stat_s, &stap_sdesc_s);
	if (!rc)
		rc = stap_stat_alloc(&stap_stat_lat, &stap_sdesc_lat);
	if (!rc)
		rc = stap_pmap_alloc(&stap_pmap_h, &stap_desc_h);
	stap_globals_rc = rc;
}

#define OUT_S(s) stap_out_str(&c->out, s)
#define OUT_L(v) stap_out_long(&c->out, v)
#define K(...) ((const union stap_key[]){ __VA_ARGS__ })
#define CHECK_ERR() do { if (unlikely(c->last_error)) goto out; } while (0)

/* probe begin #1: arrays of longs and strings. */
static void stap_handler_0(struct context *c)
{
	struct stap_locals_0 *l = &c->locals[0].b0;

	if (stap_globals_rc) {
		OUT_S("alloc failed: ");
		OUT_L(stap_globals_rc);
		OUT_S("\n");
		return;
	}
	if (!stap_lock_global(&stap_lock_a)) {
		stap_skip_probe();
		return;
	}
	if (!stap_lock_global(&stap_lock_w))
		goto out_a;
	if (!stap_lock_global(&stap_lock_big))
		goto out_w;

	/* a[1,"x"] = 5; a[2,"y"] += 3; a[2,"y"]++; a[1,"z"] = 0 */
	stap_map_set_long(c, &stap_map_a, K({ .l = 1 }, { .s = "x" }), 5,
			  "identifier 'a' at maps.stp:2:1");
	CHECK_ERR();
	stap_map_add_long(c, &stap_map_a, K({ .l = 2 }, { .s = "y" }), 3,
			  "identifier 'a' at maps.stp:3:1");
	CHECK_ERR();
	l->n = stap_map_add_long(c, &stap_map_a, K({ .l = 2 }, { .s = "y" }),
				 1, "identifier 'a' at maps.stp:4:1") - 1;
	CHECK_ERR();
	stap_map_set_long(c, &stap_map_a, K({ .l = 1 }, { .s = "z" }), 0,
			  "identifier 'a' at maps.stp:5:1");
	CHECK_ERR();
	OUT_S("a[2,y]++ was ");
	OUT_L(l->n);
	OUT_S(", a[2,y] ");
	OUT_L(stap_map_get_long(&stap_map_a, K({ .l = 2 }, { .s = "y" })));
	OUT_S(", a[7,q] ");
	OUT_L(stap_map_get_long(&stap_map_a, K({ .l = 7 }, { .s = "q" })));
	OUT_S(", [1,z] in a ");
	OUT_L(stap_map_exists(&stap_map_a, K({ .l = 1 }, { .s = "z" })));
	OUT_S(", [7,q] in a ");
	OUT_L(stap_map_exists(&stap_map_a, K({ .l = 7 }, { .s = "q" })));
	OUT_S(", count ");
	OUT_L(stap_map_count(&stap_map_a));
	OUT_S("\n");

	/* foreach ([k, s] in a-) printf("%d %s %d\n", k, s, a[k, s]) */
	stap_map_foreach_start(c, &stap_map_a, &l->it0, 0, STAP_SORT_VALUE, -1,
			       STAP_MAP_NOLIMIT, "keyword at maps.stp:6:1");
	while (stap_map_foreach_next(c, &l->it0, "keyword at maps.stp:6:1")) {
		l->k = stap_map_iter_key_long(&l->it0, 1);
		stap_strcpy(l->str, stap_map_iter_key_str(&l->it0, 2));
		OUT_L(l->k);
		OUT_S(" ");
		OUT_S(l->str);
		OUT_S(" ");
		OUT_L(stap_map_iter_long(&l->it0));
		OUT_S("\n");
	}
	CHECK_ERR();

	/* w%[2]: "a", "b", then "c" pushes out "a". */
	stap_map_set_str(c, &stap_map_w, K({ .s = "a" }), "first", "w:1");
	stap_map_set_str(c, &stap_map_w, K({ .s = "b" }), "second", "w:2");
	stap_map_set_str(c, &stap_map_w, K({ .s = "c" }), "third", "w:3");
	CHECK_ERR();
	stap_map_foreach_start(c, &stap_map_w, &l->it0, 0, STAP_SORT_NONE, 1,
			       STAP_MAP_NOLIMIT, "w:4");
	OUT_S("w:");
	while (stap_map_foreach_next(c, &l->it0, "w:4")) {
		OUT_S(" ");
		OUT_S(stap_map_iter_key_str(&l->it0, 1));
		OUT_S("=");
		OUT_S(stap_map_iter_str(&l->it0));
	}
	OUT_S(", w[a]=\"");
	OUT_S(stap_map_get_str(&stap_map_w, K({ .s = "a" }), l->tmp));
	OUT_S("\"\n");

	/* for (i = 0; i < 2048; i++) big[i * 7919 % 10007] = i */
	for (l->k = 0; l->k < MAXMAPENTRIES; l->k++) {
		stap_map_set_long(c, &stap_map_big,
				  K({ .l = l->k * 7919 % 10007 }), l->k,
				  "big:1");
		CHECK_ERR();
	}
	/* foreach ([k] in big- limit 3), and the 3 smallest keys */
	OUT_S("big:");
	stap_map_foreach_start(c, &stap_map_big, &l->it0, 0, STAP_SORT_VALUE,
			       -1,
			       3, "big:2");
	while (stap_map_foreach_next(c, &l->it0, "big:2")) {
		OUT_S(" ");
		OUT_L(stap_map_iter_key_long(&l->it0, 1));
		OUT_S("=");
		OUT_L(stap_map_iter_long(&l->it0));
	}
	OUT_S(" |");
	stap_map_foreach_start(c, &stap_map_big, &l->it0, 1, 1, 1, 3, "big:3");
	while (stap_map_foreach_next(c, &l->it0, "big:3")) {
		OUT_S(" ");
		OUT_L(stap_map_iter_key_long(&l->it0, 1));
	}
	/* Nested foreach over one array: count pairs with k1 < k2 among
	 * the first 3 by key. */
	l->n = 0;
	stap_map_foreach_start(c, &stap_map_big, &l->it0, 2, 1, 1, 3, "big:4");
	while (stap_map_foreach_next(c, &l->it0, "big:4")) {
		l->k = stap_map_iter_key_long(&l->it0, 1);
		stap_map_foreach_start(c, &stap_map_big, &l->it1, 3, 1, -1,
				       3, "big:5");
		while (stap_map_foreach_next(c, &l->it1, "big:5"))
			l->n += l->k < stap_map_iter_key_long(&l->it1, 1);
	}
	CHECK_ERR();
	OUT_S(" | pairs ");
	OUT_L(l->n);
	OUT_S(", count ");
	OUT_L(stap_map_count(&stap_map_big));
	stap_map_clear(&stap_map_big);
	OUT_S(", after delete ");
	OUT_L(stap_map_count(&stap_map_big));
	OUT_S("\n");
out:
	raw_spin_unlock(&stap_lock_big);
out_w:
	raw_spin_unlock(&stap_lock_w);
out_a:
	raw_spin_unlock(&stap_lock_a);
}

/* What each CPU's "probe" does: <<< without any global lock.  Runs in
 * the IPI (hard irq) on every CPU. */
static atomic_t stap_feed_done;
static void stap_feed(void *unused)
{
	struct context *c = stap_contexts[smp_processor_id()];
	int cpu = smp_processor_id(), i;

	for (i = 0; i < 20000; i++) {
		stap_stat_add(&stap_stat_lat, i % 120);
		stap_pmap_add(c, &stap_pmap_h,
			      K({ .s = cpu ? "odd" : "zero" }, { .l = i % 3 }),
			      i % 1000, "h:1");
	}
	atomic_inc(&stap_feed_done);
}

/* probe begin #2: statistics. */
static void stap_handler_1(struct context *c)
{
	struct stap_locals_0 *l = &c->locals[0].b0;
	const struct stap_stat_data *d;
	int i, reads = 0;

	if (stap_globals_rc)
		return;
	if (!stap_lock_global(&stap_lock_s)) {
		stap_skip_probe();
		return;
	}
	if (!stap_lock_global(&stap_lock_lat))
		goto out_s;
	if (!stap_lock_global(&stap_lock_h))
		goto out_lat;

	/* for (i = 1; i <= 5; i++) s <<< i; println(@variance(s)) ... */
	for (i = 1; i <= 5; i++)
		stap_stat_add(&stap_stat_s, i);
	d = stap_stat_get(&stap_stat_s);
	OUT_S("s: count ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_COUNT, "s:1"));
	OUT_S(" sum ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_SUM, "s:1"));
	OUT_S(" min ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_MIN, "s:1"));
	OUT_S(" max ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_MAX, "s:1"));
	OUT_S(" avg ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_AVG, "s:1"));
	OUT_S(" variance ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_VARIANCE, "s:1"));
	OUT_S("\n");
	CHECK_ERR();
	stap_hist_print(c, &c->out, &stap_stat_s.shape, d, "s:2");
	CHECK_ERR();

	/* Every CPU feeds lat and h from its IPI while this one reads. */
	atomic_set(&stap_feed_done, 0);
	on_each_cpu(stap_feed, NULL, 0);
	while (atomic_read(&stap_feed_done) < num_online_cpus() &&
	       reads < 100000000) {
		d = stap_stat_get(&stap_stat_lat);
		reads++;
	}
	d = stap_stat_get(&stap_stat_lat);
	OUT_S("lat: cpus ");
	OUT_L(num_online_cpus());
	OUT_S(" count ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_COUNT, "lat:1"));
	OUT_S(" avg ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_AVG, "lat:1"));
	OUT_S(" variance ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_VARIANCE, "lat:1"));
	OUT_S(" @hist_linear[12] ");
	OUT_L(stap_hist_bucket(c, &stap_stat_lat.shape, d, 12, "lat:2"));
	OUT_S(" buckets ");
	OUT_L(stap_hist_nbuckets(&stap_stat_lat.shape));
	OUT_S("\n");
	CHECK_ERR();
	stap_hist_print(c, &c->out, &stap_stat_lat.shape, d, "lat:3");

	/* foreach ([k, j] in h @sum- limit 4) */
	{
		struct stap_map *agg = stap_pmap_aggregate(c, &stap_pmap_h,
							   "h:2");
		if (!agg)
			goto out;
		stap_map_foreach_start(c, agg, &l->it0, 0, STAP_SORT_SUM, -1, 4,
				       "h:3");
		while (stap_map_foreach_next(c, &l->it0, "h:3")) {
			const struct stap_stat_data *e =
				stap_map_iter_stat(&l->it0);
			OUT_S("h[");
			OUT_S(stap_map_iter_key_str(&l->it0, 1));
			OUT_S(",");
			OUT_L(stap_map_iter_key_long(&l->it0, 2));
			OUT_S("]: count ");
			OUT_L(stap_stat_extract(c, e, STAP_STAT_COUNT, "h:4"));
			OUT_S(" sum ");
			OUT_L(stap_stat_extract(c, e, STAP_STAT_SUM, "h:4"));
			OUT_S(" max ");
			OUT_L(stap_stat_extract(c, e, STAP_STAT_MAX, "h:4"));
			OUT_S("\n");
		}
		CHECK_ERR();
	}
	/* print(@hist_log(h["zero", 0])) */
	d = stap_pmap_get(&stap_pmap_h, K({ .s = "zero" }, { .l = 0 }));
	stap_hist_print(c, &c->out, stap_pmap_shape(&stap_pmap_h), d, "h:5");
	CHECK_ERR();
	stap_request_exit();	/* exit() */
out:
	raw_spin_unlock(&stap_lock_h);
out_lat:
	raw_spin_unlock(&stap_lock_lat);
out_s:
	raw_spin_unlock(&stap_lock_s);
}

/* probe end: @min of an emptied stat is an error; overflow is too. */
static void stap_handler_2(struct context *c)
{
	const struct stap_stat_data *d;

	if (stap_globals_rc)
		return;
	if (!stap_lock_global(&stap_lock_a)) {
		stap_skip_probe();
		return;
	}
	if (!stap_lock_global(&stap_lock_s))
		goto out_a;
	stap_stat_clear(&stap_stat_s);
	d = stap_stat_get(&stap_stat_s);
	OUT_S("end: @count(s) ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_COUNT, "e:1"));
	OUT_S(" @sum(s) ");
	OUT_L(stap_stat_extract(c, d, STAP_STAT_SUM, "e:1"));
	OUT_S("\n");
	/* a is full (3): a new key is an error. */
	stap_map_set_long(c, &stap_map_a, K({ .l = 9 }, { .s = "z" }), 1,
			  "identifier 'a' at maps.stp:9:5");
	CHECK_ERR();
	OUT_S("not reached\n");
out:
	raw_spin_unlock(&stap_lock_s);
out_a:
	raw_spin_unlock(&stap_lock_a);
}

static const struct stap_probe_info stap_probe_infos[] = {
	{ "begin", stap_handler_0 },
	{ "begin", stap_handler_1 },
	{ "end", stap_handler_2 },
};

static const struct stap_once_probe stap_begin_probes[] = {
	{ &stap_probe_infos[0] },
	{ &stap_probe_infos[1] },
};
static const struct stap_once_probe stap_end_probes[] = {
	{ &stap_probe_infos[2] },
};

static const struct stap_family_ops stap_families[] = {
	{ .start = stap_begin_run, .points = (void *)stap_begin_probes,
	  .n = ARRAY_SIZE(stap_begin_probes) },
	{ .stop = stap_end_run, .points = (void *)stap_end_probes,
	  .n = ARRAY_SIZE(stap_end_probes) },
	{ NULL },
};

#include "runtime_main.c"
