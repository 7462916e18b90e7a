/*
 * Pass 4: the generated C built into a kernel module with kbuild
 * (kbuild.c), the kernel feature probes it needs first (compat.c), and
 * the module cache that lets a repeated script skip both (cache.c).
 */
#ifndef STAP_KBUILD_H
#define STAP_KBUILD_H

#include "session.h"

/* cache.c: pass 4, s->module_path for s->c_source: the cached module
 * when there is one (*cached), else one built in a new s->tmpdir and
 * stored in the cache.  False after reporting why. */
bool module_for_source(struct session *s, bool *cached);

/* kbuild.c: builds s->c_source into s->module_path in s->tmpdir; false
 * after reporting why. */
bool build_module(struct session *s);

/* compat.c: writes <tmpdir>/stap_compat.h, the STAP_HAVE_<NAME> of each
 * runtime/compat probe that compiles against the build tree, from the
 * cache when this build tree and this set of probes were seen before. */
bool compat_header(struct session *s);

/* cache.c: the module name for this source ("stap_<hash>" or -m). */
const char *module_name_for(struct session *s);
/* cache.c: the cached module for this source, or NULL when there is none
 * or the cache may not be used (-k keeps the build, so it builds). */
char *cache_lookup(struct session *s);
char *cache_store(struct session *s);

/* cache.c: --clean-cache (empties the cache: returns 0, or 1 after
 * saying why not) and --disable-cache (a temporary cache for this run);
 * -1 to go on. */
int cache_options(struct session *s);

#endif
