/*
 * The running kernel's function symbols (ksyms.h has the list format).
 *
 * /proc/kallsyms gives every symbol with its type letter; functions are
 * 't'/'T' (and weak ones 'w'/'W' inside the kernel text).  Its section
 * markers tell which functions are init text, freed after boot.  Without
 * addresses (kptr_restrict) nothing is marked init.  The kprobe
 * blacklist, when debugfs is mounted, marks the functions the kernel
 * refuses to probe.
 */
#define _GNU_SOURCE
#include "ksyms.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KALLSYMS "/proc/kallsyms"
#define BLACKLIST "/sys/kernel/debug/kprobes/blacklist"

int ksyms_identity(char ident[17])
{
	char buf[4096];
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	size_t n;
	FILE *f = fopen("/proc/version", "re");

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		for (size_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ull;
	fclose(f);
	snprintf(ident, 17, "%016llx", (unsigned long long)h);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The blacklist's function names, sorted; *n = 0 without debugfs. */
static char **read_blacklist(size_t *n)
{
	char *line = NULL, **names = NULL, *name, *end;
	size_t cap = 0, size = 0;
	FILE *f = fopen(BLACKLIST, "re");

	*n = 0;
	if (!f)
		return NULL;
	/* "0xSTART-0xEND\tNAME [MODULE]" */
	while (getline(&line, &size, f) > 0) {
		name = strpbrk(line, " \t");
		if (!name)
			continue;
		name += strspn(name, " \t");
		end = name + strcspn(name, " \t\n");
		if (end == name)
			continue;
		*end = '\0';
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			names = realloc(names, cap * sizeof(*names));
			if (!names)
				break;
		}
		names[(*n)++] = strdup(name);
	}
	free(line);
	fclose(f);
	if (!names)
		*n = 0;
	else
		qsort(names, *n, sizeof(*names), by_name);
	return names;
}

/* One function of /proc/kallsyms. */
struct fsym {
	uint64_t addr;
	char *name, *module;	/* module NULL for the kernel's own */
	char type;
};

/* Appends "KIND NAME [MODULE]\n" to out. */
static void emit(FILE *out, const struct fsym *s, uint64_t sinit,
		 uint64_t einit, char **black, size_t nblack)
{
	char kind = 't';

	if (nblack && bsearch(&s->name, black, nblack, sizeof(*black), by_name))
		kind = 'b';
	else if (!s->module && s->addr && s->addr >= sinit && s->addr < einit)
		kind = 'i';
	if (s->module)
		fprintf(out, "%c %s %s\n", kind, s->name, s->module);
	else
		fprintf(out, "%c %s\n", kind, s->name);
}

int ksyms_read_local(char **list, size_t *len)
{
	uint64_t stext = 0, etext = 0, sinit = 0, einit = 0, addr;
	struct fsym *syms = NULL;
	size_t nsyms = 0, cap = 0, size = 0, nblack = 0, i;
	char *line = NULL, **black = NULL, type, name[512], module[256];
	FILE *f = fopen(KALLSYMS, "re"), *out = NULL;
	int err = 0;

	*list = NULL;
	if (!f)
		return -1;
	while (getline(&line, &size, f) > 0) {
		module[0] = '\0';
		if (sscanf(line, "%" SCNx64 " %c %511s [%255[^]]]", &addr, &type,
			   name, module) < 3)
			continue;
		if (!module[0]) {
			if (!strcmp(name, "_stext")) stext = addr;
			if (!strcmp(name, "_etext")) etext = addr;
			if (!strcmp(name, "_sinittext")) sinit = addr;
			if (!strcmp(name, "_einittext")) einit = addr;
		}
		if (!strchr("tTwW", type) || !strncmp(name, "__pfx_", 6) ||
		    !strncmp(name, "__cfi_", 6))
			continue;
		if (nsyms == cap) {
			struct fsym *n = realloc(syms, (cap ? 2 * cap : 65536) *
						 sizeof(*syms));
			if (!n) {
				err = ENOMEM;
				goto out;
			}
			syms = n;
			cap = cap ? 2 * cap : 65536;
		}
		syms[nsyms++] = (struct fsym){ addr, strdup(name),
			module[0] ? strdup(module) : NULL, type };
	}

	black = read_blacklist(&nblack);
	out = open_memstream(list, len);
	if (!out) {
		err = errno;
		goto out;
	}
	for (i = 0; i < nsyms; i++) {
		const struct fsym *s = &syms[i];
		/* weak symbols are functions only inside the text */
		if ((s->type == 'w' || s->type == 'W') &&
		    (s->module || !s->addr || s->addr < stext ||
		     s->addr >= etext))
			continue;
		emit(out, s, sinit, einit, black, nblack);
	}
	if (fclose(out) != 0)
		err = errno;
out:
	fclose(f);
	for (i = 0; i < nblack; i++)
		free(black[i]);
	free(black);
	for (i = 0; i < nsyms; i++) {
		free(syms[i].name);
		free(syms[i].module);
	}
	free(syms);
	free(line);
	if (err) {
		free(*list);
		*list = NULL;
		errno = err;
		return -1;
	}
	return 0;
}
