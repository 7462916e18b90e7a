/*
 * Where script output goes: the -o FILE pattern and the per-CPU files of
 * bulk mode (-b).  Shared by stapio (local runs) and stap (remote runs,
 * where stap itself writes the files) so that both name files alike.
 *
 * Names (as upstream's staprun): FILE may hold strftime(3) conversions
 * (%Y %m %d %H %M %S, %% ...), expanded once, when the output is opened.
 * In bulk mode the file of CPU N is FILE_N, or stpd_cpuN without -o.
 */
#ifndef STAPRUN_OUTFILE_H
#define STAPRUN_OUTFILE_H

#include <stddef.h>
#include <time.h>

/* pattern with its strftime conversions expanded at time t (local
 * time); a malloc'd string, or NULL (errno EINVAL) if it expands to
 * nothing or to more than PATH_MAX bytes. */
char *outfile_expand(const char *pattern, time_t t);

/*
 * Bulk mode's per-CPU files.  base is the expanded -o name, or NULL for
 * stpd_cpuN.  Each file is created (truncated) when its CPU's first
 * record arrives and receives the records as the data channel carries
 * them (struct stap_data_rec, bytes, padding: doc/protocol-data.md).
 */
struct bulk_out {
	const char *base;
	int *fds;		/* per cpu, -1 until opened */
	unsigned nfds;
	char *error;		/* malloc'd message after a failure */
};

void bulk_init(struct bulk_out *b, const char *base);
/* The file name of cpu's file, malloc'd. */
char *bulk_file_name(const char *base, unsigned cpu);
/* Appends one whole record to its CPU's file.  0, or -1 with b->error. */
int bulk_write(struct bulk_out *b, unsigned cpu, const void *rec,
	       size_t len);
/* Closes the files.  0, or -1 with b->error if a close failed. */
int bulk_close(struct bulk_out *b);

/*
 * Splits a byte stream of records (bulk mode's "-o -", which stap reads
 * from a remote staprun) into bulk_write() calls.  Feed it any chunks;
 * it keeps a partial record until the rest comes.
 */
struct bulk_split {
	unsigned char *buf;
	size_t len, cap;
};

/* 0, or -1 with b->error set (malformed stream or write failure). */
int bulk_split_feed(struct bulk_split *sp, struct bulk_out *b,
		    const void *data, size_t n);
/* 0 at a record boundary, -1 with b->error if a record was cut. */
int bulk_split_end(struct bulk_split *sp, struct bulk_out *b);

/*
 * -S SIZE[,N] (as upstream's staprun): the output goes to FILE.0, FILE.1,
 * ... (FILE being the expanded -o name).  A write that would take the
 * current file past max_bytes starts the next file first (a write is
 * never split: a file is larger only if one write alone is); with
 * keep > 0, only the newest keep files are kept, the oldest removed as
 * each new one opens.  FILE.0 is created at the first write.
 */
struct rotate_out {
	const char *base;
	unsigned long long max_bytes;
	unsigned keep;		/* 0: keep every file */
	unsigned n;		/* number of the current file */
	int fd;			/* -1 before the first write */
	unsigned long long size;	/* bytes in the current file */
	char *error;		/* malloc'd message after a failure */
};

void rotate_init(struct rotate_out *r, const char *base,
		 unsigned long long max_bytes, unsigned keep);
/* base.n, malloc'd. */
char *rotate_file_name(const char *base, unsigned n);
/* 0, or -1 with r->error. */
int rotate_write(struct rotate_out *r, const void *buf, size_t len);
int rotate_close(struct rotate_out *r);

#endif
