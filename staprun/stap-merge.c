/*
 * stap-merge: merges the per-CPU files of bulk mode (stap -b, staprun -B)
 * back into the script's output, in the order the probes wrote it.
 *
 *   stap-merge [-v] [-o OUTPUT] FILE...
 *
 * Each FILE holds one CPU's records as the data channel carried them
 * (struct stap_data_rec, the bytes, padding to 8: doc/protocol-data.md),
 * in increasing seq order.  This is a k-way merge: keep each file's next
 * header, write out the record with the lowest seq, read that file's
 * next header.  Sequence numbers are global, so the result is what
 * stapio would have written without -b.  Gaps in a file's cpu_seq are
 * records the module dropped; they are reported as stapio reports them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctl_proto.h"

#define MERGE_MAX_RECORD (1u << 30)

struct input {
	const char *name;
	FILE *f;
	struct stap_data_rec rec;	/* the next record's header */
	int has;			/* rec is valid */
	uint64_t last_seq, last_cpu_seq, lost;
};

static int verbose;

/* Reads the next header of in.  0 at a clean end, 1, or -1 if broken. */
static int next_header(struct input *in)
{
	size_t n = fread(&in->rec, 1, STAP_DATA_REC_SIZE, in->f);

	in->has = 0;
	if (n == 0 && feof(in->f))
		return 0;
	if (n != STAP_DATA_REC_SIZE) {
		fprintf(stderr, "ERROR: %s: %s\n", in->name, ferror(in->f) ?
			strerror(errno) : "truncated record header");
		return -1;
	}
	if (in->rec.len > MERGE_MAX_RECORD || in->rec.seq == 0 ||
	    in->rec.seq <= in->last_seq ||
	    in->rec.cpu_seq <= in->last_cpu_seq) {
		fprintf(stderr, "ERROR: %s: not a bulk output file, or "
			"corrupt (record %" PRIu64 " after %" PRIu64 ")\n",
			in->name, in->rec.seq, in->last_seq);
		return -1;
	}
	in->lost += in->rec.cpu_seq - in->last_cpu_seq - 1;
	in->last_seq = in->rec.seq;
	in->last_cpu_seq = in->rec.cpu_seq;
	in->has = 1;
	return 1;
}

/* Copies the bytes of in's current record to out (stderr's to stderr). */
static int copy_record(struct input *in, FILE *out)
{
	size_t left = STAP_DATA_ALIGN((size_t)in->rec.len), n, keep;
	size_t len = in->rec.len;
	char buf[65536];
	FILE *to = in->rec.stream == STAP_DATA_STREAM_STDERR ? stderr :
		in->rec.stream == STAP_DATA_STREAM_STDOUT ? out : NULL;

	while (left) {
		n = left < sizeof(buf) ? left : sizeof(buf);
		if (fread(buf, 1, n, in->f) != n) {
			fprintf(stderr, "ERROR: %s: truncated record\n",
				in->name);
			return -1;
		}
		keep = n < len ? n : len;
		if (to && keep && fwrite(buf, 1, keep, to) != keep) {
			fprintf(stderr, "ERROR: cannot write the output: "
				"%s\n", strerror(errno));
			return -1;
		}
		len -= keep;
		left -= n;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: stap-merge [-v] [-o OUTPUT] FILE...\n"
		"Merges the per-CPU files of bulk mode (stap -b: stpd_cpuN, "
		"or FILE_N with -o)\n"
		"into the script's output, in the order it was written.\n"
		"  -o OUTPUT  write to OUTPUT instead of standard output\n"
		"  -v         say how many records each file held\n");
}

int main(int argc, char **argv)
{
	const char *outname = NULL;
	struct input *in, *best;
	FILE *out = stdout;
	int opt, n, i, rc = 0;
	uint64_t count = 0;

	while ((opt = getopt(argc, argv, "vo:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'o':
			outname = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	n = argc - optind;
	if (n < 1) {
		usage(stderr);
		return 1;
	}
	in = calloc(n, sizeof(*in));
	if (!in)
		return 1;
	for (i = 0; i < n; i++) {
		in[i].name = argv[optind + i];
		in[i].f = fopen(in[i].name, "rb");
		if (!in[i].f) {
			fprintf(stderr, "ERROR: cannot open %s: %s\n",
				in[i].name, strerror(errno));
			return 1;
		}
		if (next_header(&in[i]) < 0)
			return 1;
	}
	if (outname && !(out = fopen(outname, "wb"))) {
		fprintf(stderr, "ERROR: cannot open %s: %s\n", outname,
			strerror(errno));
		return 1;
	}
	for (;;) {
		best = NULL;
		for (i = 0; i < n; i++)
			if (in[i].has && (!best || in[i].rec.seq < best->rec.seq))
				best = &in[i];
		if (!best)
			break;
		if (copy_record(best, out) < 0 || next_header(best) < 0) {
			rc = 1;
			break;
		}
		count++;
	}
	if (fflush(out) != 0 || (outname && fclose(out) != 0)) {
		fprintf(stderr, "ERROR: cannot write the output: %s\n",
			strerror(errno));
		rc = 1;
	}
	for (i = 0; i < n; i++) {
		if (in[i].lost)
			fprintf(stderr, "WARNING: %s: %" PRIu64 " records lost "
				"(the CPU's output buffer was full)\n",
				in[i].name, in[i].lost);
		if (verbose)
			fprintf(stderr, "stap-merge: %s: last record %" PRIu64
				"\n", in[i].name, in[i].last_seq);
		fclose(in[i].f);
	}
	if (verbose)
		fprintf(stderr, "stap-merge: %" PRIu64 " records merged\n",
			count);
	free(in);
	return rc;
}
