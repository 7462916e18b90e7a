/*
 * Included by a generated module after it has defined its limits and
 * `union stap_locals`: everything the probe handlers call, and the
 * interface between the session core and the probe families.  The
 * module then includes the runtime file of each probe family it uses
 * (linux/NAME.c), its handlers, the families' tables and stap_families[].
 */
#ifndef STAP_RUNTIME_CORE_H
#define STAP_RUNTIME_CORE_H

#include "man_hint.h"
#include "transport/transport.h"
#include "string.c"
#include "print.c"
#ifdef STAP_NEED_REGEX
#include "regex.h"
#endif
#include "context.c"
#ifdef STAP_NEED_REGEX
#include "regex.c"
#endif
#include "kread.c"
#include "ksym.c"
#include "lock.c"
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

/*
 * One probe family in the module: its table (points, n entries) and
 * what the session core (core.c) does with it.  The generated
 * stap_families[] lists the families in use, slowest to arm first, and
 * ends with an entry without points.  Every hook is optional and runs
 * in process context (stapio's START or STOP, or module exit) under the
 * core's mutex: it may sleep.
 *
 *   arm      START, before the begin probes: register the points so
 *            their handlers run once the session is RUNNING.  Returns
 *            0, or a negative errno after writing why to stderr and
 *            undoing what it armed itself.
 *   disarm   STOP, or START failing in a later family: unregister,
 *            waiting for handlers still running.
 *   start    START, after every family is armed (begin probes).
 *   stop     STOP, after every family is disarmed (end, error probes).
 */
struct stap_family_ops {
	int (*arm)(void *points, size_t n);
	void (*disarm)(void *points, size_t n);
	void (*start)(void *points, size_t n);
	void (*stop)(void *points, size_t n);
	void *points;
	size_t n;
};

#endif
