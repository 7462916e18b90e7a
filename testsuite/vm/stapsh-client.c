/*
 * stapsh-client: a tiny stap-side client of the stapsh protocol, built
 * from the same remote.c that stap uses.  stap-vm uses it to ask whether
 * a guest's stapsh answers; the testsuite uses it for protocol round
 * trips that need no translator.
 *
 *   stapsh-client [-t SECONDS] URL
 *       handshake only; prints "stapsh VERSION MACHINE RELEASE"
 *   stapsh-client [-t SECONDS] URL run FILE [STAPRUN-ARGS...] [-- PARAMS...]
 *       uploads FILE, runs "staprun STAPRUN-ARGS... FILE PARAMS..."
 *       remotely (PARAMS: the module's NAME=VALUE parameters),
 *       relays its stdout/stderr; exits with its status (255: lost peer)
 *
 * URL is unix:PATH, vm:KVER, exec:COMMAND or an ssh remote
 * (ssh://[USER@]HOST[:PORT]; see translator/run/remote.h).
 */
#include "run/remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: stapsh-client [-t SECONDS] URL "
		"[run FILE [STAPRUN-ARGS...] [-- PARAMS...]]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct remote *r;
	int timeout_ms = -1, c, status = 0;

	while ((c = getopt(argc, argv, "+t:h")) != -1) {
		switch (c) {
		case 't': timeout_ms = (int)(atof(optarg) * 1000); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	r = remote_open_timeout(argv[optind], timeout_ms, 0);
	if (!r)
		return 1;
	optind++;
	if (optind == argc) {
		printf("stapsh %d %s %s\n", remote_version(r),
		       remote_machine(r), remote_release(r));
		fflush(stdout);	/* before remote_close may stop a VM */
	} else if (strcmp(argv[optind], "run") == 0 && optind + 1 < argc) {
		/* staprun's arguments come before the module, its
		 * parameters (after "--") after it. */
		int first = optind + 2, sep = first;
		while (sep < argc && strcmp(argv[sep], "--") != 0)
			sep++;
		status = remote_run(r, argv[optind + 1], sep - first,
				    argv + first, sep < argc ? argc - sep - 1 : 0,
				    argv + sep + 1, 1, 2);
		if (status < 0)
			status = 255;
	} else {
		usage();
	}
	remote_close(r);
	return status;
}
