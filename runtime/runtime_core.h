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
#include "linux/probe_types.h"

/* Provided by the generated code. */
static void stap_globals_init(void);

#endif
