/*
 * A test program for @entry in process(...).function(...).return
 * (testsuite/stap.user/proc.exp): fact(N) recurses, so its returns
 * come in the reverse order of its entries, each with its own @entry
 * record; N is the first argument (default 4).
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) long fact(int n)
{
	long r = n <= 1 ? 1 : n * fact(n - 1);

	__asm__ volatile("" : : : "memory");	/* no tail call */
	return r;
}

int main(int argc, char **argv)
{
	printf("%ld\n", fact(argc > 1 ? atoi(argv[1]) : 4));
	return 0;
}
