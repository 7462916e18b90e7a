/*
 * Checked allocation, vectors, string buffers, the string hash table
 * and file helpers declared in util.h.  Allocation failure is fatal:
 * the translator is a short-lived process with nothing to save.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "util.h"

static void out_of_memory(void)
{
	fputs("stap: out of memory\n", stderr);
	exit(1);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = {0};
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return sb_steal(&sb);
}

void vec_push(struct vec *v, void *item)
{
	if (v->len == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = xrealloc(v->items, v->cap * sizeof(void *));
	}
	v->items[v->len++] = item;
}

void vec_free(struct vec *v)
{
	free(v->items);
	v->items = NULL;
	v->len = v->cap = 0;
}

static void sb_reserve(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_putc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	sb_reserve(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *sb_steal(struct strbuf *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

/* FNV-1a, 64 bit: fast and good enough for symbol tables and cache keys. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t hash_slot(const struct hash *h, const char *key)
{
	size_t mask = h->cap - 1;
	size_t i = hash_bytes(key, strlen(key), 0) & mask;
	while (h->keys[i] && strcmp(h->keys[i], key) != 0)
		i = (i + 1) & mask;
	return i;
}

void *hash_get(const struct hash *h, const char *key)
{
	if (!h->cap)
		return NULL;
	size_t i = hash_slot(h, key);
	return h->keys[i] ? h->vals[i] : NULL;
}

static void hash_grow(struct hash *h)
{
	struct hash old = *h;
	h->cap = old.cap ? old.cap * 2 : 16;
	h->len = 0;
	h->keys = xcalloc(h->cap, sizeof(char *));
	h->vals = xcalloc(h->cap, sizeof(void *));
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i])
			hash_put(h, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

void hash_put(struct hash *h, const char *key, void *val)
{
	if ((h->len + 1) * 2 > h->cap)
		hash_grow(h);
	size_t i = hash_slot(h, key);
	if (!h->keys[i]) {
		h->keys[i] = key;
		h->len++;
	}
	h->vals[i] = val;
}

void hash_free(struct hash *h)
{
	free(h->keys);
	free(h->vals);
	memset(h, 0, sizeof(*h));
}

char *read_file(const char *path, size_t *len)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	struct strbuf sb = {0};
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			if (fd)
				close(fd);
			sb_free(&sb);
			errno = saved;
			return NULL;
		}
		sb_add(&sb, buf, (size_t)n);
	}
	if (fd)
		close(fd);
	if (len)
		*len = sb.len;
	return sb_steal(&sb);
}

bool write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

bool mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0755) && errno != EEXIST) {
			free(p);
			return false;
		}
		*q = '/';
	}
	bool ok = mkdir(p, 0755) == 0 || errno == EEXIST;
	free(p);
	return ok;
}

bool write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.%d", path, (int)getpid());
	bool ok = write_file(tmp, data, len) && rename(tmp, path) == 0;
	unlink(tmp);
	free(tmp);
	return ok;
}
