/* A shared library that a program finds only through its DT_RUNPATH
 * or DT_RPATH ($ORIGIN/lib), with a global the probes read as
 * @var("proclib_calls"): testsuite/stap.user/proc.exp. */
int proclib_calls;

int proclib_twice(int v)
{
	proclib_calls++;
	return 2 * v;
}
