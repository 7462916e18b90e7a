/*
 * Pass 3: the user-space symbol and unwind tables (emit/usyms.c), for
 * the scripts that name or unwind user addresses.
 */
#ifndef STAP_EMIT_USYMS_H
#define STAP_EMIT_USYMS_H

#include <stdio.h>

struct session;
struct program;

/* The tables and runtime/linux/ustack.c, when prog's functions need
 * them; nothing otherwise. */
void emit_usyms(FILE *out, struct session *s, const struct program *prog);

#endif
