/*
 * Command-line options, as upstream stap spells them.  parse_options()
 * fills the session; it returns OPT_OK to go on, OPT_EXIT_0 after -h / -V,
 * OPT_EXIT_1 after a bad option (the message is already printed).
 */
#ifndef STAP_OPTIONS_H
#define STAP_OPTIONS_H

#include "session.h"

enum { OPT_OK, OPT_EXIT_0, OPT_EXIT_1 };
int parse_options(struct session *s, int argc, char **argv);
void usage(FILE *out);

/* The value of -D NAME=VALUE (the last one given), else dflt. */
long session_define(const struct session *s, const char *name, long dflt);

/* -G NAME=VALUE against the globals pass 2 found: NAME a scalar
 * global, VALUE of its type; false after saying what is wrong. */
struct program;
bool check_global_settings(const struct session *s,
			   const struct program *prog);

#endif
