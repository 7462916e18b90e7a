/*
 * stapsh: runs staprun on behalf of a remote stap.
 *
 * stapsh speaks the stapsh protocol (doc/protocol-stapsh.md) either on
 * stdin/stdout (behind ssh or a pipe) or on a character device such as a
 * virtio-serial port (-d /dev/vport0p1), where it serves one host
 * connection after another.  A session is:
 *
 *   stap:   stap 4                    stapsh: stapsh 4 x86_64 6.1.0-56-amd64
 *   stap:   symbols -                 stapsh: data symbols 65536 + bytes ...
 *                                     stapsh: symbols 0123456789abcdef sent
 *   stap:   btf vmlinux -             stapsh: data btf 65536 + bytes ...
 *                                     stapsh: btf vmlinux 0123456789abcdef sent
 *   stap:   exe 1234                  stapsh: exe 1234 /usr/bin/python3.11
 *   stap:   file 1234 mod.ko + bytes  stapsh: OK
 *   stap:   run -v mod.ko             stapsh: OK
 *                                     stapsh: data stdout 12 + bytes ...
 *   stap:   quit (= interrupt)        stapsh: quit 0
 *   stap:   quit (= end of session)
 *
 * Uploaded files live in a private directory made with mkdtemp, removed
 * with everything in it when the session ends; staprun runs there, in its
 * own process group, with its stdout and stderr relayed as data frames.
 * When the host hangs up, a running staprun gets SIGINT (so it unloads
 * its module) and SIGKILL if it has not exited after a grace period.
 *
 * The file reads: command-line handling and the device loop at the bottom,
 * the session loop above it, one function per command above that.
 */
#define _GNU_SOURCE
#include "stapsh_proto.h"
#include "ksyms.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- configuration (from the command line) ---------------------------- */

static int verbose;
static const char *staprun_path;	/* what "run" executes */
static int grace_ms = 10000;		/* SIGINT -> SIGKILL on hang-up */

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	fprintf(stderr, "stapsh[%d]: ", (int)getpid());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- signals ---------------------------------------------------------- */

/* SIGCHLD, SIGIO and the terminating signals stay blocked except inside
 * ppoll, so the loops see them as events and never in the middle of a
 * frame.  SIGIO comes from a virtio port in device mode (see
 * serve_device). */
static volatile sig_atomic_t got_sigchld, got_sigio, got_term;
static sigset_t poll_mask;		/* the mask ppoll waits with */

static void on_sigchld(int sig) { got_sigchld = 1; }
static void on_sigio(int sig) { got_sigio = 1; }
static void on_term(int sig) { got_term = sig; }

static void setup_signals(void)
{
	struct sigaction sa = { 0 };
	sigset_t block;

	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = on_sigio;
	sa.sa_flags = 0;
	sigaction(SIGIO, &sa, NULL);
	sa.sa_handler = on_term;
	sa.sa_flags = 0;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGIO);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &poll_mask);
	sigdelset(&poll_mask, SIGCHLD);
	sigdelset(&poll_mask, SIGIO);
	sigdelset(&poll_mask, SIGTERM);
	sigdelset(&poll_mask, SIGHUP);
	sigdelset(&poll_mask, SIGINT);
}

/* ---- the session ------------------------------------------------------ */

/*
 * One connection.  dir is created on first use; child is staprun while it
 * runs (its pid is also its process group), with its output arriving on
 * out_pipe and err_pipe (-1 once at end of file).
 */
struct session {
	struct sp_reader *in;
	int out;		/* where replies go */
	int version;		/* negotiated; 0 before the handshake */
	char dir[PATH_MAX];	/* private directory, "" until made */
	pid_t child;
	char module[NAME_MAX + 1];	/* the module staprun runs, "" if none */
	int out_pipe, err_pipe;
	bool hung_up;		/* the host went away: discard output */
	bool done;		/* "quit" while idle */
};

static void reply(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply(struct session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	if (s->hung_up)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (sp_write_all(s->out, line, n) < 0) {
		logmsg("host gone while replying: %s", strerror(errno));
		s->hung_up = true;
	}
}

static int make_dir(struct session *s)
{
	const char *tmp = getenv("TMPDIR");

	if (s->dir[0])
		return 0;
	snprintf(s->dir, sizeof(s->dir), "%s/stapsh.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(s->dir)) {
		s->dir[0] = '\0';
		return -1;
	}
	logmsg("directory %s", s->dir);
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	if (remove(path) < 0)
		fprintf(stderr, "stapsh: cannot remove %s: %s\n", path,
			strerror(errno));
	return 0;
}

static void remove_dir(struct session *s)
{
	if (!s->dir[0])
		return;
	nftw(s->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	s->dir[0] = '\0';
}

static void stop_child(struct session *s);

/* "stap VERSION [FEATURES...]": answer with ours and the kernel's.
 *
 * Only a new host starts with a handshake.  A second one means that the
 * previous host left without our seeing it: on a virtio port, its
 * hang-up and the next host's connect can reach us together, and the
 * port then never looks disconnected.  Its session ends here as on a
 * hang-up, so that the new host gets a fresh one. */
static void cmd_stap(struct session *s, int argc, char **argv)
{
	struct utsname u;
	uint64_t v;

	if (s->version) {
		logmsg("a new handshake: the previous host is gone");
		s->hung_up = true;	/* its output goes nowhere */
		stop_child(s);
		remove_dir(s);
		s->hung_up = false;
		s->version = 0;
	}
	if (argc < 2 || !sp_parse_u64(argv[1], &v)) {
		reply(s, "error malformed handshake: expected 'stap VERSION'");
		return;
	}
	if (v < STAPSH_PROTO_MIN_VERSION) {
		reply(s, "error unsupported protocol version %s "
		      "(this stapsh speaks %d to %d)", argv[1],
		      STAPSH_PROTO_MIN_VERSION, STAPSH_PROTO_VERSION);
		return;
	}
	/* No features are defined yet: the peer's are ignored. */
	s->version = v < STAPSH_PROTO_VERSION ? (int)v : STAPSH_PROTO_VERSION;
	uname(&u);
	reply(s, "stapsh %d %s %s", STAPSH_PROTO_VERSION, u.machine,
	      u.release);
	logmsg("handshake: stap speaks %s, using %d", argv[1], s->version);
}

/* "file SIZE NAME" + SIZE bytes.  The payload is consumed even when the
 * request is refused, so that the stream stays in step. */
static void cmd_file(struct session *s, int argc, char **argv)
{
	uint64_t size, left;
	const char *why = NULL;
	char buf[65536];
	size_t n;
	int fd = -1, dfd = -1, saved = 0;

	if (argc != 3 || !sp_parse_u64(argv[1], &size)) {
		reply(s, "error malformed file command: expected 'file SIZE NAME'");
		return;
	}
	if (!sp_name_ok(argv[2]))
		why = "unsafe file name (want [A-Za-z0-9._-]+, no leading dot)";
	else if (size > SP_FILE_MAX)
		why = "file too large (limit 256 MiB)";
	else if (s->child)
		why = "busy: staprun is running";
	else if (make_dir(s) < 0 ||
		 (dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
		 (fd = openat(dfd, argv[2], O_WRONLY | O_CREAT | O_TRUNC |
			      O_NOFOLLOW | O_CLOEXEC, 0644)) < 0)
		saved = errno, why = "cannot create the file";

	for (left = size; left > 0; left -= n) {
		n = left > sizeof(buf) ? sizeof(buf) : left;
		if (sp_read_bytes(s->in, buf, n, -1) < 0) {
			logmsg("host gone during upload");
			s->hung_up = true;
			break;
		}
		if (fd >= 0 && !why && sp_write_all(fd, buf, n) < 0)
			saved = errno, why = "cannot write the file";
	}
	if (fd >= 0) {
		if (close(fd) < 0 && !why)
			saved = errno, why = "cannot write the file";
		if (why || s->hung_up)
			unlinkat(dfd, argv[2], 0);
	}
	if (dfd >= 0)
		close(dfd);
	if (s->hung_up)
		return;
	if (why && saved)
		reply(s, "error %s: %s: %s", argv[2], why, strerror(saved));
	else if (why)
		reply(s, "error %s: %s", argv[2], why);
	else
		reply(s, "OK");
	logmsg("file %s (%llu bytes): %s", argv[2], (unsigned long long)size,
	       why ? why : "stored");
}

/* Child side of "run": never returns. */
static void exec_staprun(struct session *s, char **args, int out_w,
			 int err_w, int status_w)
{
	sigset_t none;
	int fd, e;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGIO, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	dup2(out_w, 1);
	dup2(err_w, 2);
	if (chdir(s->dir) == 0)
		execv(staprun_path, args);
	e = errno;
	if (write(status_w, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

/* "run ARG...": start staprun with the %-decoded arguments. */
/* Remembers the module the run loads: the last argument NAME.ko (the
 * module's NAME=VALUE parameters may follow it). */
static void module_of(struct session *s, char **args, int n_args)
{
	const char *arg, *base;
	size_t n;
	int i;

	for (i = n_args - 1; i > 0 && strchr(args[i], '='); i--)
		;
	arg = args[i];
	base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	n = strlen(base);
	s->module[0] = '\0';
	if (n > 3 && n - 3 < sizeof(s->module) &&
	    strcmp(base + n - 3, ".ko") == 0)
		snprintf(s->module, sizeof(s->module), "%.*s", (int)(n - 3),
			 base);
}

static void cmd_run(struct session *s, int argc, char **argv)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, st[2] = { -1, -1 };
	char *args[SP_WORDS_MAX + 1];
	int i, e;
	ssize_t n;
	pid_t pid;

	if (s->child) {
		reply(s, "error busy: staprun is running");
		return;
	}
	args[0] = (char *)staprun_path;
	for (i = 1; i < argc; i++) {
		if (!sp_unescape_arg(argv[i])) {
			reply(s, "error malformed %%-escape in argument %d", i);
			return;
		}
		args[i] = argv[i];
	}
	args[argc] = NULL;
	module_of(s, args, argc);
	if (make_dir(s) < 0) {
		reply(s, "error cannot make a directory: %s", strerror(errno));
		return;
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(st, O_CLOEXEC) < 0) {
		reply(s, "error cannot make pipes: %s", strerror(errno));
		goto out_close;
	}
	pid = fork();
	if (pid < 0) {
		reply(s, "error cannot fork: %s", strerror(errno));
		goto out_close;
	}
	if (pid == 0)
		exec_staprun(s, args, outp[1], errp[1], st[1]);
	setpgid(pid, pid);	/* also here: no race with kill(-pid) */
	close(st[1]);
	st[1] = -1;
	/* The status pipe closes on a successful exec, or brings errno. */
	do
		n = read(st[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(e)) {
		waitpid(pid, NULL, 0);
		reply(s, "error cannot run %s: %s", staprun_path, strerror(e));
		goto out_close;
	}
	close(outp[1]);
	close(errp[1]);
	fcntl(outp[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	s->child = pid;
	s->out_pipe = outp[0];
	s->err_pipe = errp[0];
	close(st[0]);
	logmsg("running %s (pid %d)", staprun_path, (int)pid);
	reply(s, "OK");
	return;

out_close:
	for (i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (st[i] >= 0)
			close(st[i]);
	}
}

/* "quit": interrupt a running staprun, or end an idle session. */
static void cmd_quit(struct session *s, int argc, char **argv)
{
	if (s->child) {
		logmsg("interrupting staprun");
		kill(-s->child, SIGINT);
	} else {
		s->done = true;
	}
}

#if STAPSH_PROTO_VERSION >= 2
/* Sends len bytes as "data STREAM" frames. */
static void send_stream(struct session *s, enum sp_stream stream,
			const char *data, size_t len)
{
	size_t off, n;

	for (off = 0; off < len && !s->hung_up; off += n) {
		n = len - off > SP_DATA_CHUNK ? SP_DATA_CHUNK : len - off;
		if (sp_write_data(s->out, stream, data + off, n) < 0) {
			logmsg("host gone while sending %s: %s",
			       sp_stream_name(stream), strerror(errno));
			s->hung_up = true;
		}
	}
}

/* Whether s may answer a fetch (symbols, btf) now, with the kernel's
 * identity in ident; if not, the error is sent. */
static bool fetch_ready(struct session *s, char ident[17])
{
	if (s->child) {
		reply(s, "error busy: staprun is running");
		return false;
	}
	if (ksyms_identity(ident) < 0) {
		reply(s, "error cannot read /proc/version: %s", strerror(errno));
		return false;
	}
	return true;
}

/*
 * "symbols HAVE" (version 2): the kernel's function symbols (ksyms.h).
 * HAVE is the identity of the list stap has cached, or "-".  If it is
 * this kernel's, the answer is "symbols IDENT same"; otherwise the list
 * follows as "data symbols" frames, then "symbols IDENT sent".
 */
static void cmd_symbols(struct session *s, int argc, char **argv)
{
	char ident[17], *list = NULL;
	size_t len = 0;

	if (s->version < 2) {
		reply(s, "error 'symbols' needs protocol version 2");
		return;
	}
	if (argc != 2) {
		reply(s, "error malformed symbols command: expected "
		      "'symbols HAVE'");
		return;
	}
	if (!fetch_ready(s, ident))
		return;
	if (strcmp(argv[1], ident) == 0) {
		reply(s, "symbols %s same", ident);
		logmsg("symbols: the host's copy is current");
		return;
	}
	if (ksyms_read_local(&list, &len) < 0) {
		reply(s, "error cannot read /proc/kallsyms: %s", strerror(errno));
		return;
	}
	send_stream(s, SP_STREAM_SYMBOLS, list, len);
	free(list);
	reply(s, "symbols %s sent", ident);
	logmsg("symbols: sent %zu bytes", len);
}
#endif

#if STAPSH_PROTO_VERSION >= 3
/* The whole of a sysfs file (whose size stat does not tell), or NULL. */
static char *read_sysfs(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 20;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = malloc(cap);
	*len = 0;
	while (buf && (n = read(fd, buf + *len, cap - *len)) > 0) {
		*len += n;
		if (*len == cap) {
			char *more = realloc(buf, cap *= 2);
			if (!more)
				free(buf);
			buf = more;
		}
	}
	if (buf && n < 0) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	return buf;
}

/*
 * "btf NAME HAVE" (version 3): the kernel's BTF (NAME vmlinux) or a
 * loaded module's, the raw bytes of /sys/kernel/btf/NAME.  HAVE is the
 * identity (as for "symbols") of the build whose BTF stap has cached, or
 * "-".  The answer ends with "btf NAME IDENT same" when that is this
 * kernel's, "btf NAME IDENT none" when there is no such BTF, else
 * "btf NAME IDENT sent" after "data btf" frames.
 */
static void cmd_btf(struct session *s, int argc, char **argv)
{
	char ident[17], *path, *data;
	size_t len = 0;

	if (s->version < 3) {
		reply(s, "error 'btf' needs protocol version 3");
		return;
	}
	if (argc != 3 || !sp_name_ok(argv[1])) {
		reply(s, "error malformed btf command: expected 'btf NAME HAVE'");
		return;
	}
	if (!fetch_ready(s, ident))
		return;
	if (asprintf(&path, "/sys/kernel/btf/%s", argv[1]) < 0) {
		reply(s, "error out of memory");
		return;
	}
	if (access(path, R_OK) != 0) {
		reply(s, "btf %s %s none", argv[1], ident);
	} else if (strcmp(argv[2], ident) == 0) {
		reply(s, "btf %s %s same", argv[1], ident);
		logmsg("btf %s: the host's copy is current", argv[1]);
	} else if (!(data = read_sysfs(path, &len))) {
		reply(s, "error cannot read %s: %s", path, strerror(errno));
	} else {
		send_stream(s, SP_STREAM_BTF, data, len);
		free(data);
		reply(s, "btf %s %s sent", argv[1], ident);
		logmsg("btf %s: sent %zu bytes", argv[1], len);
	}
	free(path);
}
#endif

#if STAPSH_PROTO_VERSION >= 4
/* Why pid (a number; /proc/PID exists or not) has no readable program. */
static void exe_refuse(struct session *s, const char *pid, int err)
{
	char dir[64];
	struct stat st;

	snprintf(dir, sizeof(dir), "/proc/%s", pid);
	if (err == ENOENT && stat(dir, &st) != 0)
		reply(s, "error no such process");
	else if (err == ENOENT)
		reply(s, "error a kernel thread: it runs no program");
	else
		reply(s, "error cannot read /proc/%s/exe: %s", pid,
		      strerror(err));
}

/*
 * "exe PID" (version 4): the program process PID runs, the target of
 * its /proc/PID/exe link, %-escaped like a run argument: "exe PID PATH".
 * stap probes process(PID) points in that file.  No such process, a
 * kernel thread, an unreadable link or a deleted program is answered
 * "error MESSAGE".
 */
static void cmd_exe(struct session *s, int argc, char **argv)
{
	char link[64], path[PATH_MAX], *esc;
	uint64_t pid;
	ssize_t n;
	size_t del = strlen(" (deleted)");
	struct stat st;

	if (s->version < 4) {
		reply(s, "error 'exe' needs protocol version 4");
		return;
	}
	if (argc != 2 || !sp_parse_u64(argv[1], &pid) || pid < 1 ||
	    pid > INT32_MAX) {
		reply(s, "error malformed exe command: expected 'exe PID'");
		return;
	}
	if (s->child) {
		reply(s, "error busy: staprun is running");
		return;
	}
	snprintf(link, sizeof(link), "/proc/%s/exe", argv[1]);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0) {
		exe_refuse(s, argv[1], errno);
		return;
	}
	path[n] = '\0';
	if ((size_t)n > del && strcmp(path + n - del, " (deleted)") == 0 &&
	    lstat(path, &st) != 0) {
		path[n - del] = '\0';
		reply(s, "error its program %s was deleted", path);
		return;
	}
	if (!(esc = sp_escape_arg(path))) {
		reply(s, "error out of memory");
		return;
	}
	/* reply() cuts lines at 1 KiB; an escaped path may be longer */
	if (!s->hung_up && sp_printf(s->out, "exe %s %s\n", argv[1], esc) < 0) {
		logmsg("host gone while replying: %s", strerror(errno));
		s->hung_up = true;
	}
	logmsg("exe %s: %s", argv[1], path);
	free(esc);
}
#endif

/* The commands, by name.  Adding one is a function and a line here. */
static const struct command {
	const char *name;
	void (*fn)(struct session *s, int argc, char **argv);
} commands[] = {
	{ "stap", cmd_stap },
	{ "file", cmd_file },
	{ "run", cmd_run },
	{ "quit", cmd_quit },
#if STAPSH_PROTO_VERSION >= 2
	{ "symbols", cmd_symbols },
#endif
#if STAPSH_PROTO_VERSION >= 3
	{ "btf", cmd_btf },
#endif
#if STAPSH_PROTO_VERSION >= 4
	{ "exe", cmd_exe },
#endif
};

static void dispatch(struct session *s, char *line)
{
	char *argv[SP_WORDS_MAX];
	int argc;
	size_t i;

	argc = sp_split(line, argv, SP_WORDS_MAX);
	if (argc < 0) {
		reply(s, "error too many words in a command line (limit %d)",
		      SP_WORDS_MAX);
		return;
	}
	if (argc == 0) {
		reply(s, "error empty command line");
		return;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (!s->version && commands[i].fn != cmd_stap &&
		    commands[i].fn != cmd_quit) {
			reply(s, "error handshake first: send 'stap VERSION'");
			return;
		}
		commands[i].fn(s, argc, argv);
		return;
	}
	reply(s, "error unknown command %.100s", argv[0]);
}

/* Relays what one pipe has now.  Returns 1 after relaying, 0 if nothing
 * was there, -1 at its end of file (the pipe is then closed). */
static int relay(struct session *s, int *pipefd, enum sp_stream stream)
{
	char buf[SP_DATA_CHUNK];
	ssize_t n;

	n = read(*pipefd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		close(*pipefd);
		*pipefd = -1;
		return -1;
	}
	if (!s->hung_up && sp_write_data(s->out, stream, buf, n) < 0) {
		logmsg("host gone while relaying: %s", strerror(errno));
		s->hung_up = true;
	}
	return 1;
}

/*
 * staprun was killed: it could not unload the module, so we do.  Its
 * process group (stapio, -c's command) goes first, so that nothing holds
 * the module's files; then the module exits (which stops the session if
 * it still ran).  Reports on the run's stderr.
 */
static void unload_orphan(struct session *s, int sig)
{
	char msg[NAME_MAX + 160];
	int n, i, rc = -1;

	kill(-s->child, SIGKILL);
	for (i = 0; i < 50 && rc < 0; i++) {	/* up to 5 s for the exits */
		rc = syscall(SYS_delete_module, s->module, O_NONBLOCK);
		if (rc < 0 && errno == ENOENT)
			return;		/* never loaded, or unloaded */
		if (rc < 0)
			usleep(100000);
	}
	n = snprintf(msg, sizeof(msg), rc == 0 ?
		     "ERROR: staprun was killed by signal %d (%s); stapsh "
		     "unloaded module %s\n" :
		     "ERROR: staprun was killed by signal %d (%s); module %s "
		     "is still loaded (staprun -d %s)\n",
		     sig, strsignal(sig), s->module, s->module);
	logmsg("%.*s", n - 1, msg);
	if (!s->hung_up)
		sp_write_data(s->out, SP_STREAM_STDERR, msg, (size_t)n);
}

/* staprun has exited: relay what it left in the pipes, report. */
static void child_exited(struct session *s, int status)
{
	int code;

	if (WIFSIGNALED(status) && s->module[0])
		unload_orphan(s, WTERMSIG(status));

	while (s->out_pipe >= 0 && relay(s, &s->out_pipe, SP_STREAM_STDOUT) > 0)
		;
	while (s->err_pipe >= 0 && relay(s, &s->err_pipe, SP_STREAM_STDERR) > 0)
		;
	/* A grandchild may still hold the pipes: we do not wait for it. */
	if (s->out_pipe >= 0)
		close(s->out_pipe);
	if (s->err_pipe >= 0)
		close(s->err_pipe);
	s->out_pipe = s->err_pipe = -1;
	s->child = 0;
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	       WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	logmsg("staprun exited with %d", code);
	reply(s, "quit %d", code);
}

static void reap(struct session *s)
{
	int status;

	got_sigchld = 0;
	if (s->child && waitpid(s->child, &status, WNOHANG) == s->child)
		child_exited(s, status);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for input, staprun's output and signals.  Returns when something
 * happened; the caller looks at the flags.  With timeout_ms >= 0 returns
 * after that long at most.
 */
static void wait_events(struct session *s, bool want_input, int timeout_ms)
{
	struct pollfd p[3];
	struct timespec ts, *tsp = NULL;
	int n = 0, i_in = -1, i_out = -1, i_err = -1;

	if (want_input)
		i_in = n, p[n++] = (struct pollfd){ s->in->fd, POLLIN, 0 };
	if (s->out_pipe >= 0)
		i_out = n, p[n++] = (struct pollfd){ s->out_pipe, POLLIN, 0 };
	if (s->err_pipe >= 0)
		i_err = n, p[n++] = (struct pollfd){ s->err_pipe, POLLIN, 0 };
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	if (ppoll(p, n, tsp, &poll_mask) <= 0)
		return;
	if (i_out >= 0 && p[i_out].revents)
		relay(s, &s->out_pipe, SP_STREAM_STDOUT);
	if (i_err >= 0 && p[i_err].revents)
		relay(s, &s->err_pipe, SP_STREAM_STDERR);
	if (i_in >= 0 && p[i_in].revents) {
		ssize_t r = sp_fill(s->in);
		if (r == 0 || (r < 0 && errno != EAGAIN)) {
			logmsg("host hung up");
			s->hung_up = true;
		}
	}
}

/* The host is gone (or we are told to stop): make staprun unload its
 * module and exit, discarding its output meanwhile. */
static void stop_child(struct session *s)
{
	int64_t deadline;
	bool killed = false;

	if (!s->child)
		return;
	logmsg("stopping staprun (pid %d)", (int)s->child);
	kill(-s->child, SIGINT);
	deadline = now_ms() + grace_ms;
	while (s->child) {
		int64_t left = deadline - now_ms();
		if (left <= 0 && !killed) {
			fprintf(stderr, "stapsh: staprun ignored SIGINT for "
				"%d ms: killing it\n", grace_ms);
			kill(-s->child, SIGKILL);
			killed = true;
		}
		wait_events(s, false, left > 0 ? (int)left : 100);
		reap(s);
	}
}

/* Serves one connection until "quit", hang-up or a terminating signal.
 * The reader may already hold the connection's first bytes. */
static void session(struct sp_reader *reader, int out_fd)
{
	struct session s = { .in = reader, .out = out_fd,
			     .out_pipe = -1, .err_pipe = -1 };
	char *line;
	int rc;

	while (!s.hung_up && !s.done && !got_term) {
		rc = sp_next_line(reader, &line);
		if (rc == 1) {
			dispatch(&s, line);
			continue;
		}
		if (rc == -2) {
			reply(&s, "error command line too long (limit %d bytes)",
			      SP_LINE_MAX);
			continue;
		}
		if (reader->eof) {
			s.hung_up = true;
			break;
		}
		wait_events(&s, true, -1);
		if (got_sigchld)
			reap(&s);
	}
	if (got_term)
		logmsg("got signal %d", (int)got_term);
	stop_child(&s);
	remove_dir(&s);
}

/* ---- device mode ------------------------------------------------------ */

/*
 * Serves connections on a virtio port forever.
 *
 * While no host is connected, a virtio-console port polls POLLIN|POLLHUP
 * (its read "would not block": it returns 0 at once), so poll(2) cannot
 * wait for a host and looping on it spins.  What does tell us is SIGIO:
 * with O_ASYNC the port signals when a host connects or disconnects and
 * when bytes arrive.  So we read once; 0 means no host, and we sleep in
 * ppoll until SIGIO (or a long safety timeout, in case a signal is ever
 * lost; a short one where O_ASYNC is refused).  EAGAIN means a host is
 * connected and silent: poll(2) then blocks properly.
 *
 * Bytes on the port start a session even while it says "no host": a new
 * host's first bytes can overtake the news that it connected (they travel
 * on different virtqueues).  Bytes a departed host left behind start a
 * session too, which ends at its first reply.
 */
#define NO_HOST_WAIT_MS 5000		/* with SIGIO: a safety net only */
#define NO_HOST_POLL_MS 100		/* without SIGIO */

/* Asks fd for SIGIO on connect, hang-up and input; false if refused. */
static bool want_sigio(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETOWN, getpid()) == 0 &&
	       fcntl(fd, F_SETFL, fl | O_ASYNC) == 0;
}

/* Sleeps until SIGIO (or a terminating signal), at most ms. */
static void wait_sigio(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!got_sigio && !got_term)
		if (ppoll(NULL, 0, &ts, &poll_mask) == 0)
			return;
}

/* Serves fd until it fails (then it is reopened) or we are told to stop. */
static void serve_port(int fd)
{
	static struct sp_reader reader;
	bool sigio = want_sigio(fd);
	struct pollfd p;
	ssize_t n;

	if (!sigio)
		logmsg("no SIGIO from the port: looking every %d ms",
		       NO_HOST_POLL_MS);
	while (!got_term) {
		got_sigio = 0;	/* before the read: no news is lost */
		sp_reader_init(&reader, fd);
		n = sp_fill(&reader);
		if (n > 0) {
			logmsg("host connected");
			session(&reader, fd);
			logmsg("session over");
			continue;
		}
		if (n == 0) {	/* no host */
			wait_sigio(sigio ? NO_HOST_WAIT_MS : NO_HOST_POLL_MS);
			continue;
		}
		if (errno != EAGAIN)
			return;	/* reopen */
		/* A host is connected and has sent nothing yet. */
		p = (struct pollfd){ fd, POLLIN, 0 };
		if (ppoll(&p, 1, NULL, &poll_mask) > 0 &&
		    (p.revents & (POLLERR | POLLNVAL)))
			return;
	}
}

static void serve_device(const char *dev)
{
	int fd;

	/* Replies may likewise see the port "disconnected" for a moment. */
	sp_hup_grace_ms = 500;
	while (!got_term) {
		fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "stapsh: cannot open %s: %s\n", dev,
				strerror(errno));
			sleep(1);
			continue;
		}
		serve_port(fd);
		close(fd);
		if (!got_term)
			usleep(100000);
	}
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: stapsh [-v] [-d DEVICE] [-s STAPRUN] [-g GRACE_MS]\n"
		"Serves the stapsh protocol on stdin/stdout, or on DEVICE "
		"(e.g. a virtio port) one connection after another.\n");
	exit(status);
}

/* staprun is the one next to us, unless -s says otherwise. */
static const char *default_staprun(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	char *slash;

	if (n <= 0)
		return "staprun";
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "staprun");
	return path;
}

int main(int argc, char **argv)
{
	const char *device = NULL;
	int c;

	while ((c = getopt(argc, argv, "vd:s:g:h")) != -1) {
		switch (c) {
		case 'v': verbose++; break;
		case 'd': device = optarg; break;
		case 's': staprun_path = optarg; break;
		case 'g': grace_ms = atoi(optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (!staprun_path)
		staprun_path = default_staprun();
	setup_signals();
	if (device) {
		serve_device(device);
	} else {
		static struct sp_reader reader;

		/* stdout must not be shared with anything that prints. */
		sp_reader_init(&reader, 0);
		session(&reader, 1);
	}
	return 0;
}
