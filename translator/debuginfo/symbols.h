/*
 * The target kernel's function symbols, for kprobe probe points: which
 * names exist and can be probed, and which match a wildcard.
 *
 * They come from the target itself (Debian's System.map may be a stub):
 * this machine's /proc/kallsyms when the script runs here, else the
 * remote's stapsh ("symbols" request, protocol version 2).  Each list
 * is cached per kernel build in <cache>/symbols/RELEASE-IDENT, IDENT
 * being a hash of the target's /proc/version; stapsh sends the list
 * only when the cached copy is not that build's.
 */
#ifndef STAP_SYMBOLS_H
#define STAP_SYMBOLS_H

#include "session.h"

/* What a name is in the target kernel. */
enum ksym_kind {
	KSYM_NONE,		/* no such function */
	KSYM_FUNC,		/* a function (of the kernel or a module) */
	KSYM_INIT,		/* init text, freed after boot */
	KSYM_BLACKLISTED,	/* on the kernel's kprobe blacklist */
};

/* The target's symbols, loaded on the first call (which may connect to
 * the remote and keeps the connection for pass 5); NULL when there is no
 * list, ksyms_missing_reason() then says why. */
struct ksyms *target_ksyms(struct session *s);
const char *ksyms_missing_reason(struct session *s);

enum ksym_kind ksym_kind(const struct ksyms *ks, const char *name);

/* Appends to out (const char *, sorted, each once) the kernel's own
 * probeable functions that match the fnmatch(3) pattern. */
void ksyms_match(const struct ksyms *ks, const char *pattern,
		 struct vec *out);

/* The identity (16 hex digits) of the most recently used entry
 * RELEASE-IDENT of the per-build cache directory dir (with the file
 * `inside` in it, unless NULL), or NULL: the symbol lists' and the BTF
 * caches' rule. */
char *cache_newest_ident(const char *dir, const char *release,
			 const char *inside);

/* Every probeable function of the kernel, for "did you mean". */
const struct vec *ksyms_functions(const struct ksyms *ks);

#endif
