/*
 * The user's script for pass 1: the -e text or the FILE (or "-") given
 * on the command line.
 */
#ifndef STAP_SCRIPT_H
#define STAP_SCRIPT_H

#include "session.h"

/* Parses the user's script; NULL when it could not be read (parse errors
 * are counted in diag_errors, as parse_source does). */
struct file *parse_user_script(struct session *s);

#endif
