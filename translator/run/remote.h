/*
 * The transport to a target: stap's side of the stapsh protocol
 * (doc/protocol-stapsh.md), which pass 2 uses to ask a target for its
 * symbols (through connection.h) and pass 5 to run the module there.
 *
 * A remote is one connection to a stapsh, named by a URL:
 *
 *   unix:PATH    a unix socket (e.g. a qemu virtio-serial port's socket)
 *   vm:KVER      a qemu guest booting kernel KVER, via testsuite/vm/stap-vm;
 *                booted unless one runs, and left running for the next
 *                run until it has been idle for $STAP_VM_IDLE seconds
 *                (vm.c)
 *   exec:CMD     a stapsh on CMD's stdin/stdout (sh -c CMD), e.g.
 *                a local stapsh for tests
 *   ssh://[USER@]HOST[:PORT], [USER@]HOST
 *                a stapsh started over ssh (ssh.c)
 *
 * (direct:// is not a remote: run.c runs staprun locally for it.)
 *
 * Errors are printed on stderr as "stap: ..." and reported as NULL / -1.
 */
#ifndef STAP_REMOTE_H
#define STAP_REMOTE_H

#include <signal.h>
#include <stddef.h>

struct remote;

/* Connects and does the handshake. */
struct remote *remote_open(const char *url);

/* The same with a limit on the whole connect + handshake (milliseconds;
 * < 0: the default, $STAP_REMOTE_TIMEOUT seconds or 60 s).  With quiet,
 * failures print nothing (for "is it there?" probes). */
struct remote *remote_open_timeout(const char *url, int timeout_ms,
				   int quiet);

/* From the peer's handshake: uname's release and machine. */
const char *remote_release(struct remote *r);
const char *remote_machine(struct remote *r);
int remote_version(struct remote *r);	/* the protocol version spoken */
int remote_peer_version(struct remote *r);	/* the one stapsh announced */

/*
 * Uploads module_path, runs "staprun ARGS... NAME.ko PARAMS..." there
 * (PARAMS: the module's NAME=VALUE parameters), and copies
 * the script's stdout and stderr to out_fd and err_fd as they arrive.
 * SIGINT and SIGTERM received meanwhile become "quit" (the remote
 * staprun gets SIGINT and unloads the module).  Returns staprun's exit
 * status (128+N if killed by signal N), or -1 with a message if the
 * upload was refused or the peer went away.
 */
int remote_run(struct remote *r, const char *module_path, int argc,
	       char **staprun_args, int nparams, char **params, int out_fd,
	       int err_fd);

/*
 * While a run relays output, SIGINT, SIGTERM and SIGHUP are blocked
 * except while waiting (ppoll with wait_mask), and handler only counts
 * them.  interrupts_restore puts back what was there before.
 */
#define INTERRUPT_SIGNALS 3
struct interrupt_guard {
	struct sigaction old[INTERRUPT_SIGNALS];
	sigset_t old_mask, wait_mask;
};
void interrupts_catch(struct interrupt_guard *g, void (*handler)(int));
void interrupts_restore(struct interrupt_guard *g);

/*
 * The target kernel's function symbols (protocol version 2; the list's
 * format is in staprun/ksyms.h).  have: the identity of a list the
 * caller has cached, or NULL.  Returns 1 with *ident (the kernel build's
 * identity, malloc'd) and, when the caller's copy is not current, *list
 * and *len (malloc'd; *list is NULL when have is current); 0 when the
 * peer speaks version 1 (nothing sent); -1 after printing why.
 */
int remote_symbols(struct remote *r, const char *have, char **ident,
		   char **list, size_t *len);

/*
 * The target kernel's BTF (protocol version 3): NAME is "vmlinux" or a
 * loaded module's name, have the build identity (as for symbols) of the
 * copy the caller has cached, or NULL.  Returns 1 with *ident (malloc'd)
 * and, when the caller's copy is not current, *data and *len (malloc'd;
 * *data is NULL when have is current); 2 when the target has no such
 * BTF; 0 when the peer speaks version 2 or older (nothing sent); -1
 * after printing why.
 */
int remote_btf(struct remote *r, const char *name, const char *have,
	       char **ident, char **data, size_t *len);

/*
 * The program process pid runs on the target, its /proc/PID/exe
 * (protocol version 4).  Returns 1 with *path (malloc'd); 0 when the
 * peer speaks version 3 or older (nothing sent); -1 with *why
 * (malloc'd, or NULL when out of memory): stapsh's refusal (no such
 * process, a kernel thread, ...) or a lost connection.  Prints nothing.
 */
int remote_exe(struct remote *r, long long pid, char **path, char **why);

/* Ends the session (and lets go of a vm: guest, vm.c). */
void remote_close(struct remote *r);

/* ---- for vm.c ---------------------------------------------------------- */

/* Connects to a stapsh listening on a unix socket. */
struct remote *remote_open_unix(const char *path, int timeout_ms, int quiet);

/* vm:KVER.  The remote holds the guest (struct vm_hold) until
 * remote_close, which calls vm_release: the guest's idle clock starts
 * then (or, with STAP_VM_IDLE=0, a guest booted for this run stops). */
struct vm_hold;
struct remote *vm_open(const char *kver, int timeout_ms, int quiet);
void vm_release(struct vm_hold *vm);

/* ---- for ssh.c --------------------------------------------------------- */

/* A stapsh on the stdin/stdout of "sh -c CMD"; label names it in
 * messages.  If the handshake fails and CMD exited, explain(status), if
 * given and not NULL, is the message. */
struct remote *remote_open_exec(const char *cmd, const char *label,
				int timeout_ms, int quiet,
				const char *(*explain)(int status));

/* True if url is an ssh remote: ssh://..., HOST or USER@HOST. */
int ssh_url(const char *url);
struct remote *ssh_open(const char *url, int timeout_ms, int quiet);

/* remote_close calls vm_release(vm). */
void remote_set_vm(struct remote *r, struct vm_hold *vm);

/* Prints "stap: " + message on stderr. */
void remote_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
