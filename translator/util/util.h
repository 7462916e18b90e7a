/*
 * Small helpers shared by every pass: checked allocation, growable
 * vectors of pointers, growable strings, a string-keyed hash table and
 * file slurping.  Nothing here knows about SystemTap.
 */
#ifndef STAP_UTIL_H
#define STAP_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable array of pointers.  items[0..len) are valid. */
struct vec {
	void **items;
	size_t len, cap;
};
void vec_push(struct vec *v, void *item);
#define vec_at(v, i) ((v)->items[i])
void vec_free(struct vec *v);

/* A growable, always NUL-terminated byte string (may hold NULs inside). */
struct strbuf {
	char *buf;
	size_t len, cap;
};
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
char *sb_steal(struct strbuf *sb);	/* returns buf, resets sb */
void sb_free(struct strbuf *sb);

/* An open-addressing hash table from NUL-terminated strings to pointers.
 * Keys are not copied: they must outlive the table. */
struct hash {
	const char **keys;
	void **vals;
	size_t len, cap;
};
void *hash_get(const struct hash *h, const char *key);
void hash_put(struct hash *h, const char *key, void *val);
void hash_free(struct hash *h);
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

/* Reads a whole file; returns NULL and sets errno on failure. */
char *read_file(const char *path, size_t *len);
bool write_file(const char *path, const char *data, size_t len);
/* Writes a temporary file next to path and renames it: readers never see
 * a partial file. */
bool write_file_atomic(const char *path, const char *data, size_t len);
/* mkdir -p. */
bool mkdir_p(const char *path);

/* Monotonic time in microseconds, for -v pass timings. */
uint64_t now_us(void);

#endif
