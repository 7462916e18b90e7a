/* Calls proclib_twice() of libproclib.so, found through its
 * DT_RUNPATH or DT_RPATH, argv[1] times: testsuite/stap.user/proc.exp. */
#include <stdio.h>
#include <stdlib.h>

int proclib_twice(int v);

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, sum = 0;

	for (int i = 1; i <= n; i++)
		sum += proclib_twice(i);
	printf("%d\n", sum);
	return 0;
}
