/*
 * A test program for process("PATH").mark probes: SDT markers through
 * <sys/sdt.h> (Debian's systemtap-sdt-dev), one with a semaphore, the
 * way dtrace -G makes them (with _SDT_HAS_SEMAPHORES every marker
 * needs one).  ping(i, -5 * i, name) fires three times,
 * counting how often its semaphore said a tracer was attached; done
 * passes that count.  Prints nothing (a script's output and the
 * program's would interleave at random).
 */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* The semaphores of sdtprog's markers: the kernel counts it up while a
 * uprobe is armed on the marker. */
__extension__ unsigned short sdtprog_ping_semaphore
	__attribute__((unused, section(".probes")));
__extension__ unsigned short sdtprog_done_semaphore
	__attribute__((unused, section(".probes")));
#define PING_ENABLED() __builtin_expect(sdtprog_ping_semaphore, 0)

static const char *const names[] = { "zero", "one", "two" };

int main(void)
{
	int enabled = 0;
	volatile char touch;

	for (int i = 0; i < 3; i++) {
		if (PING_ENABLED())
			enabled++;
		/* a probe reads user memory with page faults off: make the
		 * string's page resident first */
		touch = names[i][0];
		(void)touch;
		STAP_PROBE3(sdtprog, ping, i, (long)-5 * i, names[i]);
	}
	STAP_PROBE1(sdtprog, done, enabled);
	return 0;
}
