/*
 * Pass 4 (kbuild, feature probes, the module cache) and pass 5
 * (running the module locally with staprun, or remotely via stapsh).
 */
#ifndef STAP_BUILD_H
#define STAP_BUILD_H

#include "session.h"

/* kbuild.c: builds s->c_source into s->module_path; false after
 * reporting why. */
bool build_module(struct session *s);

/* cache.c: the module name for this source ("stap_<hash>" or -m), and
 * the cached module for it if one exists (else NULL). */
const char *module_name_for(struct session *s);
char *cache_lookup(struct session *s);
void cache_store(struct session *s);
/* Runs `cmd` (argv) with output to a file; returns its exit status. */
int run_command(char *const argv[], const char *log_path);

/* run.c: pass 5.  Returns the script's exit status. */
int run_module(struct session *s);
/* Pass 5 on one target: url is a --remote URL, NULL for this machine. */
int run_module_on(struct session *s, const char *url);

/* run.c: the URL of the remote the script runs on, NULL for this machine
 * (no --remote, or direct:). */
const char *target_url(struct session *s);

/* run.c: the connection to that remote, opened on first use and kept in
 * s->remote until close_target (pass 2 may open it, pass 5 reuses it);
 * NULL after printing why. */
struct remote *open_target(struct session *s);
void close_target(struct session *s);

#endif
