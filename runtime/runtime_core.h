/*
 * Included by a generated module after it has defined its limits and
 * `union stap_locals`: everything the probe handlers call.
 */
#ifndef STAP_RUNTIME_CORE_H
#define STAP_RUNTIME_CORE_H

#include "transport/transport.h"
#include "string.c"
#include "print.c"
#include "context.c"
#include "lock.c"
#include "linux/probe_types.h"
#include "linux/procfs.h"
#include "hist.c"
#include "stat.c"
#include "map.c"
#include "map_foreach.c"
#include "pmap.c"

/* Provided by the generated code: array and statistics globals are
 * allocated at module init and freed at exit (process context); scalar
 * globals get their initial values at START. */
static int stap_globals_alloc(void);
static void stap_globals_free(void);
static void stap_globals_init(void);

#endif
