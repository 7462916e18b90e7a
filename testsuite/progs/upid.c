/*
 * A test program for process(PID) probes (testsuite/stap.user/proc.exp),
 * run in the background in a guest: it calls tick() every 20 ms, and
 * follows the stap modules of /proc/modules to know when to stop: it
 * waits while the module of the session that started it is loaded,
 * then until the probing session's module is loaded, and exits once
 * that is unloaded too (or after 15000 ticks, whatever happens).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile long nticks;	/* a side effect: tick() is not optimised away */

__attribute__((noinline)) void tick(long n)
{
	nticks = n;
}

/* Whether a stap module is loaded. */
static int stap_loaded(void)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/modules", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strncmp(line, "stap_", 5) == 0;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	int phase = 0;	/* 0: the starter's module, 1: none, 2: the prober's */

	for (long n = 1; n <= 15000 && phase < 3; n++) {
		int loaded = stap_loaded();

		if (phase == 0 ? !loaded : phase == 1 ? loaded : !loaded)
			phase++;
		tick(n);
		usleep(20000);
	}
	return 0;
}
