/*
 * The session's connection to its target (connection.h): which --remote
 * the script runs on, and the one stapsh connection to it that pass 2
 * and pass 5 share.
 */
#include <string.h>
#include "connection.h"
#include "remote.h"

const char *target_url(struct session *s)
{
	const char *url = s->remotes.len ? vec_at(&s->remotes, 0) : NULL;
	return url && strncmp(url, "direct:", 7) != 0 ? url : NULL;
}

struct remote *open_target(struct session *s)
{
	if (!s->remote && target_url(s))
		s->remote = remote_open(target_url(s));
	return s->remote;
}

void close_target(struct session *s)
{
	remote_close(s->remote);
	s->remote = NULL;
}
