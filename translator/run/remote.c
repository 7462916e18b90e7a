/*
 * The transport to another machine (pass 2 asks it for symbols, pass 5
 * runs the module there): stap's side of the stapsh protocol.
 *
 * remote_open picks a transport by the URL's scheme (unix socket, a
 * command's stdin/stdout, or a VM through vm.c), then does the handshake.
 * remote_run uploads the module with "file", starts it with "run" and
 * relays the data frames that come back until "quit STATUS".  The
 * protocol's reading and writing is shared with stapsh
 * (staprun/stapsh_proto.c); this file only decides what to send.
 *
 * Signals: during remote_run, SIGINT, SIGTERM and SIGHUP are blocked
 * except while waiting in ppoll, and their handler only sets a flag; the
 * relay loop turns each one into a "quit" for stapsh, which interrupts
 * staprun, so the remote module is unloaded and its end probes' output
 * still arrives.
 */
#define _GNU_SOURCE
#include "remote.h"
#include "stapsh_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * One session.  fd carries both directions; helper is the exec: child.
 * machine and release come from the handshake; vm is vm.c's hold on
 * the guest (vm:KVER), which remote_close lets go.
 */
struct remote {
	int fd;
	pid_t helper;
	struct sp_reader *in;
	int version;		/* spoken: the lower of both sides' */
	int peer_version;	/* announced by stapsh */
	char *machine, *release;
	struct vm_hold *vm;
};

void remote_error(const char *fmt, ...)
{
	va_list ap;

	fputs("stap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int default_timeout_ms(void)
{
	const char *e = getenv("STAP_REMOTE_TIMEOUT");
	int s = e ? atoi(e) : 0;

	return (s > 0 ? s : 60) * 1000;
}

static struct remote *remote_new(int fd, pid_t helper)
{
	struct remote *r = calloc(1, sizeof(*r));

	if (!r || !(r->in = malloc(sizeof(*r->in)))) {
		free(r);
		return NULL;
	}
	r->fd = fd;
	r->helper = helper;
	sp_reader_init(r->in, fd);
	return r;
}

static void remote_free(struct remote *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->helper > 0)
		waitpid(r->helper, NULL, 0);
	free(r->in);
	free(r->machine);
	free(r->release);
	vm_release(r->vm);
	free(r);
}

/* The next line stapsh sent, over-long ones skipped (sp_read_line's
 * other results: 0 end of file, -1 error or timeout). */
static int read_reply(struct remote *r, char **line, int timeout_ms)
{
	int rc;

	while ((rc = sp_read_line(r->in, line, timeout_ms)) == -2)
		;
	return rc;
}

/*
 * "stap VERSION" -> "stapsh VERSION MACHINE RELEASE [FEATURES]".  Lines
 * that are neither the answer nor a refusal of the handshake are skipped:
 * they can only be left over from an earlier peer (on a virtio port, the
 * replies a departed host never read wait for the next one, e.g. its
 * "error handshake first").  On failure, why says what went wrong.
 */
static bool handshake_refusal(const char *line)
{
	return strncmp(line, "error unsupported protocol version", 34) == 0 ||
	       strncmp(line, "error malformed handshake", 25) == 0;
}

static int handshake(struct remote *r, int timeout_ms, char *why,
		     size_t size)
{
	char *line, *w[SP_WORDS_MAX];
	uint64_t v;
	int n, rc;

	if (sp_printf(r->fd, "stap %d\n", STAPSH_PROTO_VERSION) < 0) {
		snprintf(why, size, "cannot send the handshake: %s",
			 strerror(errno));
		return -1;
	}
	for (;;) {
		rc = read_reply(r, &line, timeout_ms);
		if (rc <= 0) {
			snprintf(why, size, "no handshake from stapsh: %s",
				 rc == 0 ? "connection closed" : strerror(errno));
			return -1;
		}
		if (handshake_refusal(line)) {
			snprintf(why, size, "stapsh refused the handshake: %s",
				 line + 6);
			return -1;
		}
		n = sp_split(line, w, SP_WORDS_MAX);
		if (n >= 4 && strcmp(w[0], "stapsh") == 0 &&
		    sp_parse_u64(w[1], &v))
			break;
	}
	if (v < STAPSH_PROTO_MIN_VERSION) {
		snprintf(why, size, "stapsh speaks protocol version %llu, "
			 "this stap needs %d or later", (unsigned long long)v,
			 STAPSH_PROTO_MIN_VERSION);
		return -1;
	}
	r->version = v < STAPSH_PROTO_VERSION ? (int)v : STAPSH_PROTO_VERSION;
	r->peer_version = v > 1000000 ? 1000000 : (int)v;
	r->machine = strdup(w[2]);
	r->release = strdup(w[3]);
	if (!r->machine || !r->release) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	return 0;
}

struct remote *remote_open_unix(const char *path, int timeout_ms, int quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct remote *r;
	char why[512];
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		if (!quiet)
			remote_error("unix:%s: socket path too long", path);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (!quiet)
			remote_error("unix:%s: cannot connect: %s", path,
				     strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	r = remote_new(fd, 0);
	if (!r) {
		close(fd);
		return NULL;
	}
	if (handshake(r, timeout_ms, why, sizeof(why)) < 0) {
		if (!quiet)
			remote_error("unix:%s: %s", path, why);
		remote_free(r);
		return NULL;
	}
	return r;
}

/*
 * Reaps the helper of a session that failed to start: waits a little
 * for it to exit by itself (it usually has: that is why the handshake
 * failed), then ends it.  Returns its exit status (128+N for signal N).
 */
static int reap_helper(pid_t pid)
{
	int status, i;

	for (i = 0; i < 300; i++) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			goto out;
		if (got < 0 && errno != EINTR)
			return -1;
		if (i == 100)
			kill(pid, SIGTERM);
		if (i == 200)
			kill(pid, SIGKILL);
		usleep(10000);
	}
	return -1;
out:
	return WIFEXITED(status) ? WEXITSTATUS(status)
				 : 128 + WTERMSIG(status);
}

/*
 * A stapsh on the stdin/stdout of "sh -c CMD" (exec:CMD, and ssh.c's
 * ssh command).  label names the remote in messages.  When the
 * handshake fails, explain (if any) may turn CMD's exit status into a
 * better message than the generic one.
 */
struct remote *remote_open_exec(const char *cmd, const char *label,
				int timeout_ms, int quiet,
				const char *(*explain)(int status))
{
	const char *better;
	struct remote *r;
	char why[512];
	int sv[2], status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		remote_error("%s: %s", label, strerror(errno));
		return NULL;
	}
	pid = fork();
	if (pid < 0) {
		remote_error("%s: cannot fork: %s", label, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(sv[1], 0);
		dup2(sv[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	r = remote_new(sv[0], pid);
	if (!r) {
		close(sv[0]);
		return NULL;
	}
	if (handshake(r, timeout_ms, why, sizeof(why)) < 0) {
		close(r->fd);
		r->fd = -1;
		status = reap_helper(pid);
		r->helper = 0;
		better = explain && status >= 0 ? explain(status) : NULL;
		if (quiet)
			;
		else if (better)
			remote_error("%s: %s", label, better);
		else if (status >= 0)
			remote_error("%s: %s (the command exited with status "
				     "%d)", label, why, status);
		else
			remote_error("%s: %s", label, why);
		remote_free(r);
		return NULL;
	}
	return r;
}

struct remote *remote_open_timeout(const char *url, int timeout_ms,
				   int quiet)
{
	if (timeout_ms < 0)
		timeout_ms = default_timeout_ms();
	if (strncmp(url, "unix:", 5) == 0)
		return remote_open_unix(url + 5, timeout_ms, quiet);
	if (strncmp(url, "vm:", 3) == 0)
		return vm_open(url + 3, timeout_ms, quiet);
	if (strncmp(url, "exec:", 5) == 0)
		return remote_open_exec(url + 5, url, timeout_ms, quiet, NULL);
	if (ssh_url(url))
		return ssh_open(url, timeout_ms, quiet);
	if (!quiet)
		remote_error("unknown remote '%s': want ssh://[USER@]HOST[:PORT], "
			     "[USER@]HOST, unix:PATH, vm:KVER, exec:COMMAND or "
			     "direct://", url);
	return NULL;
}

struct remote *remote_open(const char *url)
{
	return remote_open_timeout(url, -1, 0);
}

const char *remote_release(struct remote *r) { return r->release; }
const char *remote_machine(struct remote *r) { return r->machine; }
int remote_version(struct remote *r) { return r->version; }
int remote_peer_version(struct remote *r) { return r->peer_version; }

void remote_set_vm(struct remote *r, struct vm_hold *vm)
{
	r->vm = vm;
}

void remote_close(struct remote *r)
{
	if (!r)
		return;
	/* "quit" while idle ends the session; then we hang up (and let
	 * go of the VM after that). */
	sp_printf(r->fd, "quit\n");
	remote_free(r);
}

/* ---- symbols ---------------------------------------------------------- */

#if STAPSH_PROTO_VERSION >= 2
/* Reads the answer to a request that sends data: "data STREAM SIZE"
 * frames, collected into buf and size, until the line whose first word is
 * `last` and which has nwords words (split into w).  Returns 1, or -1
 * after printing why. */
static int read_frames(struct remote *r, const char *last, int nwords,
		       enum sp_stream stream, char **w, char **buf,
		       size_t *size)
{
	char *line;
	uint64_t n;
	FILE *mem;
	int nw, rc;

	*buf = NULL;
	*size = 0;
	if (!(mem = open_memstream(buf, size))) {
		remote_error("%s: %s", last, strerror(errno));
		return -1;
	}
	for (;;) {
		rc = read_reply(r, &line, -1);
		if (rc <= 0)
			goto out_lost;
		if (strncmp(line, "error ", 6) == 0) {
			remote_error("%s: stapsh: %s", last, line + 6);
			goto out_fail;
		}
		nw = sp_split(line, w, SP_WORDS_MAX);
		if (nw == nwords && strcmp(w[0], last) == 0)
			break;
		if (nw < 3 || strcmp(w[0], "data") != 0 ||
		    !sp_parse_u64(w[nw - 1], &n))
			continue;	/* from a newer stapsh: skip it */
		while (n > 0) {
			char chunk[65536];
			size_t take = n > sizeof(chunk) ? sizeof(chunk) : n;
			if (sp_read_bytes(r->in, chunk, take, -1) < 0)
				goto out_lost;
			if (sp_stream_by_name(w[1]) == stream)
				fwrite(chunk, 1, take, mem);
			n -= take;
		}
	}
	if (fclose(mem) != 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 1;

out_lost:
	remote_error("%s: connection to stapsh lost", last);
out_fail:
	fclose(mem);
	free(*buf);
	*buf = NULL;
	return -1;
}

/* "symbols HAVE" -> "data symbols SIZE" frames, "symbols IDENT same|sent". */
int remote_symbols(struct remote *r, const char *have, char **ident,
		   char **list, size_t *len)
{
	char *w[SP_WORDS_MAX], *buf;
	size_t size;

	*ident = *list = NULL;
	*len = 0;
	if (r->version < 2)
		return 0;
	if (sp_printf(r->fd, "symbols %s\n", have ? have : "-") < 0) {
		remote_error("symbols: connection to stapsh lost: %s",
			     strerror(errno));
		return -1;
	}
	if (read_frames(r, "symbols", 3, SP_STREAM_SYMBOLS, w, &buf,
			&size) < 0)
		return -1;
	if (!(*ident = strdup(w[1]))) {
		free(buf);
		return -1;
	}
	if (strcmp(w[2], "same") == 0) {
		free(buf);
	} else {
		*list = buf;
		*len = size;
	}
	return 1;
}
#else
int remote_symbols(struct remote *r, const char *have, char **ident,
		   char **list, size_t *len)
{
	*ident = *list = NULL;
	*len = 0;
	return 0;	/* this stap speaks version 1 only */
}
#endif

#if STAPSH_PROTO_VERSION >= 3
/* "btf NAME HAVE" -> "data btf SIZE" frames, "btf NAME IDENT
 * same|sent|none". */
int remote_btf(struct remote *r, const char *name, const char *have,
	       char **ident, char **data, size_t *len)
{
	char *w[SP_WORDS_MAX], *buf;
	size_t size;

	*ident = *data = NULL;
	*len = 0;
	if (r->version < 3)
		return 0;
	if (sp_printf(r->fd, "btf %s %s\n", name, have ? have : "-") < 0) {
		remote_error("btf: connection to stapsh lost: %s",
			     strerror(errno));
		return -1;
	}
	if (read_frames(r, "btf", 4, SP_STREAM_BTF, w, &buf, &size) < 0)
		return -1;
	if (strcmp(w[3], "none") == 0) {
		free(buf);
		return 2;
	}
	if (!(*ident = strdup(w[2]))) {
		free(buf);
		return -1;
	}
	if (strcmp(w[3], "same") == 0) {
		free(buf);
	} else {
		*data = buf;
		*len = size;
	}
	return 1;
}
#else
int remote_btf(struct remote *r, const char *name, const char *have,
	       char **ident, char **data, size_t *len)
{
	*ident = *data = NULL;
	*len = 0;
	return 0;	/* this stap speaks version 2 or older */
}
#endif

/* ---- the program of a pid --------------------------------------------- */

#if STAPSH_PROTO_VERSION >= 4
/* "exe PID" -> "exe PID PATH" (PATH %-escaped) or "error MESSAGE". */
int remote_exe(struct remote *r, long long pid, char **path, char **why)
{
	char *w[SP_WORDS_MAX], *line;
	uint64_t n;
	int nw, rc;

	*path = *why = NULL;
	if (r->version < 4)
		return 0;
	if (sp_printf(r->fd, "exe %lld\n", pid) < 0)
		goto out_lost;
	for (;;) {
		rc = read_reply(r, &line, -1);
		if (rc <= 0)
			goto out_lost;
		if (strncmp(line, "error ", 6) == 0) {
			*why = strdup(line + 6);
			return -1;
		}
		nw = sp_split(line, w, SP_WORDS_MAX);
		if (nw == 3 && strcmp(w[0], "exe") == 0) {
			if (!sp_unescape_arg(w[2]) || w[2][0] != '/') {
				*why = strdup("stapsh sent a malformed path");
				return -1;
			}
			*path = strdup(w[2]);
			return *path ? 1 : -1;
		}
		/* a data frame of a newer stapsh: skip its payload */
		if (nw >= 3 && strcmp(w[0], "data") == 0 &&
		    sp_parse_u64(w[nw - 1], &n) &&
		    sp_read_bytes(r->in, NULL, n, -1) < 0)
			goto out_lost;
	}

out_lost:
	*why = strdup("connection to stapsh lost");
	return -1;
}
#else
int remote_exe(struct remote *r, long long pid, char **path, char **why)
{
	*path = *why = NULL;
	return 0;	/* this stap speaks version 3 or older */
}
#endif

/* ---- run -------------------------------------------------------------- */

/* Waits for "OK" after a request.  Returns 0, or -1 after printing why. */
static int expect_ok(struct remote *r, const char *what)
{
	char *line;
	int rc;

	for (;;) {
		rc = read_reply(r, &line, -1);
		if (rc <= 0) {
			remote_error("%s: connection to stapsh lost", what);
			return -1;
		}
		if (strcmp(line, "OK") == 0)
			return 0;
		if (handshake_refusal(line)) {
			remote_error("%s: stapsh: %s", what, line + 6);
			return -1;
		}
		/* Anything else is from a newer stapsh: skip it. */
	}
}

/* "file SIZE NAME" + the module's bytes. */
static int upload(struct remote *r, const char *path, const char *name)
{
	char buf[65536];
	struct stat st;
	ssize_t n;
	off_t left;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		remote_error("cannot read %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (sp_printf(r->fd, "file %lld %s\n", (long long)st.st_size, name) < 0)
		goto out_lost;
	for (left = st.st_size; left > 0; left -= n) {
		n = read(fd, buf, left < (off_t)sizeof(buf) ? left :
			 (off_t)sizeof(buf));
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			/* The file shrank: keep the stream in step. */
			memset(buf, 0, sizeof(buf));
			n = left < (off_t)sizeof(buf) ? left : (off_t)sizeof(buf);
		}
		if (sp_write_all(r->fd, buf, n) < 0)
			goto out_lost;
	}
	close(fd);
	return expect_ok(r, path);

out_lost:
	remote_error("uploading %s: connection to stapsh lost: %s", path,
		     strerror(errno));
	close(fd);
	return -1;
}

/* "run ARG... NAME PARAM...", each word %-escaped. */
static int start(struct remote *r, int argc, char **argv, const char *name,
		 int nparams, char **params)
{
	size_t len = 4;
	int i, n = argc + 1 + nparams, rc;
	char *line, *e;
	const char *word;

	line = malloc(SP_LINE_MAX + 2);
	if (!line)
		return -1;
	strcpy(line, "run ");
	for (i = 0; i < n; i++) {
		word = i < argc ? argv[i] : i == argc ? name
			: params[i - argc - 1];
		e = sp_escape_arg(word);
		if (!e || len + strlen(e) + 2 > SP_LINE_MAX) {
			remote_error("staprun arguments too long for one "
				     "stapsh command (limit %d bytes)",
				     SP_LINE_MAX);
			free(e);
			free(line);
			return -1;
		}
		len += sprintf(line + len, "%s%s", e, i + 1 < n ? " " : "\n");
		free(e);
	}
	rc = sp_write_all(r->fd, line, len);
	free(line);
	if (rc < 0) {
		remote_error("run: connection to stapsh lost: %s",
			     strerror(errno));
		return -1;
	}
	return expect_ok(r, "run");
}

/* The signals that end a run cleanly (staprun turns each into a stop). */
static const int interrupt_signals[INTERRUPT_SIGNALS] = { SIGINT, SIGTERM, SIGHUP };

void interrupts_catch(struct interrupt_guard *g, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };
	sigset_t block;
	int i;

	sigemptyset(&block);
	for (i = 0; i < INTERRUPT_SIGNALS; i++)
		sigaddset(&block, interrupt_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &g->old_mask);
	g->wait_mask = g->old_mask;
	for (i = 0; i < INTERRUPT_SIGNALS; i++) {
		sigaction(interrupt_signals[i], &sa, &g->old[i]);
		sigdelset(&g->wait_mask, interrupt_signals[i]);
	}
}

void interrupts_restore(struct interrupt_guard *g)
{
	for (int i = 0; i < INTERRUPT_SIGNALS; i++)
		sigaction(interrupt_signals[i], &g->old[i], NULL);
	sigprocmask(SIG_SETMASK, &g->old_mask, NULL);
}

static volatile sig_atomic_t interrupts;
static void on_interrupt(int sig) { interrupts++; }

/* Handles one line from stapsh while staprun runs.  Returns 1 to go on,
 * 0 with *status set at "quit STATUS", -1 if the peer is gone. */
static int relay_frame(struct remote *r, char *line, int out_fd, int err_fd,
		       int *status)
{
	char *w[SP_WORDS_MAX];
	uint64_t size, v;
	enum sp_stream s;
	char buf[65536];
	size_t n;
	int nw, fd;

	if (strncmp(line, "error ", 6) == 0) {
		remote_error("stapsh: %s", line + 6);
		return 1;
	}
	nw = sp_split(line, w, SP_WORDS_MAX);
	if (nw == 2 && strcmp(w[0], "quit") == 0) {
		if (!sp_parse_u64(w[1], &v) || v > 255)
			v = 255;
		*status = (int)v;
		return 0;
	}
	if (nw < 3 || strcmp(w[0], "data") != 0 ||
	    !sp_parse_u64(w[nw - 1], &size))
		return 1;	/* a line from a newer stapsh: skip it */
	s = sp_stream_by_name(w[1]);
	fd = s == SP_STREAM_STDOUT ? out_fd : s == SP_STREAM_STDERR ? err_fd : -1;
	while (size > 0) {
		n = size > sizeof(buf) ? sizeof(buf) : size;
		if (sp_read_bytes(r->in, buf, n, -1) < 0)
			return -1;
		/* A closed out_fd must not stop the relay. */
		if (fd >= 0 && sp_write_all(fd, buf, n) < 0)
			fd = -1;
		size -= n;
	}
	return 1;
}

static int relay(struct remote *r, int out_fd, int err_fd,
		 const sigset_t *wait_mask)
{
	struct pollfd p;
	int rc, status = -1, sent = 0;
	ssize_t got;
	char *line;

	for (;;) {
		while (sent < interrupts) {
			sent++;
			sp_printf(r->fd, "quit\n");
		}
		rc = sp_next_line(r->in, &line);
		if (rc == 1) {
			rc = relay_frame(r, line, out_fd, err_fd, &status);
			if (rc == 0)
				return status;
			if (rc < 0)
				break;
			continue;
		}
		if (rc == -2)
			continue;
		if (r->in->eof)
			break;
		p = (struct pollfd){ r->fd, POLLIN, 0 };
		if (ppoll(&p, 1, NULL, wait_mask) < 0)
			continue;	/* a signal: send "quit" above */
		got = sp_fill(r->in);
		if (got == 0 || (got < 0 && errno != EAGAIN))
			break;
	}
	remote_error("connection to stapsh lost while the script ran; the "
		     "remote staprun is stopped by stapsh");
	return -1;
}

int remote_run(struct remote *r, const char *module_path, int argc,
	       char **staprun_args, int nparams, char **params, int out_fd,
	       int err_fd)
{
	struct interrupt_guard g;
	const char *name;
	int status;

	name = strrchr(module_path, '/');
	name = name ? name + 1 : module_path;
	if (!sp_name_ok(name)) {
		remote_error("module name '%s' cannot be sent to stapsh "
			     "(want [A-Za-z0-9._-]+)", name);
		return -1;
	}

	interrupts_catch(&g, on_interrupt);
	interrupts = 0;

	status = upload(r, module_path, name);
	if (status == 0)
		status = start(r, argc, staprun_args, name, nparams, params);
	if (status == 0) {
		/* An interrupt during the upload counts too. */
		status = relay(r, out_fd, err_fd, &g.wait_mask);
	}

	interrupts_restore(&g);
	return status;
}
