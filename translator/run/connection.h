/*
 * The session's connection to its target: the stapsh of the one
 * --remote the script runs on, opened on first use and kept in
 * s->remote, so that pass 2 (which asks the target for its symbols) and
 * pass 5 (which runs the module there) share one handshake.  This is
 * the transport layer's face to the passes; remote.h is the protocol.
 */
#ifndef STAP_CONNECTION_H
#define STAP_CONNECTION_H

#include "session.h"

/* The URL of the remote the script runs on, NULL for this machine (no
 * --remote, or direct:). */
const char *target_url(struct session *s);

/* The connection to that remote, opened on first use and kept in
 * s->remote until close_target; NULL after printing why. */
struct remote *open_target(struct session *s);
void close_target(struct session *s);

/*
 * The program process pid runs, where the script runs: its /proc/PID/exe
 * on this machine (no --remote, direct:) or as each --remote target's
 * stapsh tells (protocol version 4); all targets must agree, and a
 * remote's program must be at the same path on this machine, where
 * pass 2 reads it.  Returns the path (malloc'd), or NULL with *why
 * (malloc'd) saying why not and on which target.
 */
char *target_pid_program(struct session *s, int64_t pid, char **why);

#endif
