/*
 * Just enough of the kernel for runtime/{string,print,hist,stat,map}.c
 * to build and run in userspace, so that unit.c can test them in
 * milliseconds.  "CPUs" are simulated: shim_cpu says which one runs.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int64_t s64;
typedef uint64_t u64;
typedef int32_t s32;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define S64_MAX INT64_MAX
#define S64_MIN INT64_MIN
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define fallthrough __attribute__((__fallthrough__))
#define ALIGN(x, a) (((x) + (a) - 1) / (a) * (a))
#define L1_CACHE_BYTES 64
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define min_t(t, a, b) min((t)(a), (t)(b))
#define __user
/* print.c's %m and %M: no memory to fault on here, every read fails. */
#define copy_from_user_nofault(d, s, n) (-14L)
#define copy_from_kernel_nofault(d, s, n) (-14L)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)
#define __printf(a, b) __attribute__((format(printf, a, b)))

typedef struct {
	int counter;
} atomic_t;
#define ATOMIC_INIT(i) { (i) }
#define atomic_inc(v) ((v)->counter++)
#define atomic_read(v) ((v)->counter)
#define GFP_KERNEL 0
#define NUMA_NO_NODE (-1)
#define MAXSTRINGLEN 512

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline u32 roundup_pow_of_two(u32 n)
{
	u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static inline s64 div64_s64(s64 a, s64 b)
{
	return a / b;
}

/* A lock that checks it is never taken twice or released unheld. */
typedef struct {
	int held;
} raw_spinlock_t;
#define raw_spin_lock_init(l) ((l)->held = 0)
#define raw_spin_lock(l) do { assert(!(l)->held); (l)->held = 1; } while (0)
#define raw_spin_unlock(l) do { assert((l)->held); (l)->held = 0; } while (0)

static int nr_cpu_ids = 4;
static int shim_cpu;
#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define smp_processor_id() (shim_cpu)
#define cpu_to_node(cpu) 0

static long shim_allocs;	/* live allocations, to catch leaks */
static void *shim_zalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (p)
		shim_allocs++;
	return p;
}
static void shim_free(void *p)
{
	if (p)
		shim_allocs--;
	free(p);
}
#define kzalloc(n, f) shim_zalloc(n)
#define kzalloc_node(n, f, node) shim_zalloc(n)
#define kcalloc(n, s, f) shim_zalloc((size_t)(n) * (s))
#define kvzalloc_node(n, f, node) shim_zalloc(n)
#define kfree(p) shim_free(p)
#define kvfree(p) shim_free(p)
static inline u32 get_random_u32(void)
{
	return 0x2545f491;
}

/* The slice of runtime/context.c these files use. */
struct context {
	const char *last_error;
	const char *last_loc;
};

static void stap_error(struct context *c, const char *msg, const char *loc)
{
	if (c->last_error)
		return;
	c->last_error = msg;
	c->last_loc = loc;
}

static void stap_errorf(struct context *c, const char *loc,
			const char *fmt, ...)
{
	stap_error(c, fmt, loc);
}

#endif
