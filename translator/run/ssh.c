/*
 * The ssh remote: ssh://[USER@]HOST[:PORT], or upstream's bare HOST and
 * USER@HOST.  It is an exec: remote (remote.c) whose command is
 *
 *   exec $STAP_SSH -T -x -o BatchMode=yes [-p PORT] [-l USER] HOST 'STAPSH'
 *
 * STAP_SSH is the local ssh command (default "ssh"; a shell fragment, so
 * it may carry options such as -i KEY).  STAPSH is the command the remote
 * shell runs: $STAP_REMOTE_STAPSH, else stapsh from the remote PATH or,
 * failing that, from this build's PKGLIBEXECDIR.  No tty (-T), no X11
 * forwarding (-x), no password prompts (BatchMode): the session is the
 * stapsh protocol on ssh's stdin/stdout and nothing else.
 *
 * USER and HOST are restricted to characters that need no quoting and
 * must not start with '-', so a URL can never smuggle in an ssh option.
 *
 * ssh's own messages go to a log file (-E) rather than to our stderr, so
 * that when it cannot connect we say what it means in one message: a
 * host that refuses the connection, or takes it and hangs up before its
 * ssh server says hello (kex_exchange_identification; qemu's forwarded
 * port does that until the guest's server runs), is most likely still
 * booting, and we say so.  The remote stapsh's stderr is ours as before.
 */
#define _GNU_SOURCE
#include "remote.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/stap"
#endif

struct ssh_target {
	char user[256], host[256];
	long port;			/* 0: ssh's default */
};

/* [A-Za-z0-9._-]+ not starting with '-', n bytes of s. */
static int plain_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= 256 || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* "[v6addr]": hex digits, ':' and '.' inside brackets. */
static int bracketed_v6(const char *s, size_t n)
{
	size_t i;

	if (n < 4 || n >= 256 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	for (i = 1; i < n - 1; i++)
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
			return 0;
	return 1;
}

/* Parses "[USER@]HOST[:PORT]" (ports only when with_port). */
static int parse_target(const char *s, int with_port, struct ssh_target *t)
{
	const char *at = strchr(s, '@'), *host = at ? at + 1 : s, *colon;
	size_t hlen;
	char *end;

	memset(t, 0, sizeof(*t));
	if (at) {
		if (!plain_name(s, at - s))
			return 0;
		memcpy(t->user, s, at - s);
	}
	if (host[0] == '[')
		colon = strchr(host, ']') ? strchr(strchr(host, ']'), ':') : NULL;
	else
		colon = strchr(host, ':');
	hlen = colon ? (size_t)(colon - host) : strlen(host);
	if (hlen > 0 && host[hlen - 1] == '/' && !colon)
		hlen--;			/* ssh://host/ */
	if (!plain_name(host, hlen) && !(with_port && bracketed_v6(host, hlen)))
		return 0;
	if (host[0] == '[') {		/* ssh wants the address bare */
		memcpy(t->host, host + 1, hlen - 2);
	} else {
		memcpy(t->host, host, hlen);
	}
	if (colon) {
		if (!with_port)
			return 0;
		t->port = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || t->port < 1 || t->port > 65535 ||
		    (*end && strcmp(end, "/") != 0))
			return 0;
	}
	return 1;
}

int ssh_url(const char *url)
{
	struct ssh_target t;

	if (strncmp(url, "ssh://", 6) == 0)
		return 1;
	/* Upstream's bare forms: no scheme, so no ':' and no '/'. */
	return !strchr(url, '/') && parse_target(url, 0, &t);
}

/* Single-quotes s for sh. */
static char *shell_quote(const char *s)
{
	size_t n = 3, i;
	char *q, *p;

	for (i = 0; s[i]; i++)
		n += s[i] == '\'' ? 4 : 1;
	q = p = malloc(n);
	if (!q)
		return NULL;
	*p++ = '\'';
	for (i = 0; s[i]; i++) {
		if (s[i] == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = s[i];
		}
	}
	*p++ = '\'';
	*p = '\0';
	return q;
}

/* ssh's log (-E) of the connection being opened, and its target. */
static char ssh_log[64];
static struct ssh_target ssh_target;

/* ssh's log, its lines joined by "; " (static buffer), or "". */
static const char *ssh_messages(void)
{
	static char text[1024];
	size_t n = 0;
	FILE *f = fopen(ssh_log, "r");
	int c, last = '\n';

	text[0] = '\0';
	if (!f)
		return text;
	while ((c = getc(f)) != EOF && n + 3 < sizeof(text)) {
		if (c == '\r')
			continue;
		if (c == '\n') {
			last = c;
			continue;
		}
		if (last == '\n' && n > 0) {
			text[n++] = ';';
			text[n++] = ' ';
		}
		text[n++] = (char)c;
		last = c;
	}
	text[n] = '\0';
	fclose(f);
	return text;
}

/* ssh's failure to connect, said plainly (static buffer). */
static const char *explain_ssh(void)
{
	static char msg[1536];
	const char *log = ssh_messages();
	char port[32] = "";

	if (ssh_target.port)
		snprintf(port, sizeof(port), " port %ld", ssh_target.port);
	if (strstr(log, "Connection refused"))
		snprintf(msg, sizeof(msg), "nothing accepts ssh connections on "
			 "%s%s (%s); if the host is still booting, try again "
			 "once its ssh server runs", ssh_target.host, port,
			 log);
	else if (strstr(log, "kex_exchange_identification") ||
		 strstr(log, "Connection reset") ||
		 strstr(log, "Connection closed by"))
		snprintf(msg, sizeof(msg), "%s%s took the connection but its "
			 "ssh server did not answer (%s): the host is probably "
			 "still booting; try again in a few seconds",
			 ssh_target.host, port, log);
	else
		snprintf(msg, sizeof(msg), "ssh could not connect or log in "
			 "(ssh exited with status 255%s%s)", *log ? ": " : "",
			 log);
	return msg;
}

/* ssh exits 255 for its own errors; the remote shell 126/127 when it
 * cannot run the command. */
static const char *explain(int status)
{
	switch (status) {
	case 255:
		return explain_ssh();
	case 126:
	case 127:
		return "no stapsh on the remote host: the remote shell could "
		       "not run it (install stap there, or name the remote "
		       "command with STAP_REMOTE_STAPSH)";
	}
	return NULL;
}

struct remote *ssh_open(const char *url, int timeout_ms, int quiet)
{
	const char *ssh = getenv("STAP_SSH"), *stapsh;
	char *quoted, *cmd, port[32] = "";
	struct ssh_target t;
	struct remote *r;
	int ok, fd;

	ok = strncmp(url, "ssh://", 6) == 0 ? parse_target(url + 6, 1, &t)
					     : parse_target(url, 0, &t);
	if (!ok) {
		if (!quiet)
			remote_error("%s: not a valid ssh remote: want "
				     "ssh://[USER@]HOST[:PORT] (USER and HOST "
				     "of letters, digits, '.', '_' and '-')",
				     url);
		return NULL;
	}
	stapsh = getenv("STAP_REMOTE_STAPSH");
	if (!stapsh || !*stapsh)
		stapsh = "PATH=\"$PATH:" PKGLIBEXECDIR "\"; export PATH; "
			 "exec stapsh";
	quoted = shell_quote(stapsh);
	if (t.port)
		snprintf(port, sizeof(port), " -p %ld", t.port);
	strcpy(ssh_log, "/tmp/stap-ssh.XXXXXX");
	fd = mkstemp(ssh_log);
	if (fd >= 0)
		close(fd);
	else
		strcpy(ssh_log, "/dev/null");
	ssh_target = t;
	if (!quoted || asprintf(&cmd, "exec %s -E %s -T -x -o BatchMode=yes"
				"%s%s%s %s %s", ssh && *ssh ? ssh : "ssh",
				ssh_log, port, *t.user ? " -l " : "", t.user,
				t.host, quoted) < 0) {
		free(quoted);
		return NULL;
	}
	r = remote_open_exec(cmd, url, timeout_ms, quiet, explain);
	if (fd >= 0)
		unlink(ssh_log);
	free(cmd);
	free(quoted);
	return r;
}
