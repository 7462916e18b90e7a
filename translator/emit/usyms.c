/*
 * Pass 3: the user-space symbol and unwind tables a module carries when
 * the script names user addresses (usymname(), ubacktrace() ...: tapset
 * functions marked "pragma:usyms", and "pragma:uunwind" when they also
 * unwind).  The files are the programs and libraries the script probes,
 * those named with -d PATH, and with --ldd the shared libraries all of
 * those need.  Each file becomes its segments, its function symbols
 * and (for unwinding) its CFA rules, as debuginfo/usyms.c read them;
 * runtime/linux/ustack.c maps a task's addresses onto them.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "usyms.h"
#include "debuginfo/usyms.h"
#include "session.h"
#include "util/diag.h"

/* Which tables the program's functions need: bit 1 symbols, bit 2
 * unwind rules too. */
static int usyms_needed(const struct program *prog)
{
	int need = 0;

	for (size_t i = 0; i < prog->functions.len; i++) {
		const struct pbody *b = vec_at(&prog->functions, i);
		const char *code = b->fn ? b->fn->embedded : NULL;

		if (!code)
			continue;
		if (strstr(code, "pragma:usyms"))
			need |= 1;
		if (strstr(code, "pragma:uunwind"))
			need |= 3;
	}
	return need;
}

/* Adds the real path of path to files unless it is there already;
 * false when path does not exist. */
static bool add_file(struct vec *files, const char *path)
{
	char buf[PATH_MAX];

	if (!realpath(path, buf))
		return false;
	for (size_t i = 0; i < files->len; i++)
		if (!strcmp(vec_at(files, i), buf))
			return true;
	vec_push(files, xstrdup(buf));
	return true;
}

/* The quoted arguments of process("...") and .library("...") in a
 * resolved point's text: the files its uprobes are in. */
static void add_point_files(struct vec *files, const char *text)
{
	static const char *const heads[] = { "process(\"", ".library(\"" };

	for (size_t h = 0; h < 2; h++) {
		const char *p = strstr(text, heads[h]), *end;

		if (!p)
			continue;
		p += strlen(heads[h]);
		end = strchr(p, '"');
		if (end && *p == '/') {
			char *path = xasprintf("%.*s", (int)(end - p), p);
			add_file(files, path);
			free(path);
		}
	}
}

/* --ldd: the shared libraries path needs, as ldd(1) finds them. */
static void add_needed(struct vec *files, const char *path)
{
	char *cmd = xasprintf("ldd '%s' 2>/dev/null", path);
	FILE *p = strchr(path, '\'') ? NULL : popen(cmd, "r");
	char line[PATH_MAX + 64];

	free(cmd);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		char *arrow = strstr(line, "=> /"), *lib;

		lib = arrow ? arrow + 3 : strchr(line, '/');
		if (!lib)
			continue;
		lib[strcspn(lib, " \t\n(")] = '\0';
		add_file(files, lib);
	}
	pclose(p);
}

static void collect_files(struct session *s, const struct program *prog,
			  struct vec *files)
{
	for (size_t i = 0; i < prog->rprobes.len; i++)
		add_point_files(files,
				((struct rprobe *)vec_at(&prog->rprobes, i))->text);
	for (size_t i = 0; i < s->user_modules.len; i++) {
		const char *m = vec_at(&s->user_modules, i);

		/* a kernel module name: kallsyms names it already */
		if (strchr(m, '/') && !add_file(files, m))
			diag_warn((struct srcloc){0}, "-d '%s': %s", m,
				  strerror(errno));
	}
	if (s->ldd)
		for (size_t i = 0, n = files->len; i < n; i++)
			add_needed(files, vec_at(files, i));
}

/* bytes as adjacent C string literals, NULs and all. */
static void emit_blob(FILE *out, const char *bytes, size_t len)
{
	fputs("\t\"", out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = bytes[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?')
			fputc(c, out);
		else
			fprintf(out, "\\%03o", c);
		if (!c)
			fputs("\"\n\t\"", out);
	}
	fputs("\"", out);
}

static void emit_file_tables(FILE *out, const struct ufile *f, int k)
{
	fprintf(out, "static const struct stap_useg stap_useg_%d[] = {\n", k);
	for (size_t i = 0; i < f->nsegs; i++)
		fprintf(out, "\t{ %#llx, %#llx, %#llx },\n",
			(unsigned long long)f->segs[i].off,
			(unsigned long long)f->segs[i].filesz,
			(unsigned long long)f->segs[i].vaddr);
	fprintf(out, "\t{ 0 }\n};\nstatic const struct stap_usym stap_usym_%d[] = {\n", k);
	for (size_t i = 0; i < f->nsyms; i++)
		fprintf(out, "\t{ %#llx, %#llx, %u },\n",
			(unsigned long long)f->syms[i].addr,
			(unsigned long long)f->syms[i].size, f->syms[i].name);
	fprintf(out, "\t{ 0 }\n};\nstatic const char stap_unames_%d[] =\n", k);
	emit_blob(out, f->names, f->names_len);
	fprintf(out, ";\nstatic const struct stap_ucfi stap_ucfi_%d[] = {\n", k);
	for (size_t i = 0; i < f->ncfi; i++) {
		const struct ucfi *r = &f->cfi[i];

		fprintf(out, "\t{ %#llx, %d, %d, %d, %u, %u },\n",
			(unsigned long long)r->addr, r->cfa_off, r->bp_off,
			r->ra_off, r->cfa_reg, r->bp_rule);
	}
	fputs("\t{ 0 }\n};\n", out);
}

void emit_usyms(FILE *out, struct session *s, const struct program *prog)
{
	int need = usyms_needed(prog);
	struct vec files = {0}, read = {0};

	if (!need)
		return;
	collect_files(s, prog, &files);
	fputs("\n#include \"linux/ustack.h\"\n", out);
	for (size_t i = 0; i < files.len; i++) {
		char *err = NULL;
		struct ufile *f = ufile_read(vec_at(&files, i), need & 2, &err);

		if (!f) {
			diag_warn((struct srcloc){0}, "cannot read symbols: %s", err);
			free(err);
			continue;
		}
		emit_file_tables(out, f, (int)read.len);
		vec_push(&read, f);
	}
	fputs("static const struct stap_ufile stap_ufiles[] = {\n", out);
	for (size_t k = 0; k < read.len; k++) {
		const struct ufile *f = vec_at(&read, k);

		fputs("\t{ ", out);
		emit_cstring(out, f->path, strlen(f->path));
		fprintf(out, ", %#llx, stap_useg_%zu, %zu, stap_usym_%zu, %zu, "
			"stap_unames_%zu, stap_ucfi_%zu, %zu },\n",
			(unsigned long long)f->size, k, f->nsegs, k, f->nsyms, k, k, f->ncfi);
		ufile_free((struct ufile *)f);
	}
	fprintf(out, "\t{ NULL }\n};\n#define STAP_NUFILES %zu\n"
		"#include \"linux/ustack.c\"\n\n", read.len);
	for (size_t i = 0; i < files.len; i++)
		free(vec_at(&files, i));
	vec_free(&files);
	vec_free(&read);
}
