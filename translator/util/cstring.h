/* C source text from the translator's strings (cstring.c). */
#ifndef STAP_CSTRING_H
#define STAP_CSTRING_H

#include <stddef.h>
#include <stdio.h>

/* A C string literal for n bytes of s: quotes and backslashes escaped,
 * no trigraphs, bytes outside printable ASCII in octal. */
void emit_cstring(FILE *out, const char *s, size_t n);

#endif
