/*
 * A bump allocator for many small objects that die together (arena.c):
 * a zeroed struct arena is empty; arena_free() releases everything.
 */
#ifndef STAP_ARENA_H
#define STAP_ARENA_H

#include <stddef.h>

struct arena {
	struct arena_chunk *head;
};
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
