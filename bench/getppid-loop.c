/* bench/syscalls' guest program: N getppid() calls, timed; prints the
 * ns per call (CLOCK_MONOTONIC). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000, i;
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("ns %.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 +
			     (b.tv_nsec - a.tv_nsec)) / n);
	return 0;
}
