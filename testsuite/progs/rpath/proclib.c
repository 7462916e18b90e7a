/* A shared library that a program finds only through its DT_RUNPATH
 * or DT_RPATH ($ORIGIN/lib): testsuite/stap.user/proc.exp. */
int proclib_twice(int v)
{
	return 2 * v;
}
