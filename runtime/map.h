/*
 * Types of the script's associative arrays and statistics.
 *
 * Included right after runtime_defs.h, before the generated globals
 * (which are made of these types); the functions are in hist.c, stat.c,
 * map.c, map_foreach.c and pmap.c, included by runtime_core.h.
 * doc/runtime-maps.md is the contract with the translator.
 *
 * Everything is sized and allocated once, in process context, from a
 * small const descriptor the translator emits per global.  After that a
 * probe handler only reuses preallocated memory: no operation here
 * allocates, sleeps or loops without a bound.
 *
 * Three objects:
 *   struct stap_map    a hash table of at most N entries, keys of 1..9
 *                      longs/strings, values long or string (and, as
 *                      the merged view of a stat array, statistics)
 *   struct stap_stat   a scalar statistic: one partial aggregate per CPU
 *   struct stap_pmap   an array of statistics: one stap_map per CPU,
 *                      merged into an aggregate map when read
 */
#ifndef STAP_MAP_H
#define STAP_MAP_H

#ifndef MAXMAPENTRIES
#define MAXMAPENTRIES 2048	/* entries per array without global a[N] */
#endif
#ifndef MAP_STRING_LENGTH
#define MAP_STRING_LENGTH MAXSTRINGLEN	/* bytes per string key, NUL
					 * included; longer keys truncate */
#endif
#ifndef HIST_WIDTH
#define HIST_WIDTH 50		/* columns of the longest histogram bar */
#endif
#ifndef HIST_ELISION
#define HIST_ELISION 2		/* zero rows kept around data; <0: keep all */
#endif
#ifndef STAP_HIST_MAX_BUCKETS
#define STAP_HIST_MAX_BUCKETS 128	/* linear buckets, out-of-range ones
					 * included */
#endif

#define STAP_MAP_MAXKEYS	9
#define STAP_HIST_LOG_BUCKETS	128	/* -2^63 .. -1, 0, 1 .. 2^62 */
#define STAP_HIST_LOG_BUCKET0	64	/* the bucket of value 0 */
#define STAP_MAP_NOLIMIT	S64_MAX	/* foreach without "limit" */

/* ---- statistics ---- */

enum stap_hist_type { STAP_HIST_NONE, STAP_HIST_LOG, STAP_HIST_LINEAR };

/*
 * What the translator knows of one statistic (a scalar or the values
 * of an array): the histogram it feeds, and whether any @variance reads
 * it (only then does <<< pay for Welford's update).
 */
struct stap_stat_desc {
	u8 hist;		/* enum stap_hist_type */
	bool variance;		/* @variance(s[, bit_shift]) is used */
	u8 bit_shift;		/* 0..62, @variance's second argument */
	s64 start, stop, interval;	/* @hist_linear(s, start, stop,
					 * interval), validated by pass 2 */
};

/* The layout derived from a stap_stat_desc at allocation. */
struct stap_stat_shape {
	const struct stap_stat_desc *desc;
	u32 nbuckets;		/* 0, 128, or (stop - start) / interval + 3 */
	u32 size;		/* bytes of a stap_stat_data with its buckets */
};

/*
 * One aggregate: a CPU's partial one, or the merge of all CPUs'.
 * avg_s, m2 and variance_s are scaled by 2^bit_shift (Welford's online
 * algorithm in integers, as upstream computes it).  count == 0 means
 * empty: the other fields are then meaningless.
 */
struct stap_stat_data {
	s64 count, sum, min, max;
	s64 avg_s, m2, variance_s;
	s64 variance;		/* merged aggregates only */
	s64 hist[];		/* shape.nbuckets counters */
};

/* A scalar statistic, `global s; s <<< v`. */
struct stap_stat {
	struct stap_stat_shape shape;
	void **cpu;		/* [nr_cpu_ids]: a raw spinlock followed by
				 * that CPU's stap_stat_data */
	struct stap_stat_data *agg;	/* what stap_stat_get() returns */
};

/* ---- arrays ---- */

/* One index value, as the generated code passes keys: k[0..nkeys-1]. */
union stap_key {
	s64 l;
	const char *s;
};

/* What the translator knows of one array global. */
struct stap_map_desc {
	const char *name;	/* the script's name, for messages */
	u8 nkeys;		/* 1..STAP_MAP_MAXKEYS */
	char key_types[STAP_MAP_MAXKEYS + 1];	/* 'l' long, 's' string */
	char value_type;	/* 'l' long, 's' string, 'x' statistic */
	u32 max_entries;	/* global a[N]: N; 0: MAXMAPENTRIES */
	bool wrap;		/* global a%: a full array drops its oldest
				 * entry instead of failing */
	u8 foreach_sites;	/* foreach statements over this array in
				 * the script: each has its own snapshot */
	const struct stap_stat_desc *stat;	/* value_type 'x' */
};

/*
 * The header of every node.  Nodes are numbered 1..nmax; 0 is "none".
 * A live node is on one hash chain (hnext) and on the insertion-order
 * list (prev/next); a free node is on the free list (next).  gen
 * changes whenever a node is freed or reused, so that a foreach
 * snapshot can tell that its node now holds something else.
 * Keys, then the value, follow the header at offsets kept in the map.
 */
struct stap_map_node {
	u32 hnext, prev, next;
	u32 hash;
	u32 gen;
	u32 live;
};

/* A foreach snapshot entry: the node, its gen when taken, and its
 * rank in insertion order (what breaks ties of a sort). */
struct stap_map_snap {
	u32 node, gen, seq;
};

struct stap_map {
	const struct stap_map_desc *desc;
	u32 nmax;		/* capacity */
	u32 count;		/* live nodes */
	u32 node_size;
	u32 key_off[STAP_MAP_MAXKEYS];
	u32 val_off;
	u32 hash_mask;		/* heads has hash_mask + 1 chains */
	u32 seed;
	u32 *heads;
	char *nodes;		/* node i at nodes + (i - 1) * node_size */
	u32 free;		/* free list */
	u32 oldest, newest;	/* insertion-order list */
	bool wrap;		/* full: reuse the oldest node */
	struct stap_stat_shape stat;	/* value_type 'x' */
	raw_spinlock_t lock;	/* a stat array's per-CPU map: taken by <<<
				 * on its CPU and by readers merging it */
	u32 nsites;		/* foreach sites with a snapshot */
	struct stap_map_snap *snaps;	/* [nsites][nmax] */
	u32 *snap_stamp;	/* [nsites]: who owns each site's snapshot */
	u32 snap_clock;
	char overflow_msg[128];	/* "Array overflow, check ..." */
};

/* A statistics array, `global a; a[k] <<< v`. */
struct stap_pmap {
	const struct stap_map_desc *desc;
	struct stap_map **cpu;	/* [nr_cpu_ids] */
	struct stap_map agg;	/* merged by stap_pmap_aggregate() */
	struct stap_stat_data *scratch;	/* merged by stap_pmap_get() */
	char agg_msg[128];
};

/*
 * A foreach in progress; lives in the probe's locals.  Reads snapshot
 * entries pos .. end-1 of its site's snapshot, valid while the map's
 * stamp for that site is still `stamp` (a recursive call that reaches
 * the same foreach statement again takes the snapshot over).
 */
struct stap_map_iter {
	struct stap_map *m;
	struct stap_map_node *cur;	/* the entry of this iteration */
	u32 site, stamp;
	u32 pos, end;
};

/* Sort columns for stap_map_foreach_start(). */
enum {
	STAP_SORT_NONE = 0,	/* insertion order */
	/* 1..9: that key */
	STAP_SORT_VALUE = -1,	/* the value; @count for statistics */
	STAP_SORT_COUNT = -2,
	STAP_SORT_SUM = -3,
	STAP_SORT_MIN = -4,
	STAP_SORT_MAX = -5,
	STAP_SORT_AVG = -6,
};

/* Extractors for stap_stat_extract(). */
enum stap_stat_op {
	STAP_STAT_COUNT, STAP_STAT_SUM, STAP_STAT_MIN, STAP_STAT_MAX,
	STAP_STAT_AVG, STAP_STAT_VARIANCE,
};

#endif
