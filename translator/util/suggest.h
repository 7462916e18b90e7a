/* The closest candidate to a misspelt name, or NULL (suggest.c). */
#ifndef STAP_SUGGEST_H
#define STAP_SUGGEST_H

#include "util.h"

const char *suggest(const char *name, const struct vec *candidates);

#endif
