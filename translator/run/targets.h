/*
 * Where the script runs: the --remote targets, their kernels, and
 * running on several of them at once (targets.c).
 */
#ifndef STAP_TARGETS_H
#define STAP_TARGETS_H

#include "session.h"

/*
 * Finds each target's kernel release into s->remote_releases: vm:KVER's
 * is KVER, direct://'s this machine's, the others' come from a stapsh
 * handshake (-r overrides them all).  With no --remote, a machine that
 * cannot load modules runs the script in the built-in VM.  Sets
 * s->kernel_release to the first target's.  False after saying why.
 */
bool choose_targets(struct session *s);

/*
 * Runs build (passes 1-4) once per distinct target kernel: in this
 * process when there is one, else in a child process per kernel, one
 * after the other.  Fills s->remote_modules.  Returns build's status
 * (the first failing one).
 */
int build_each_kernel(struct session *s, int (*build)(struct session *));

/* True when pass 5 goes through run_targets: several targets, or
 * --remote-prefix. */
bool several_targets(struct session *s);

/*
 * Pass 5 on every target at once, each in a child process, relaying
 * output as it arrives (line by line with "N: " under --remote-prefix).
 * Returns 0 if every target's run succeeded, else the first failing
 * target's status, after naming each failed target.
 */
int run_targets(struct session *s);

#endif
