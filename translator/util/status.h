/*
 * The status line: while a slow step runs (pass 4's build, a VM boot, a
 * kernel fetch), stderr shows one line, "stap: WHAT (Ns)", rewritten in
 * place every second and cleared when the step ends, as build tools do.
 * Only on a terminal and without -q; elsewhere every call does nothing.
 * The line appears after the step has taken a second, so a quick step
 * never shows one.
 */
#ifndef STAP_STATUS_H
#define STAP_STATUS_H

#include <stdbool.h>

/* Whether status lines may be shown: stderr is a terminal (not "dumb")
 * and the user did not ask for quiet (-q).  Call before status_start. */
void status_init(bool quiet);

/* True if status_init allowed them (a step then owns the line). */
bool status_enabled(void);

/* Begins a step; the line reads "stap: " + the formatted text. */
void status_start(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Replaces the text of the running step (e.g. with a child's progress). */
void status_set(const char *text);

/* Ends the step and clears the line if it was shown. */
void status_end(void);

#endif
