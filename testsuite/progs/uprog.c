/*
 * A test program for process probes (testsuite/stap.user): main calls
 * compute(i) for i in 0..N-1 (N the first argument, default 3) through
 * a static helper, and prints the sum.  Built with debuginfo and
 * without inlining the probed functions.
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

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	int sum = 0;

	for (int i = 0; i < n; i++)
		sum += twice(i);
	printf("%d\n", sum);
	return 0;
}
