/*
 * Pass 5: run the module pass 4 built, on this machine with staprun or
 * on a target through stapsh (run.c), on one target or on several at
 * once (targets.c).
 */
#ifndef STAP_RUN_H
#define STAP_RUN_H

#include "session.h"

/* Returns the script's exit status. */
int run_module(struct session *s);
/* Pass 5 on one target: url is a --remote URL, NULL for this machine. */
int run_module_on(struct session *s, const char *url);

#endif
