/*
 * staprun: loads a stap module, runs stapio on it, unloads it.
 *
 *   staprun [-v] [-o FILE [-S SIZE[,N]]] [-b MB] [-B] [-c CMD | -x PID]
 *           [-t SECONDS] [-L | -D] MODULE.ko [name=value ...]
 *   staprun [...] -A MODULE       attach to a session left by -L
 *   staprun [-v] -d MODULE|'*'    unload a detached or unused module
 *
 * The steps are the functions below, in order: find stapio (so that a
 * missing stapio fails before anything is loaded), load the module with
 * finit_module(2) passing the name=value pairs as module parameters (and
 * -b MB as _stp_bufsize=MB), run stapio (with -o -B -c -x -t passed on)
 * with SIGINT/SIGTERM/SIGHUP forwarded to it, and unload the
 * module with delete_module(2) whatever happened.  The exit status is
 * stapio's, which is the script's.  No NSS calls: this is linked
 * statically for the test VM's initramfs.
 *
 * staprun may be installed setuid root: who may load what is in
 * privilege.c; everything but the module calls runs as the caller
 * (privileged() raises the effective uid around each), and stapio runs
 * as the caller, with the module's proc files handed to it.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ctl.h"
#include "optarg.h"
#include "privilege.h"

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/stap"
#endif

/* Bounds of -b MB, the per-CPU buffer size (the module checks too). */
#define BUFSIZE_MAX_MB 4095

static int verbose;
static enum privilege priv;	/* the caller's (privilege.h) */
static uid_t setuid_euid = (uid_t)-1;	/* 0 when installed setuid root */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t pending_sig;

static void note(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	ctl_log("staprun", fmt, ap);
	va_end(ap);
}

/* ---- privileges ---- */

/*
 * Installed setuid root, staprun runs as its caller except while it
 * loads or unloads a module (and hands the module's proc files to the
 * caller): files are opened with the caller's rights, so nobody reads
 * anything through staprun, and stapio runs as the caller.
 */
static void drop_privileges_at_start(void)
{
	gid_t gid = getgid();

	if (geteuid() == getuid())
		return;
	setuid_euid = geteuid();
	if (setresgid(gid, gid, gid) < 0 || seteuid(getuid()) < 0) {
		fprintf(stderr, "ERROR: cannot drop privileges: %s\n",
			strerror(errno));
		exit(1);
	}
}

/* Raises (on) or drops the effective uid around one privileged call. */
static void privileged(int on)
{
	if (setuid_euid == (uid_t)-1)
		return;
	if (seteuid(on ? setuid_euid : getuid()) < 0) {
		fprintf(stderr, "ERROR: cannot %s privileges: %s\n",
			on ? "raise" : "drop", strerror(errno));
		exit(1);
	}
}

/* For good, before running stapio. */
static void drop_privileges(void)
{
	uid_t uid = getuid();

	if (setuid_euid != (uid_t)-1 && setresuid(uid, uid, uid) < 0)
		_exit(127);
}

/* A setuid staprun's caller gets the module's control and data files
 * (mode 0600, root's) for the stapio it runs as the caller. */
static int give_proc_files(const char *name)
{
	static const char *const files[] = { "ctl", "data" };
	char path[PATH_MAX];
	unsigned i;
	int rc = 0;

	if (setuid_euid == (uid_t)-1)
		return 0;
	privileged(1);
	for (i = 0; i < 2 && rc == 0; i++) {
		snprintf(path, sizeof(path), "/proc/%s/%s", name, files[i]);
		rc = chown(path, getuid(), getgid());
		if (rc < 0)
			fprintf(stderr, "ERROR: cannot give %s to uid %d: %s\n",
				path, (int)getuid(), strerror(errno));
	}
	privileged(0);
	return rc;
}

/* ---- finding stapio ---- */

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/*
 * $STAPIO, else next to our own executable, else ../libexec/stap/ from
 * there, else PKGLIBEXECDIR.  Returns a malloc'd path or NULL.
 */
static char *find_stapio(void)
{
	char self[PATH_MAX], path[PATH_MAX + 64];
	const char *env = getenv("STAPIO");
	ssize_t n;
	char *slash;

	if (env && *env) {
		if (executable(env))
			return strdup(env);
		fprintf(stderr, "ERROR: $STAPIO=%s is not an executable file\n",
			env);
		return NULL;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/stapio", self);
			if (executable(path))
				return strdup(path);
			snprintf(path, sizeof(path),
				 "%s/../libexec/stap/stapio", self);
			if (executable(path))
				return strdup(path);
		}
	}
	if (executable(PKGLIBEXECDIR "/stapio"))
		return strdup(PKGLIBEXECDIR "/stapio");
	fprintf(stderr, "ERROR: cannot find stapio: looked next to staprun "
		"(%s), in ../libexec/stap/ from there and in %s; set $STAPIO "
		"to its path\n", n > 0 ? self : "?", PKGLIBEXECDIR);
	return NULL;
}

/* ---- loading ---- */

/* The kernel's name for the module: basename without .ko, '-' -> '_'. */
static char *module_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;
	char *name, *p;

	base = base ? base + 1 : path;
	name = strdup(base);
	if (!name)
		return NULL;
	len = strlen(name);
	if (len > 3 && strcmp(name + len - 3, ".ko") == 0)
		name[len - 3] = '\0';
	for (p = name; *p; p++)
		if (*p == '-')
			*p = '_';
	return name;
}

/*
 * Module parameters.  A stap module has one parameter per scalar
 * global of its script (runtime/param.c), typed "long" or "string" in
 * its .modinfo section; staprun checks each name=value against that
 * list before loading, because the kernel ignores unknown parameters
 * (with a line in its log) and reports a bad number only as EINVAL.
 */

/* The .modinfo section of an ELF64 module ("key=value" strings, each
 * ending in a NUL), or NULL. */
static char *read_modinfo(int fd, size_t *len)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, names;
	char sname[sizeof(".modinfo")];
	char *data;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_shentsize != sizeof(sh) || eh.e_shstrndx >= eh.e_shnum ||
	    pread(fd, &names, sizeof(names), eh.e_shoff +
		  (off_t)eh.e_shstrndx * sizeof(sh)) != sizeof(names))
		return NULL;
	for (i = 0; i < eh.e_shnum; i++) {
		if (pread(fd, &sh, sizeof(sh), eh.e_shoff +
			  (off_t)i * sizeof(sh)) != sizeof(sh) ||
		    pread(fd, sname, sizeof(sname), names.sh_offset +
			  sh.sh_name) != sizeof(sname) ||
		    memcmp(sname, ".modinfo", sizeof(sname)) != 0)
			continue;
		data = malloc(sh.sh_size + 1);
		if (!data || pread(fd, data, sh.sh_size, sh.sh_offset) !=
		    (ssize_t)sh.sh_size) {
			free(data);
			return NULL;
		}
		data[sh.sh_size] = '\0';
		*len = sh.sh_size;
		return data;
	}
	return NULL;
}

/* The type ("long", "string") of parameter name (n bytes) in modinfo,
 * or NULL when the module has no such parameter. */
static const char *param_type(const char *info, size_t len, const char *name,
			      size_t n)
{
	const char *p;

	for (p = info; p < info + len; p += strlen(p) + 1)
		if (strncmp(p, "parmtype=", 9) == 0 &&
		    strncmp(p + 9, name, n) == 0 && p[9 + n] == ':')
			return p + 10 + n;
	return NULL;
}

/* "x, s": the script globals a module takes (not the runtime's _stp_). */
static void list_params(const char *info, size_t len)
{
	const char *p, *colon;
	int n = 0;

	for (p = info; p < info + len; p += strlen(p) + 1) {
		if (strncmp(p, "parmtype=", 9) != 0 ||
		    strncmp(p + 9, "_stp_", 5) == 0 ||
		    !(colon = strchr(p + 9, ':')))
			continue;
		fprintf(stderr, "%s%.*s", n++ ? ", " : "",
			(int)(colon - p - 9), p + 9);
	}
	if (!n)
		fputs("none", stderr);
}

/* Whether v is a whole number as the module reads it (base 0). */
static int is_number(const char *v)
{
	char *end;

	errno = 0;
	strtoll(v, &end, 0);
	return *v && !*end && !errno;
}

/* The module's .modinfo section (*len bytes), or NULL. */
static char *module_info(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *info = fd < 0 ? NULL : read_modinfo(fd, len);

	if (fd >= 0)
		close(fd);
	return info;
}

/* "_stp_tz_gmtoff=-3600 _stp_tz_name=CET": the local time zone for a
 * module that declares those parameters (tapsets/tz.stp), else "". */
static void tz_params(const char *path, char *out, size_t size)
{
	size_t len = 0;
	char *info = module_info(path, &len);
	time_t now = time(NULL);
	struct tm tm;

	out[0] = '\0';
	if (info && param_type(info, len, "_stp_tz_gmtoff", 14) &&
	    param_type(info, len, "_stp_tz_name", 12)) {
		tzset();
		if (localtime_r(&now, &tm) && tm.tm_zone &&
		    !strpbrk(tm.tm_zone, " \t\""))
			snprintf(out, size, "_stp_tz_gmtoff=%ld "
				 "_stp_tz_name=%.15s", -(long)tm.tm_gmtoff,
				 tm.tm_zone);
	}
	free(info);
}

/* Checks each name=value against the module's parameters; -1 after
 * saying what is wrong. */
static int check_params(const char *path, const char *name, char **argv,
			int argc)
{
	size_t len = 0, n;
	const char *type, *val;
	char *info;
	int i, rc = 0;

	if (!argc)
		return 0;
	info = module_info(path, &len);
	if (!info)
		return 0;	/* open_module reports an unreadable file */
	for (i = 0; i < argc && rc == 0; i++) {
		n = strcspn(argv[i], "=");
		val = argv[i] + n + 1;
		type = param_type(info, len, argv[i], n);
		if (!type) {
			fprintf(stderr, "ERROR: module %s has no parameter "
				"'%.*s' (its script's globals: ", name,
				(int)n, argv[i]);
			list_params(info, len);
			fputs(")\n", stderr);
			rc = -1;
		} else if (strcmp(type, "long") == 0 && !is_number(val)) {
			fprintf(stderr, "ERROR: parameter '%.*s' of module %s "
				"is a number: '%s' is not one\n", (int)n,
				argv[i], name, val);
			rc = -1;
		} else if (strchr(val, '"')) {
			fprintf(stderr, "ERROR: parameter '%.*s' of module %s: "
				"a value cannot contain '\"'\n", (int)n,
				argv[i], name);
			rc = -1;
		}
	}
	free(info);
	return rc;
}

/* Joins argv into "a=1 b=2" (every argument must be name=value; a
 * value with white space is quoted, which the kernel strips), after
 * extra (the runtime's own, so that the user's win), and adds
 * _stp_bufsize=MB for -b. */
static char *module_params(char **argv, int argc, long bufsize_mb,
			   const char *extra)
{
	size_t len = 32 + strlen(extra);
	char *s, *eq;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strchr(argv[i], '=') || argv[i][0] == '=') {
			fprintf(stderr, "ERROR: module parameter '%s' is not "
				"of the form name=value\n", argv[i]);
			return NULL;
		}
		len += strlen(argv[i]) + 3;
	}
	s = malloc(len);
	if (!s)
		return NULL;
	strcpy(s, extra);	/* first, so that the user's win */
	for (i = 0; i < argc; i++) {
		if (s[0])
			strcat(s, " ");
		eq = strchr(argv[i], '=');
		if (eq[1 + strcspn(eq + 1, " \t\n\v\f\r")])
			sprintf(s + strlen(s), "%.*s\"%s\"",
				(int)(eq + 1 - argv[i]), argv[i], eq + 1);
		else
			strcat(s, argv[i]);
	}
	if (bufsize_mb)
		sprintf(s + strlen(s), "%s_stp_bufsize=%ld", s[0] ? " " : "",
			bufsize_mb);
	return s;
}

/* Opens path and checks that it looks like a relocatable ELF file. */
static int open_module(const char *path)
{
	unsigned char ehdr[18];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			fprintf(stderr, "ERROR: module file %s does not "
				"exist\n", path);
		else
			fprintf(stderr, "ERROR: cannot open module %s: %s\n",
				path, strerror(errno));
		return -1;
	}
	/* ELF magic, and e_type (offset 16) == ET_REL (1) either endian */
	if (read(fd, ehdr, sizeof(ehdr)) != sizeof(ehdr) ||
	    memcmp(ehdr, "\177ELF", 4) != 0 ||
	    !((ehdr[16] == 1 && ehdr[17] == 0) ||
	      (ehdr[16] == 0 && ehdr[17] == 1))) {
		fprintf(stderr, "ERROR: %s is not a kernel module (not a "
			"relocatable ELF file)\n", path);
		close(fd);
		return -1;
	}
	return fd;
}

static int load_module(const char *path, const char *name,
		       const char *params)
{
	int fd = open_module(path);
	int rc;

	if (fd < 0)
		return -1;
	if (check_module_file(priv, fd, path) < 0) {
		close(fd);
		return -1;
	}
	note("loading %s as %s (parameters '%s')", path, name, params);
	privileged(1);
	rc = syscall(SYS_finit_module, fd, params, 0);
	privileged(0);
	close(fd);
	if (rc == 0)
		return 0;
	if ((errno == EINVAL || errno == ENOSPC) && *params) {
		fprintf(stderr, "ERROR: cannot load module %s: it refused "
			"its parameters (%s)\n", name, errno == ENOSPC ?
			"a string longer than the module's MAXSTRINGLEN - 1 "
			"bytes" : "a value it cannot read");
		return -1;
	}
	switch (errno) {
	case EEXIST:
		fprintf(stderr, "ERROR: module %s is already loaded (a "
			"session may run detached: attach with 'staprun -A %s', "
			"unload with 'staprun -d %s')\n", name, name, name);
		break;
	case EPERM:
		fprintf(stderr, "ERROR: cannot load module %s: permission "
			"denied (root or CAP_SYS_MODULE needed, or the kernel "
			"forbids loading modules: modules_disabled, "
			"lockdown)\n", name);
		break;
	case ENOMEM:
		fprintf(stderr, "ERROR: cannot load module %s: out of memory "
			"(its per-CPU output buffers are allocated at load: "
			"try a smaller -s MB / staprun -b MB)\n", name);
		break;
	case ENOSYS:
		fprintf(stderr, "ERROR: cannot load module %s: this kernel "
			"cannot load modules (built without module "
			"support)\n", name);
		break;
	case ENOEXEC:
		fprintf(stderr, "ERROR: cannot load %s: not a valid module "
			"for this kernel (built for another kernel or "
			"architecture?)\n", path);
		break;
	case EKEYREJECTED:
	case ENOKEY:
		fprintf(stderr, "ERROR: cannot load module %s: the kernel "
			"requires signed modules (%s)\n", name,
			strerror(errno));
		break;
	default:
		fprintf(stderr, "ERROR: cannot load module %s: %s (the "
			"kernel log, dmesg, may say more)\n", name,
			strerror(errno));
	}
	return -1;
}

/* Unloads name, retrying for a few seconds while it is busy. */
static void unload_module(const char *name)
{
	struct timespec wait = { 0, 50 * 1000 * 1000 };
	int tries, rc;

	for (tries = 0; tries < 100; tries++) {
		privileged(1);
		rc = syscall(SYS_delete_module, name, O_NONBLOCK);
		privileged(0);
		if (rc == 0) {
			note("unloaded %s", name);
			return;
		}
		if (errno == ENOENT)
			return;
		if (errno != EAGAIN && errno != EBUSY && errno != EINTR)
			break;
		nanosleep(&wait, NULL);
	}
	fprintf(stderr, "WARNING: cannot unload module %s: %s; unload it "
		"with 'rmmod %s'\n", name, strerror(errno), name);
}

/* ---- running stapio ---- */

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
	else
		pending_sig = sig;
}

/* What staprun passes on to stapio. */
struct stapio_opts {
	const char *out, *cmd, *pid, *timeout, *rotate;
	int bulk;
	int detach;		/* -L */
};

static int run_stapio(const char *stapio, const char *name,
		      const struct stapio_opts *o)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	sigset_t block, old;
	char *argv[20];
	int argc = 0, status;
	unsigned i;
	pid_t pid;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < 3; i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&block, sigs[i]);
	}
	argv[argc++] = (char *)stapio;
	if (verbose)
		argv[argc++] = "-v";
	if (o->out) {
		argv[argc++] = "-o";
		argv[argc++] = (char *)o->out;
	}
	if (o->bulk)
		argv[argc++] = "-B";
	if (o->cmd) {
		argv[argc++] = "-c";
		argv[argc++] = (char *)o->cmd;
	}
	if (o->pid) {
		argv[argc++] = "-x";
		argv[argc++] = (char *)o->pid;
	}
	if (o->timeout) {
		argv[argc++] = "-t";
		argv[argc++] = (char *)o->timeout;
	}
	if (o->rotate) {
		argv[argc++] = "-S";
		argv[argc++] = (char *)o->rotate;
	}
	if (o->detach)
		argv[argc++] = "-L";
	argv[argc++] = (char *)name;
	argv[argc] = NULL;

	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0) {
		sa.sa_handler = SIG_DFL;
		for (i = 0; i < 3; i++)
			sigaction(sigs[i], &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		drop_privileges();
		execv(stapio, argv);
		fprintf(stderr, "ERROR: cannot run %s: %s\n", stapio,
			strerror(errno));
		_exit(127);
	}
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "ERROR: cannot start stapio: %s\n",
			strerror(errno));
		return 1;
	}
	child_pid = pid;
	if (pending_sig)
		kill(pid, pending_sig);
	sigprocmask(SIG_SETMASK, &old, NULL);
	note("running %s %s (pid %d)", stapio, name, (int)pid);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "ERROR: waiting for stapio: %s\n",
				strerror(errno));
			status = 1 << 8;
			break;
		}
	}
	child_pid = -1;
	if (WIFEXITED(status)) {
		note("stapio exited with status %d", WEXITSTATUS(status));
		return WEXITSTATUS(status);
	}
	fprintf(stderr, "ERROR: stapio was killed by signal %d (%s)\n",
		WTERMSIG(status), strsignal(WTERMSIG(status)));
	return 1;
}

/* ---- -d: deleting detached or unused modules ---- */

/*
 * Is a stapio attached to module name?  Its control file admits one
 * opener: EBUSY says someone holds it.  (Opening and closing it leaves
 * a detached session running.)
 */
static int stapio_attached(const char *name)
{
	char path[PATH_MAX];
	int fd, busy;

	snprintf(path, sizeof(path), "/proc/%s/ctl", name);
	privileged(1);		/* the file is root's: it is not for reading */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	busy = fd < 0 && errno == EBUSY;
	privileged(0);
	if (fd >= 0)
		close(fd);
	return busy;
}

/* staprun -d NAME: unloads a module no stapio is attached to (its
 * session, if detached, is stopped by the unload: end probes run). */
static int delete_one(const char *name)
{
	int rc;

	if (stapio_attached(name)) {
		fprintf(stderr, "ERROR: module %s is in use by a running "
			"session: stop it there (or attach with 'staprun -A "
			"%s' and interrupt it)\n", name, name);
		return 1;
	}
	privileged(1);
	rc = syscall(SYS_delete_module, name, O_NONBLOCK);
	privileged(0);
	if (rc == 0) {
		note("unloaded %s", name);
		return 0;
	}
	if (errno == ENOENT)
		fprintf(stderr, "ERROR: module %s is not loaded\n", name);
	else if (errno == EPERM)
		fprintf(stderr, "ERROR: cannot unload module %s: permission "
			"denied (root or CAP_SYS_MODULE needed)\n", name);
	else
		fprintf(stderr, "ERROR: cannot unload module %s: %s\n", name,
			strerror(errno));
	return 1;
}

/* staprun -d '*': every stap_* module that no stapio is attached to. */
static int delete_all(void)
{
	char line[512], name[256];
	FILE *f = fopen("/proc/modules", "re");
	int status = 0;

	if (!f) {
		fprintf(stderr, "ERROR: cannot read /proc/modules: %s\n",
			strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s", name) != 1 ||
		    strncmp(name, "stap_", 5) != 0 || stapio_attached(name))
			continue;
		status |= delete_one(name);
	}
	fclose(f);
	return status;
}

/* ---- -D: running in the background ---- */

/*
 * The parent prints the daemon's pid and exits 0; the daemon, in a
 * session of its own, runs on with /dev/null for stdin, stdout and
 * stderr (its output goes to -o FILE).  Returns in the daemon only.
 */
static void daemonize(void)
{
	pid_t pid;
	int fd;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "ERROR: cannot fork the daemon: %s\n",
			strerror(errno));
		exit(1);
	}
	if (pid > 0) {
		printf("%d\n", (int)pid);
		exit(0);
	}
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: staprun [-v] [-o FILE [-S SIZE[,N]]] [-b MB] [-B] "
		"[-c CMD | -x PID] [-t SECONDS]\n"
		"               [-L | -D] MODULE.ko [name=value ...]\n"
		"       staprun [-v] [-o FILE [-S SIZE[,N]]] [-B] [-t SECONDS] "
		"-A MODULE\n"
		"       staprun [-v] -d MODULE|'*'\n"
		"Loads a stap module, relays its output through stapio, "
		"unloads it.\n"
		"  -v          report each step (stapio too)\n"
		"  -o FILE     write the script's output to FILE (strftime "
		"%%-conversions expand)\n"
		"  -S SIZE[,N] with -o: FILE.0, FILE.1 ... of at most SIZE MB, "
		"the last N kept\n"
		"  -b MB       per-CPU output buffer size, 1-%d megabytes\n"
		"  -B          bulk mode: per-CPU files FILE_N or stpd_cpuN "
		"(see stap-merge)\n"
		"  -c CMD      run CMD once the probes are armed; target() is "
		"its pid, its exit\n"
		"              ends the session\n"
		"  -x PID      target() is PID; its exit ends the session\n"
		"  -t SECONDS  end the session after SECONDS\n"
		"  -L          load, start the probes and detach, leaving them "
		"running\n"
		"  -A          attach to the loaded MODULE (left by -L); unload "
		"it at the end\n"
		"  -d          unload MODULE ('*': every stap_ module) that no "
		"stapio is attached to\n"
		"  -D          run in the background (needs -o): print the "
		"daemon's pid and return\n",
		BUFSIZE_MAX_MB);
}

/* MODULE as given, or for a bare name (no '/', no ".ko") the module of
 * that name in the systemtap directory, as upstream. */
static char *module_path(const char *arg)
{
	size_t n = strlen(arg);
	char *path;

	if (strchr(arg, '/') || (n > 3 && strcmp(arg + n - 3, ".ko") == 0))
		return (char *)arg;
	path = malloc(strlen(systemtap_module_dir()) + n + 8);
	if (!path)
		return (char *)arg;
	sprintf(path, "%s/%s.ko", systemtap_module_dir(), arg);
	return path;
}

/*
 * -A and -d on a module that is already loaded: root and stapdev may
 * touch any; stapusr only those whose file is in the systemtap
 * directory (which only root fills) and never '*'.
 */
static int may_manage(const char *name)
{
	char path[PATH_MAX];

	if (priv != PRIV_STAPUSR)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.ko", systemtap_module_dir(),
		 name);
	if (strcmp(name, "*") != 0 && access(path, F_OK) == 0)
		return 0;
	fprintf(stderr, "ERROR: members of the group \"stapusr\" may only "
		"attach to or unload modules from %s\n",
		systemtap_module_dir());
	return -1;
}

/* What staprun does with MODULE: -L, -A, -d or the whole session. */
enum mode { RUN, LOAD_DETACH, ATTACH, DELETE };

int main(int argc, char **argv)
{
	struct stapio_opts o = { 0 };
	char *stapio, *name, *params, *module, tz[96];
	enum mode mode = RUN;
	long bufsize_mb = 0, mb, count;
	int opt, status, daemon = 0, nparams;

	drop_privileges_at_start();
	while ((opt = getopt(argc, argv, "+vo:b:Bc:x:t:S:LADdh")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'b':
			bufsize_mb = number_arg(opt, optarg, 1, BUFSIZE_MAX_MB,
						"the per-CPU buffer size in MB");
			if (bufsize_mb < 0)
				return 1;
			break;
		case 'B':
			o.bulk = 1;
			break;
		case 'c':
			o.cmd = optarg;
			break;
		case 'x':
			if (number_arg(opt, optarg, 1, 0x7fffffff,
				       "a process id") < 0)
				return 1;
			o.pid = optarg;
			break;
		case 't':
			if (number_arg(opt, optarg, 1, 100000000,
				       "seconds") < 0)
				return 1;
			o.timeout = optarg;
			break;
		case 'S':
			if (size_count_arg(optarg, &mb, &count) < 0)
				return 1;
			o.rotate = optarg;
			break;
		case 'L':
		case 'A':
		case 'd':
			if (mode != RUN) {
				fprintf(stderr, "ERROR: -L, -A and -d exclude "
					"each other\n");
				return 1;
			}
			mode = opt == 'L' ? LOAD_DETACH :
			       opt == 'A' ? ATTACH : DELETE;
			break;
		case 'D':
			daemon = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	nparams = argc - optind - 1;
	if (o.cmd && o.pid) {
		fprintf(stderr, "ERROR: -c and -x cannot be used together\n");
		return 1;
	}
	if (mode == LOAD_DETACH && (o.cmd || o.pid || o.timeout || daemon)) {
		fprintf(stderr, "ERROR: -L cannot be used with -c, -x, -t or "
			"-D (they need stapio attached)\n");
		return 1;
	}
	if (mode == ATTACH && (o.cmd || o.pid || bufsize_mb || nparams)) {
		fprintf(stderr, "ERROR: -A attaches to a running module: -c, "
			"-x, -b and module parameters cannot change it\n");
		return 1;
	}
	if (daemon && (!o.out || strcmp(o.out, "-") == 0)) {
		fprintf(stderr, "ERROR: -D needs -o FILE (a daemon's standard "
			"output goes nowhere)\n");
		return 1;
	}
	if (o.rotate && (!o.out || strcmp(o.out, "-") == 0 || o.bulk)) {
		fprintf(stderr, "ERROR: -S needs -o FILE (and no -B)\n");
		return 1;
	}
	priv = caller_privilege();
	if (priv == PRIV_NONE)
		return 1;
	if (mode == DELETE) {
		if (nparams) {
			usage(stderr);
			return 1;
		}
		if (strcmp(argv[optind], "*") == 0)
			return may_manage("*") < 0 ? 1 : delete_all();
		name = module_name(argv[optind]);
		if (!name || may_manage(name) < 0)
			return 1;
		return delete_one(name);
	}
	stapio = find_stapio();
	if (!stapio)
		return 1;
	module = module_path(argv[optind]);
	name = module_name(module);
	if (mode == ATTACH && (!name || may_manage(name) < 0))
		return 1;
	if (mode == ATTACH && stapio_attached(name)) {
		/* not ours to take over, nor to unload at the end */
		fprintf(stderr, "ERROR: module %s already has a stapio "
			"attached\n", name);
		return 1;
	}
	tz_params(module, tz, sizeof(tz));
	params = module_params(argv + optind + 1, nparams, bufsize_mb, tz);
	if (!name || !params ||
	    (mode != ATTACH &&
	     check_params(module, name, argv + optind + 1, nparams) < 0))
		return 1;
	o.detach = mode == LOAD_DETACH;
	if (mode != ATTACH &&
	    load_module(module, name, params) < 0)
		return 1;
	if (give_proc_files(name) < 0) {
		if (mode != ATTACH)
			unload_module(name);
		return 1;
	}
	if (daemon)
		daemonize();
	status = run_stapio(stapio, name, &o);
	if (mode == LOAD_DETACH && status == 0) {
		fprintf(stderr, "Disconnecting from systemtap module.\n"
			"To reconnect, type \"staprun -A %s\"\n", name);
		return 0;
	}
	unload_module(name);
	return status;
}
