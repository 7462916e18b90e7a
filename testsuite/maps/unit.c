/*
 * Host-side unit test of runtime/hist.c, stat.c, map.c, map_foreach.c
 * and pmap.c, built against kshim.h instead of the kernel:
 *
 *   ./unit              every built-in test (exit 1 on any failure)
 *   ./unit fuzz N SEED  N random operations on maps against a model
 *   ./unit golden FILE  each @hist_log table in FILE (a transcript of
 *                       upstream output) is rebuilt from its counts and
 *                       must print byte for byte the same
 *
 * Built and run by `make -C testsuite/maps check` (see Makefile there).
 */
#include "kshim.h"
#include "../../runtime/string.c"
#include "../../runtime/print.c"
#include "../../runtime/map.h"
#include "../../runtime/hist.c"
#include "../../runtime/stat.c"
#include "../../runtime/map.c"
#include "../../runtime/map_foreach.c"
#include "../../runtime/pmap.c"

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
		failures++;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long a_ = (a), b_ = (b);					\
	if (a_ != b_) {							\
		fprintf(stderr, "%s:%d: FAIL: %s == %lld, want %lld\n",	\
			__FILE__, __LINE__, #a, a_, b_);		\
		failures++;						\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (strcmp(a_, b_)) {						\
		fprintf(stderr, "%s:%d: FAIL: %s:\n--- got\n%s--- want\n%s---\n", \
			__FILE__, __LINE__, #a, a_, b_);		\
		failures++;						\
	}								\
} while (0)

/* A large non-flushing buffer to print tables into. */
static char outbuf[1 << 20];
static struct stap_sb out;

static const char *out_reset(void)
{
	out.buf = outbuf;
	out.len = 0;
	out.cap = sizeof(outbuf) - 1;
	out.flush = NULL;
	return outbuf;
}

static const char *out_str(void)
{
	outbuf[out.len] = '\0';
	return outbuf;
}

/* ---- statistics ---- */

static void test_variance(void)
{
	static const struct stap_stat_desc d0 = { .variance = true };
	static const struct stap_stat_desc d1 = { .variance = true,
						  .bit_shift = 1 };
	struct context c = { 0 };
	struct stap_stat s0, s1;
	const struct stap_stat_data *a;
	int i;

	CHECK_EQ(stap_stat_alloc(&s0, &d0), 0);
	CHECK_EQ(stap_stat_alloc(&s1, &d1), 0);
	for (i = 1; i <= 5; i++) {
		stap_stat_add(&s0, i);
		stap_stat_add(&s1, i);
	}
	/* man stap: 12 and 2. */
	a = stap_stat_get(&s0);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_VARIANCE, "l"), 12);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_COUNT, "l"), 5);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_SUM, "l"), 15);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_MIN, "l"), 1);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_MAX, "l"), 5);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_AVG, "l"), 3);
	a = stap_stat_get(&s1);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_VARIANCE, "l"), 2);
	CHECK(!c.last_error);

	/* Empty: @count, @sum 0; the rest "empty aggregate". */
	stap_stat_clear(&s0);
	a = stap_stat_get(&s0);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_COUNT, "l"), 0);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_SUM, "l"), 0);
	CHECK(!c.last_error);
	stap_stat_extract(&c, a, STAP_STAT_MIN, "here");
	CHECK(c.last_error && !strcmp(c.last_error, "empty aggregate"));
	CHECK(c.last_loc && !strcmp(c.last_loc, "here"));

	/* One sample: variance 0; negative averages truncate to 0. */
	c.last_error = NULL;
	stap_stat_add(&s0, -7);
	a = stap_stat_get(&s0);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_VARIANCE, "l"), 0);
	stap_stat_add(&s0, 2);
	a = stap_stat_get(&s0);
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_AVG, "l"), -2);
	CHECK(!c.last_error);
	stap_stat_free(&s0);
	stap_stat_free(&s1);
}

/* Samples spread over CPUs merge to what one CPU would have seen. */
static void test_stat_cpus(void)
{
	static const struct stap_stat_desc d = { .hist = STAP_HIST_LOG,
						 .variance = true,
						 .bit_shift = 8 };
	struct context c = { 0 };
	struct stap_stat s;
	const struct stap_stat_data *a;
	double mean = 0, m2 = 0, var;
	s64 sum = 0, mn = S64_MAX, mx = S64_MIN;
	int i, n = 1000;

	CHECK_EQ(stap_stat_alloc(&s, &d), 0);
	srand(7);
	for (i = 0; i < n; i++) {
		s64 v = rand() % 2000 - 500;

		shim_cpu = rand() % nr_cpu_ids;
		stap_stat_add(&s, v);
		sum += v;
		mn = v < mn ? v : mn;
		mx = v > mx ? v : mx;
		m2 += (double)v * v;
		mean += v;
	}
	shim_cpu = 0;
	mean /= n;
	var = (m2 - n * mean * mean) / (n - 1);
	a = stap_stat_get(&s);
	CHECK_EQ(a->count, n);
	CHECK_EQ(a->sum, sum);
	CHECK_EQ(a->min, mn);
	CHECK_EQ(a->max, mx);
	CHECK(llabs(stap_stat_extract(&c, a, STAP_STAT_VARIANCE, "l") -
		    (s64)var) <= var / 1000 + 2);
	{
		s64 total = 0;
		u32 b;

		for (b = 0; b < stap_hist_nbuckets(&s.shape); b++)
			total += stap_hist_bucket(&c, &s.shape, a, b, "l");
		CHECK_EQ(total, n);
	}
	stap_hist_bucket(&c, &s.shape, a, 128, "l");
	CHECK(c.last_error &&
	      !strcmp(c.last_error, "histogram index out of range"));
	stap_stat_free(&s);
}

/* ---- histograms ---- */

static void test_hist_buckets(void)
{
	static const struct stap_stat_desc lin = { .hist = STAP_HIST_LINEAR,
		.start = 1, .stop = 3, .interval = 1 };
	struct stap_stat_shape sh;

	CHECK_EQ(stap_hist_log_bucket(0), 64);
	CHECK_EQ(stap_hist_log_bucket(1), 65);
	CHECK_EQ(stap_hist_log_bucket(3), 66);
	CHECK_EQ(stap_hist_log_bucket(S64_MAX), 127);
	CHECK_EQ(stap_hist_log_bucket(-1), 63);
	CHECK_EQ(stap_hist_log_bucket(-3), 62);
	CHECK_EQ(stap_hist_log_bucket(S64_MIN), 0);
	CHECK_EQ(stap_hist_log_value(0), S64_MIN);
	CHECK_EQ(stap_hist_log_value(63), -1);
	CHECK_EQ(stap_hist_log_value(127), 1LL << 62);

	/* man stap: x <<< -100, 1, 2, 3, 100 over (1, 3, 1): buckets
	 * 0 (below), 1, 2, 3, 4 (above), one sample each. */
	CHECK_EQ(stap_stat_shape_init(&sh, &lin), 0);
	CHECK_EQ(sh.nbuckets, 5);
	CHECK_EQ(stap_hist_linear_bucket(&sh, -100), 0);
	CHECK_EQ(stap_hist_linear_bucket(&sh, 1), 1);
	CHECK_EQ(stap_hist_linear_bucket(&sh, 2), 2);
	CHECK_EQ(stap_hist_linear_bucket(&sh, 3), 3);
	CHECK_EQ(stap_hist_linear_bucket(&sh, 100), 4);
	CHECK_EQ(stap_hist_linear_bucket(&sh, S64_MIN), 0);
	CHECK_EQ(stap_hist_linear_bucket(&sh, S64_MAX), 4);
}

static void print_linear(s64 start, s64 stop, s64 interval,
			 const s64 *samples, const int *counts, int n)
{
	struct stap_stat_desc d = { .hist = STAP_HIST_LINEAR, .start = start,
				    .stop = stop, .interval = interval };
	struct context c = { 0 };
	struct stap_stat s;
	int i, j;

	CHECK_EQ(stap_stat_alloc(&s, &d), 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < counts[i]; j++)
			stap_stat_add(&s, samples[i]);
	out_reset();
	stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s), "l");
	CHECK(!c.last_error);
	stap_stat_free(&s);
}

static void test_hist_linear(void)
{
	/* The language reference's netdev.receive example. */
	static const s64 v1[] = { 0, 200, 1400 };
	static const int n1[] = { 1650, 8, 1 };
	static const char want1[] =
"value |-------------------------------------------------- count\n"
"    0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1650\n"
"  200 |                                                      8\n"
"  400 |                                                      0\n"
"  600 |                                                      0\n"
"      ~\n"
" 1000 |                                                      0\n"
" 1200 |                                                      0\n"
" 1400 |                                                      1\n"
" 1600 |                                                      0\n"
" 1800 |                                                      0\n"
"\n";
	/* Out-of-range rows appear only when they count something; runs
	 * of up to 2 * HIST_ELISION zero rows between data stay. */
	static const s64 v2[] = { -5, 0, 10, 20, 99 };
	static const int n2[] = { 2, 3, 60, 1, 4 };
	static const char want2[] =
"value |-------------------------------------------------- count\n"
"  <-1 |@                                                   2\n"
"   -1 |@                                                   3\n"
"    1 |                                                    0\n"
"    3 |                                                    0\n"
"    5 |                                                    0\n"
"    7 |                                                    0\n"
"    9 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     60\n"
"   11 |                                                    0\n"
"   13 |                                                    0\n"
"   15 |                                                    0\n"
"   17 |                                                    0\n"
"   19 |                                                    1\n"
"   21 |                                                    0\n"
"   23 |                                                    0\n"
"      ~\n"
"   29 |                                                    0\n"
"   31 |                                                    0\n"
"  >31 |@@                                                  4\n"
"\n";
	static const s64 v3[] = { 5 };
	static const int n3[] = { 1 };
	static const char want3[] =
"value |-------------------------------------------------- count\n"
"    0 |                                                   0\n"
"    2 |                                                   0\n"
"    4 |@                                                  1\n"
"    6 |                                                   0\n"
"    8 |                                                   0\n"
"\n";

	print_linear(0, 10240, 200, v1, n1, 3);
	CHECK_STR(out_str(), want1);
	print_linear(-1, 31, 2, v2, n2, 5);
	CHECK_STR(out_str(), want2);
	print_linear(0, 10, 2, v3, n3, 1);
	CHECK_STR(out_str(), want3);
}

static void test_hist_log(void)
{
	static const struct stap_stat_desc d = { .hist = STAP_HIST_LOG };
	/* cycle_thief.stp's "off processor" table, as upstream prints it. */
	static const s64 v[] = { 4, 8, 16, 32, 64, 128, 512 };
	static const int n[] = { 4, 27, 34, 4, 5, 5, 1 };
	static const char want[] =
"value |-------------------------------------------------- count\n"
"    1 |                                                    0\n"
"    2 |                                                    0\n"
"    4 |@@@@                                                4\n"
"    8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@                        27\n"
"   16 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                 34\n"
"   32 |@@@@                                                4\n"
"   64 |@@@@@                                               5\n"
"  128 |@@@@@                                               5\n"
"  256 |                                                    0\n"
"  512 |@                                                   1\n"
" 1024 |                                                    0\n"
" 2048 |                                                    0\n"
"\n";
	struct context c = { 0 };
	struct stap_stat s;
	int i, j;

	CHECK_EQ(stap_stat_alloc(&s, &d), 0);
	out_reset();
	stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s), "l");
	CHECK(c.last_error && !strcmp(c.last_error, "empty aggregate"));
	c.last_error = NULL;
	for (i = 0; i < 7; i++)
		for (j = 0; j < n[i]; j++) {
			shim_cpu = j % nr_cpu_ids;
			stap_stat_add(&s, v[i] + j % v[i]);
		}
	shim_cpu = 0;
	out_reset();
	stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s), "l");
	CHECK_STR(out_str(), want);
	stap_stat_free(&s);

	/* A value 0 alone: no negative rows. */
	CHECK_EQ(stap_stat_alloc(&s, &d), 0);
	stap_stat_add(&s, 0);
	out_reset();
	stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s), "l");
	CHECK_STR(out_str(),
"value |-------------------------------------------------- count\n"
"    0 |@                                                  1\n"
"    1 |                                                   0\n"
"    2 |                                                   0\n"
"\n");
	stap_stat_free(&s);
}

/* The print buffer drains through flush when a table outgrows it. */
static char small_buf[64], flushed[8192];
static size_t nflushed;
static void small_flush(struct stap_sb *sb)
{
	memcpy(flushed + nflushed, sb->buf, sb->len);
	nflushed += sb->len;
	sb->len = 0;
}

static void test_hist_flush(void)
{
	static const s64 v[] = { 0, 200, 1400 };
	static const int n[] = { 1650, 8, 1 };
	struct stap_stat_desc d = { .hist = STAP_HIST_LINEAR, .start = 0,
				    .stop = 10240, .interval = 200 };
	struct stap_sb sb = { .buf = small_buf, .cap = sizeof(small_buf),
			      .flush = small_flush };
	struct context c = { 0 };
	struct stap_stat s;
	int i, j;

	CHECK_EQ(stap_stat_alloc(&s, &d), 0);
	for (i = 0; i < 3; i++)
		for (j = 0; j < n[i]; j++)
			stap_stat_add(&s, v[i]);
	out_reset();
	stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s), "l");
	stap_hist_print(&c, &sb, &s.shape, stap_stat_get(&s), "l");
	small_flush(&sb);
	CHECK_EQ(nflushed, out.len);
	CHECK(!memcmp(flushed, out_str(), nflushed));
	stap_stat_free(&s);
}

/* ---- maps ---- */

static const struct stap_map_desc desc_ls = {
	.name = "a", .nkeys = 2, .key_types = "ls", .value_type = 'l',
	.max_entries = 3,
};
static const struct stap_map_desc desc_wrap = {
	.name = "w", .nkeys = 1, .key_types = "s", .value_type = 's',
	.max_entries = 2, .wrap = true, .foreach_sites = 1,
};

#define K(...) ((const union stap_key[]){ __VA_ARGS__ })

static void test_map_basic(void)
{
	struct context c = { 0 };
	struct stap_map m, w;
	char buf[MAXSTRINGLEN];

	CHECK_EQ(stap_map_alloc(&m, &desc_ls), 0);
	CHECK_EQ(stap_map_get_long(&m, K({ .l = 1 }, { .s = "x" })), 0);
	CHECK(!stap_map_exists(&m, K({ .l = 1 }, { .s = "x" })));
	CHECK_EQ(stap_map_count(&m), 0);
	stap_map_set_long(&c, &m, K({ .l = 1 }, { .s = "x" }), 5, "l");
	stap_map_set_long(&c, &m, K({ .l = 1 }, { .s = "y" }), 0, "l");
	CHECK_EQ(stap_map_add_long(&c, &m, K({ .l = 2 }, { .s = "x" }), 3,
				   "l"), 3);
	CHECK_EQ(stap_map_add_long(&c, &m, K({ .l = 2 }, { .s = "x" }), 3,
				   "l"), 6);
	CHECK(stap_map_exists(&m, K({ .l = 1 }, { .s = "y" })));	/* = 0 */
	CHECK_EQ(stap_map_get_long(&m, K({ .l = 1 }, { .s = "x" })), 5);
	CHECK_EQ(stap_map_count(&m), 3);
	CHECK(!c.last_error);
	stap_map_set_long(&c, &m, K({ .l = 3 }, { .s = "x" }), 1, "there");
	CHECK(c.last_error && !strcmp(c.last_error,
		"Array overflow, check size limit (3) (declare the array "
		"larger)"));
	CHECK_EQ(stap_map_count(&m), 3);
	c.last_error = NULL;
	stap_map_delete(&m, K({ .l = 1 }, { .s = "x" }));
	stap_map_delete(&m, K({ .l = 9 }, { .s = "x" }));
	CHECK_EQ(stap_map_count(&m), 2);
	stap_map_set_long(&c, &m, K({ .l = 3 }, { .s = "x" }), 1, "l");
	CHECK(!c.last_error);
	stap_map_clear(&m);
	CHECK_EQ(stap_map_count(&m), 0);
	CHECK_EQ(stap_map_get_long(&m, K({ .l = 3 }, { .s = "x" })), 0);
	stap_map_free(&m);

	/* Wrap: the oldest-inserted goes, updates do not refresh age. */
	CHECK_EQ(stap_map_alloc(&w, &desc_wrap), 0);
	stap_map_set_str(&c, &w, K({ .s = "a" }), "A", "l");
	stap_map_set_str(&c, &w, K({ .s = "b" }), "B", "l");
	stap_map_set_str(&c, &w, K({ .s = "a" }), "A2", "l");
	stap_map_set_str(&c, &w, K({ .s = "c" }), "C", "l");
	CHECK(!c.last_error);
	CHECK(!stap_map_exists(&w, K({ .s = "a" })));
	CHECK_STR(stap_map_get_str(&w, K({ .s = "b" }), buf), "B");
	CHECK_STR(stap_map_get_str(&w, K({ .s = "c" }), buf), "C");
	CHECK_STR(stap_map_get_str(&w, K({ .s = "zz" }), buf), "");
	stap_map_free(&w);

	{	/* Default size names MAXMAPENTRIES. */
		static const struct stap_map_desc d = { .name = "big",
			.nkeys = 1, .key_types = "l", .value_type = 'l' };
		s64 i;

		CHECK_EQ(stap_map_alloc(&m, &d), 0);
		CHECK_EQ(m.nmax, MAXMAPENTRIES);
		for (i = 0; i <= MAXMAPENTRIES && !c.last_error; i++)
			stap_map_set_long(&c, &m, K({ .l = i * 7919 }), i, "l");
		CHECK_EQ(i, MAXMAPENTRIES + 1);
		CHECK(c.last_error && strstr(c.last_error,
			"Array overflow, check MAXMAPENTRIES (raise it with "
			"-D MAXMAPENTRIES=N"));
		for (i = 0; i < MAXMAPENTRIES; i++)
			if (stap_map_get_long(&m, K({ .l = i * 7919 })) != i)
				break;
		CHECK_EQ(i, MAXMAPENTRIES);
		stap_map_free(&m);
	}
}

/* Iterates everything into keys[]; returns how many. */
static int collect(struct context *c, struct stap_map *m, int sort, int dir,
		   s64 limit, s64 *k1, char (*k2)[8])
{
	struct stap_map_iter it;
	int n = 0;

	stap_map_foreach_start(c, m, &it, 0, sort, dir, limit, "l");
	while (stap_map_foreach_next(c, &it, "l")) {
		k1[n] = stap_map_iter_key_long(&it, 1);
		if (k2)
			snprintf(k2[n], 8, "%s", stap_map_iter_key_str(&it, 2));
		n++;
	}
	return n;
}

static void test_map_foreach(void)
{
	static const struct stap_map_desc d = { .name = "f", .nkeys = 2,
		.key_types = "ls", .value_type = 'l', .max_entries = 8,
		.foreach_sites = 2 };
	struct context c = { 0 };
	struct stap_map m;
	s64 k1[8];
	char k2[8][8];
	int n;

	CHECK_EQ(stap_map_alloc(&m, &d), 0);
	stap_map_set_long(&c, &m, K({ .l = 3 }, { .s = "c" }), 10, "l");
	stap_map_set_long(&c, &m, K({ .l = 1 }, { .s = "b" }), 30, "l");
	stap_map_set_long(&c, &m, K({ .l = 2 }, { .s = "a" }), 10, "l");
	stap_map_set_long(&c, &m, K({ .l = 1 }, { .s = "a" }), 20, "l");

	n = collect(&c, &m, STAP_SORT_NONE, 1, STAP_MAP_NOLIMIT, k1, k2);
	CHECK_EQ(n, 4);
	CHECK(k1[0] == 3 && k1[1] == 1 && k1[2] == 2 && k1[3] == 1);

	/* Ascending value: ties (10) by keys: [2,a] before [3,c]. */
	n = collect(&c, &m, STAP_SORT_VALUE, 1, STAP_MAP_NOLIMIT, k1, k2);
	CHECK(n == 4 && k1[0] == 2 && k1[1] == 3 && k1[2] == 1 &&
	      !strcmp(k2[2], "a") && !strcmp(k2[3], "b"));
	/* Descending value, limit 2. */
	n = collect(&c, &m, STAP_SORT_VALUE, -1, 2, k1, k2);
	CHECK(n == 2 && k1[0] == 1 && !strcmp(k2[0], "b") &&
	      !strcmp(k2[1], "a"));
	/* Second key descending, ties by keys ascending. */
	n = collect(&c, &m, 2, -1, STAP_MAP_NOLIMIT, k1, k2);
	CHECK(n == 4 && !strcmp(k2[0], "c") && !strcmp(k2[1], "b") &&
	      k1[2] == 1 && k1[3] == 2);
	n = collect(&c, &m, 1, 1, 0, k1, k2);
	CHECK_EQ(n, 0);
	n = collect(&c, &m, STAP_SORT_NONE, 1, -3, k1, k2);
	CHECK_EQ(n, 0);
	n = collect(&c, &m, STAP_SORT_NONE, 1, 3, k1, k2);
	CHECK_EQ(n, 3);

	/* Nesting: an inner foreach (site 1) restarted for every entry of
	 * the outer one (site 0); then recursion into site 0. */
	{
		struct stap_map_iter outer, inner, again;
		int rounds = 0;

		stap_map_foreach_start(&c, &m, &outer, 0, 1, 1,
				       STAP_MAP_NOLIMIT, "l");
		while (stap_map_foreach_next(&c, &outer, "l")) {
			stap_map_foreach_start(&c, &m, &inner, 1, 2, -1,
					       STAP_MAP_NOLIMIT, "l");
			while (stap_map_foreach_next(&c, &inner, "l"))
				rounds++;
		}
		CHECK_EQ(rounds, 16);
		CHECK(!c.last_error);
		stap_map_foreach_start(&c, &m, &outer, 0, 1, 1,
				       STAP_MAP_NOLIMIT, "l");
		CHECK(stap_map_foreach_next(&c, &outer, "l"));
		stap_map_foreach_start(&c, &m, &again, 0, 1, 1,
				       STAP_MAP_NOLIMIT, "l");
		CHECK(stap_map_foreach_next(&c, &again, "l"));
		CHECK(!stap_map_foreach_next(&c, &outer, "l"));
		CHECK(c.last_error && strstr(c.last_error, "recursive"));
		c.last_error = NULL;
		stap_map_foreach_start(&c, &m, &outer, 2, 1, 1,
				       STAP_MAP_NOLIMIT, "l");
		CHECK(c.last_error && strstr(c.last_error, "foreach_sites"));
		c.last_error = NULL;
	}

	/* A deleted entry is skipped, a reused node too. */
	{
		struct stap_map_iter it;

		n = 0;
		stap_map_foreach_start(&c, &m, &it, 0, STAP_SORT_NONE, 1,
				       STAP_MAP_NOLIMIT, "l");
		stap_map_delete(&m, K({ .l = 1 }, { .s = "b" }));
		stap_map_set_long(&c, &m, K({ .l = 9 }, { .s = "z" }), 1, "l");
		while (stap_map_foreach_next(&c, &it, "l"))
			n++;
		CHECK_EQ(n, 3);
	}
	stap_map_free(&m);
}

/* ---- statistics arrays ---- */

static void test_pmap(void)
{
	static const struct stap_stat_desc sd = { .hist = STAP_HIST_LINEAR,
		.start = 0, .stop = 100, .interval = 10, .variance = true };
	static const struct stap_map_desc d = { .name = "h", .nkeys = 1,
		.key_types = "s", .value_type = 'x', .stat = &sd,
		.foreach_sites = 1 };
	static const char *names[] = { "x", "y", "z" };
	struct context c = { 0 };
	struct stap_pmap pm;
	struct stap_map *agg;
	struct stap_map_iter it;
	const struct stap_stat_data *a;
	int i, n;

	CHECK_EQ(stap_pmap_alloc(&pm, &d), 0);
	for (i = 0; i < 300; i++) {
		shim_cpu = i % nr_cpu_ids;
		stap_pmap_add(&c, &pm, K({ .s = names[i % 3] }), i, "l");
	}
	shim_cpu = 0;
	a = stap_pmap_get(&pm, K({ .s = "y" }));
	CHECK_EQ(a->count, 100);
	CHECK_EQ(a->sum, 100 * 1 + 3 * (99 * 100 / 2));
	CHECK_EQ(a->min, 1);
	CHECK_EQ(a->max, 298);
	CHECK_EQ(stap_hist_bucket(&c, stap_pmap_shape(&pm), a, 12, "l"), 63);
	a = stap_pmap_get(&pm, K({ .s = "nope" }));
	CHECK_EQ(stap_stat_extract(&c, a, STAP_STAT_COUNT, "l"), 0);
	CHECK(!stap_pmap_exists(&pm, K({ .s = "nope" })));
	CHECK(stap_pmap_exists(&pm, K({ .s = "z" })));

	/* foreach ([k] in h @sum-) */
	agg = stap_pmap_aggregate(&c, &pm, "l");
	CHECK(agg != NULL);
	n = 0;
	stap_map_foreach_start(&c, agg, &it, 0, STAP_SORT_SUM, -1,
			       STAP_MAP_NOLIMIT, "l");
	while (stap_map_foreach_next(&c, &it, "l")) {
		const char *want = names[2 - n];

		CHECK_STR(stap_map_iter_key_str(&it, 1), want);
		CHECK_EQ(stap_map_iter_stat(&it)->count, 100);
		n++;
	}
	CHECK_EQ(n, 3);
	/* Re-aggregating keeps nodes: an enclosing loop stays valid. */
	stap_map_foreach_start(&c, agg, &it, 0, STAP_SORT_NONE, 1,
			       STAP_MAP_NOLIMIT, "l");
	stap_pmap_delete(&pm, K({ .s = "y" }));
	CHECK(stap_pmap_aggregate(&c, &pm, "l") == agg);
	n = 0;
	while (stap_map_foreach_next(&c, &it, "l"))
		n++;
	CHECK_EQ(n, 2);
	CHECK_EQ(stap_map_count(agg), 2);
	CHECK(!c.last_error);
	stap_pmap_clear(&pm);
	CHECK_EQ(stap_map_count(stap_pmap_aggregate(&c, &pm, "l")), 0);
	stap_pmap_free(&pm);

	{	/* Full per-CPU map: the overflow error. */
		static const struct stap_map_desc d2 = { .name = "p",
			.nkeys = 1, .key_types = "l", .value_type = 'x',
			.max_entries = 2, .stat = &sd };

		CHECK_EQ(stap_pmap_alloc(&pm, &d2), 0);
		for (i = 0; i < 3; i++)
			stap_pmap_add(&c, &pm, K({ .l = i }), i, "l");
		CHECK(c.last_error && strstr(c.last_error, "size limit (2)"));
		c.last_error = NULL;
		/* Different keys on two CPUs: the union does not fit. */
		shim_cpu = 1;
		stap_pmap_add(&c, &pm, K({ .l = 5 }), 1, "l");
		shim_cpu = 0;
		CHECK(stap_pmap_aggregate(&c, &pm, "l") == NULL);
		CHECK(c.last_error && strstr(c.last_error,
					     "aggregation overflow in array p"));
		stap_pmap_free(&pm);
	}
}

/* ---- random operations against a model ---- */

struct model_entry {
	s64 k1;
	char k2[4];
	s64 v;
	long seq;
	bool live;
};

static int model_cmp_sort, model_cmp_dir;
static int model_cmp(const void *pa, const void *pb)
{
	const struct model_entry *a = pa, *b = pb;
	int r;

	if (model_cmp_sort == 1)
		r = (a->k1 > b->k1) - (a->k1 < b->k1);
	else if (model_cmp_sort == 2)
		r = strcmp(a->k2, b->k2), r = (r > 0) - (r < 0);
	else
		r = (a->v > b->v) - (a->v < b->v);
	if (r)
		return model_cmp_dir < 0 ? -r : r;
	r = (a->k1 > b->k1) - (a->k1 < b->k1);
	if (r)
		return r;
	return strcmp(a->k2, b->k2);
}

static int fuzz(long ops, unsigned seed)
{
	enum { NMAX = 24 };
	struct stap_map_desc d = { .name = "z", .nkeys = 2,
		.key_types = "ls", .value_type = 'l', .max_entries = NMAX,
		.foreach_sites = 1 };
	struct model_entry model[NMAX], sorted[NMAX];
	struct context c = { 0 };
	struct stap_map m;
	long op, seq = 0;
	int before = failures;

	srand(seed);
	d.wrap = rand() & 1;
	CHECK_EQ(stap_map_alloc(&m, &d), 0);
	memset(model, 0, sizeof(model));
	for (op = 0; op < ops && failures == before; op++) {
		s64 k1 = rand() % 8 - 2;
		char k2[4] = { 'a' + rand() % 5, 0 };
		s64 v = rand() % 7 - 3;
		int what = rand() % 100, i, n = 0, live = 0, found = -1;

		for (i = 0; i < NMAX; i++) {
			if (!model[i].live)
				continue;
			live++;
			if (model[i].k1 == k1 && !strcmp(model[i].k2, k2))
				found = i;
		}
		if (what < 50) {	/* set or add */
			bool add = what < 25;

			if (found < 0) {
				int slot = -1, oldest = -1;

				for (i = 0; i < NMAX; i++) {
					if (!model[i].live && slot < 0)
						slot = i;
					if (model[i].live && (oldest < 0 ||
					    model[i].seq < model[oldest].seq))
						oldest = i;
				}
				if (slot < 0 && d.wrap)
					slot = oldest;
				if (slot >= 0) {
					model[slot] = (struct model_entry){
						.k1 = k1, .v = 0, .seq = seq++,
						.live = true };
					strcpy(model[slot].k2, k2);
					found = slot;
				}
			}
			if (add)
				stap_map_add_long(&c, &m, K({ .l = k1 },
						  { .s = k2 }), v, "l");
			else
				stap_map_set_long(&c, &m, K({ .l = k1 },
						  { .s = k2 }), v, "l");
			if (found < 0) {
				CHECK(c.last_error != NULL);
				c.last_error = NULL;
			} else {
				CHECK(!c.last_error);
				model[found].v = add ? model[found].v + v : v;
			}
		} else if (what < 65) {	/* delete */
			stap_map_delete(&m, K({ .l = k1 }, { .s = k2 }));
			if (found >= 0)
				model[found].live = false;
		} else if (what < 67) {
			stap_map_clear(&m);
			for (i = 0; i < NMAX; i++)
				model[i].live = false;
		} else if (what < 85) {	/* get, in */
			CHECK_EQ(stap_map_get_long(&m, K({ .l = k1 },
						   { .s = k2 })),
				 found >= 0 ? model[found].v : 0);
			CHECK_EQ(stap_map_exists(&m, K({ .l = k1 },
						 { .s = k2 })), found >= 0);
			CHECK_EQ(stap_map_count(&m), live);
		} else {		/* foreach */
			struct stap_map_iter it;
			int sort = rand() % 4, dir = rand() & 1 ? 1 : -1;
			s64 limit = rand() % 3 ? STAP_MAP_NOLIMIT
					       : rand() % 30 - 2;
			int want;

			for (i = 0; i < NMAX; i++)
				if (model[i].live)
					sorted[n++] = model[i];
			if (sort == 0) {	/* insertion order */
				model_cmp_sort = 0;
				for (i = 1; i < n; i++) {
					struct model_entry t = sorted[i];
					int j = i;

					while (j > 0 && sorted[j - 1].seq > t.seq) {
						sorted[j] = sorted[j - 1];
						j--;
					}
					sorted[j] = t;
				}
			} else {
				model_cmp_sort = sort == 3 ? 0 : sort;
				model_cmp_dir = dir;
				qsort(sorted, n, sizeof(sorted[0]), model_cmp);
			}
			want = limit < 0 ? 0 : limit < n ? limit : n;
			stap_map_foreach_start(&c, &m, &it, 0,
				sort == 3 ? STAP_SORT_VALUE : sort, dir,
				limit, "l");
			for (i = 0; stap_map_foreach_next(&c, &it, "l"); i++) {
				if (i >= want)
					break;
				CHECK_EQ(stap_map_iter_key_long(&it, 1),
					 sorted[i].k1);
				CHECK_STR(stap_map_iter_key_str(&it, 2),
					  sorted[i].k2);
				CHECK_EQ(stap_map_iter_long(&it), sorted[i].v);
			}
			CHECK_EQ(i, want);
		}
	}
	stap_map_free(&m);
	if (failures != before)
		fprintf(stderr, "fuzz: seed %u failed at op %ld\n", seed, op);
	return failures == before;
}

/* ---- golden tables from upstream transcripts ---- */

/* Rebuilds each log table of FILE from its rows and compares. */
static int golden(const char *path)
{
	static const struct stap_stat_desc d = { .hist = STAP_HIST_LOG };
	char line[512], table[1 << 16];
	FILE *f = fopen(path, "r");
	int tables = 0, bad = 0;

	if (!f) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct context c = { 0 };
		struct stap_stat s;
		size_t len = 0;
		bool ok = true, complete = false;

		if (!strstr(line, "value |---") || !strstr(line, " count"))
			continue;
		CHECK_EQ(stap_stat_alloc(&s, &d), 0);
		len += snprintf(table + len, sizeof(table) - len, "%s", line);
		while (fgets(line, sizeof(line), f)) {
			long long val, cnt;
			char bar[128];

			len += snprintf(table + len, sizeof(table) - len, "%s",
					line);
			if (line[0] == '\n') {
				complete = true;
				break;
			}
			if (strstr(line, " ~\n"))
				continue;
			if (sscanf(line, " %lld |%127[@ ]%lld", &val, bar,
				   &cnt) != 3 &&
			    sscanf(line, " %lld | %lld", &val, &cnt) != 2) {
				ok = false;
				break;
			}
			if (stap_hist_log_value(stap_hist_log_bucket(val)) != val)
				ok = false;	/* not a log table */
			while (cnt-- > 0)
				stap_stat_add(&s, val);
		}
		if (ok && complete) {
			table[len] = '\0';
			out_reset();
			stap_hist_print(&c, &out, &s.shape, stap_stat_get(&s),
					"l");
			tables++;
			if (strcmp(out_str(), table)) {
				bad++;
				fprintf(stderr, "%s: table %d differs:\n"
					"--- got\n%s--- want\n%s", path, tables,
					out_str(), table);
			}
		}
		stap_stat_free(&s);
	}
	fclose(f);
	printf("%s: %d tables, %d differ\n", path, tables, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "golden"))
		return golden(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "fuzz"))
		return !fuzz(atol(argv[2]), atoi(argv[3]));
	test_variance();
	test_stat_cpus();
	test_hist_buckets();
	test_hist_linear();
	test_hist_log();
	test_hist_flush();
	test_map_basic();
	test_map_foreach();
	test_pmap();
	{
		unsigned seed;

		for (seed = 1; seed <= 40; seed++)
			if (!fuzz(3000, seed))
				break;
	}
	CHECK_EQ(shim_allocs, 0);
	printf("unit: %s (%d failures)\n", failures ? "FAIL" : "ok",
	       failures);
	return failures != 0;
}
