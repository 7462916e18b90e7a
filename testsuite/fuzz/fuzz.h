/*
 * What the three libFuzzer harnesses share: CHECK() for invariants (a
 * failed one aborts, which libFuzzer reports as a crash with the input
 * that caused it), a small deterministic PRNG for cutting input into
 * reads, and the --write-seeds mode each harness offers so that its seed
 * corpus is made by the real encoders in the same format the harness
 * reads (see README).
 */
#ifndef STAP_FUZZ_H
#define STAP_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/* xorshift32: deterministic for a given input, so crashes reproduce. */
static inline uint32_t fuzz_rand(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* A growable byte buffer for building inputs and seeds. */
struct fuzz_buf {
	unsigned char *p;
	size_t len, cap;
};

static inline void fuzz_put(struct fuzz_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void fuzz_put_str(struct fuzz_buf *b, const char *s)
{
	fuzz_put(b, s, strlen(s));
}

static inline void fuzz_put_u8(struct fuzz_buf *b, unsigned v)
{
	unsigned char c = (unsigned char)v;

	fuzz_put(b, &c, 1);
}

/* Writes dir/name; exits on failure (seed writing is not fuzzing). */
static inline void fuzz_write_seed(const char *dir, const char *name,
				   const struct fuzz_buf *b)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fclose(f) != 0) {
		fprintf(stderr, "cannot write seed %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
}

/*
 * Called from LLVMFuzzerInitialize: "HARNESS --write-seeds DIR" writes
 * the harness's seeds into DIR (made if missing) and exits before
 * libFuzzer looks at the arguments.
 */
static inline void fuzz_seed_mode(int *argc, char ***argv,
				  void (*write_seeds)(const char *dir))
{
	if (*argc != 3 || strcmp((*argv)[1], "--write-seeds") != 0)
		return;
	mkdir((*argv)[2], 0777);
	write_seeds((*argv)[2]);
	exit(0);
}

#endif
