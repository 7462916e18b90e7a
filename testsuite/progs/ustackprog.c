/*
 * A test program for user backtraces (testsuite/stap.user/ustack.exp):
 * main -> a -> b -> c, none inlined, and c sorting an array with
 * libc's qsort, whose comparator cmp() is called back from inside libc
 * (main -> a -> b -> c -> qsort -> ... -> cmp).  Built -O1 -g, without
 * frame pointers (Debian's default), so unwinding needs .eh_frame.
 */
#include <stdio.h>
#include <stdlib.h>

volatile int sink;	/* a side effect: no call may be merged */

__attribute__((noinline)) int cmp(const void *x, const void *y)
{
	sink++;
	return *(const int *)x - *(const int *)y;
}

__attribute__((noinline)) int c(int n)
{
	int v[3] = { n, 1, 2 };

	qsort(v, 3, sizeof(v[0]), cmp);
	sink++;
	return v[0];
}

__attribute__((noinline)) int b(int n)
{
	int r = c(n + 1);

	sink++;
	return r + 1;
}

__attribute__((noinline)) int a(int n)
{
	int r = b(n + 1);

	sink++;
	return r + 1;
}

int main(void)
{
	printf("%d\n", a(1));
	return 0;
}
