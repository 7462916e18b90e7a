/*
 * The system calls stap.syscalls watches, between two markers (opens
 * of /stap-test-begin and /stap-test-end, which fail with ENOENT):
 * openat, read, close, pipe2, write, mmap, kill, getppid, then an
 * execve of itself, whose new image opens the end marker.  Strings are
 * on the stack: a probe at a call's entry cannot fault in a page of
 * the program's data the program has not touched yet.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[16], end[] = "/stap-test-end", begin[] = "/stap-test-begin";
	char version[] = "/proc/version", hello[] = "hello stap\n";
	char exe[] = "/proc/self/exe", a0[] = "sysprog", a1[] = "child";
	char e0[] = "A=1", e1[] = "B=2";
	char *args[] = { a0, a1, NULL };
	char *env[] = { e0, e1, NULL };
	int fd, pfd[2], i;

	if (argc > 1 && strcmp(argv[1], "child") == 0) {
		openat(AT_FDCWD, end, O_RDONLY);
		return 0;
	}
	signal(SIGUSR1, SIG_IGN);
	openat(AT_FDCWD, begin, O_RDONLY);
	fd = openat(AT_FDCWD, version, O_RDONLY | O_CLOEXEC);
	read(fd, buf, sizeof(buf));
	close(fd);
	pipe2(pfd, O_CLOEXEC);
	write(pfd[1], hello, 11);
	close(99);
	mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	     -1, 0);
	kill(getpid(), SIGUSR1);
	kill(999999, SIGTERM);
	for (i = 0; i < 10; i++)
		getppid();
	execve(exe, args, env);
	return 1;
}
