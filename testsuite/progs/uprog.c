/*
 * A test program for process probes (testsuite/stap.user): main calls
 * compute(i) for i in 0..N-1 (N the first argument, default 3) through
 * a static helper, and prints the sum.  With a second argument S it
 * also prints area() of a list of two struct points scaled by S
 * (-1 when it passes 1000: the `big` label).  Built with debuginfo
 * and without inlining the probed functions (but square(), inlined).
 */
#include <stdio.h>
#include <stdlib.h>

volatile int ncalls;	/* a side effect: no call may be merged */

__attribute__((noinline)) int compute(int x)
{
	ncalls++;
	return 2 * x + 1;
}

__attribute__((noinline)) static int twice(int x)
{
	return compute(x) + compute(x);
}

/* A struct parameter with a string and a pointer to follow. */
struct point {
	int x;
	long y;
	const char *name;
	struct point *next;
};

struct point origin = { 1, 2, "origin", NULL };	/* a global */
static int nareas;	/* a static */

static inline __attribute__((always_inline)) int square(int v)
{
	return v * v + ncalls;
}

__attribute__((noinline)) long area(struct point *p, int scale)
{
	long a = 0;

	nareas++;
	for (struct point *q = p; q; q = q->next) {
		a += (long)q->x * q->y * scale + square(q->x);
		if (a > 1000)
			goto big;
	}
	return a;
big:
	ncalls++;
	return -1;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int sum = 0;

	for (int i = 0; i < n; i++)
		sum += twice(i);
	printf("%d\n", sum);
	if (argc > 2) {
		struct point b = { n, 10, "b", &origin };

		printf("%ld\n", area(&b, atoi(argv[2])));
	}
	return nareas > 1;
}
