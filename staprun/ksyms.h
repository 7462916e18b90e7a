/*
 * The running kernel's function symbols, as the list that stapsh's
 * "symbols" request carries (doc/protocol-stapsh.md) and that stap reads
 * itself for --remote=direct:.  Shared by stapsh and stap.
 *
 * The list is text, one symbol per line:
 *
 *   KIND NAME [MODULE]
 *
 * KIND is one letter: 't' a function of the running kernel, 'i' a
 * function of its init text (freed after boot: not probeable), 'b' a
 * function on the kprobe blacklist (/sys/kernel/debug/kprobes/blacklist).
 * MODULE is there for functions of loaded modules.  A name may appear
 * more than once (static functions of different files).  Padding and
 * CFI stubs (__pfx_*, __cfi_*) are left out: they are not functions.
 */
#ifndef STAP_KSYMS_H
#define STAP_KSYMS_H

#include <stddef.h>

/* The identity of the running kernel's build: 16 hex digits, a hash of
 * /proc/version (release, compiler, build number and date).  Returns 0,
 * or -1 with errno. */
int ksyms_identity(char ident[17]);

/* Reads /proc/kallsyms (and the blacklist, when debugfs is mounted) into
 * a malloc'd list in the format above.  Returns 0, or -1 with errno. */
int ksyms_read_local(char **list, size_t *len);

#endif
