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

#endif
