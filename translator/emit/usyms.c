/*
 * Pass 3: the user-space symbol and unwind tables a module carries when
 * the script names user addresses (usymname(), ubacktrace() ...: tapset
 * functions marked "pragma:usyms", and "pragma:uunwind" when they also
 * unwind).  The files are the programs and libraries the script probes,
 * those named with -d PATH, and with --ldd the shared libraries all of
 * those need.  Each file becomes its segments, its function symbols
 * and (for unwinding) its CFA rules, as debuginfo/usyms.c read them;
 * runtime/linux/ustack.c maps a task's addresses onto them.  A file's
 * tables, as C, are cached by the file's identity (cache_dir/usyms/).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The tables of f as C, their names ending in id, and the macro
 * STAP_UFILE_<id> that is f's entry of stap_ufiles[]. */
static void emit_file_tables(FILE *out, const struct ufile *f,
			     const char *id)
{
	fprintf(out, "static const struct stap_useg stap_useg_%s[] = {\n", id);
	for (size_t i = 0; i < f->nsegs; i++)
		fprintf(out, "\t{ %#llx, %#llx, %#llx },\n",
			(unsigned long long)f->segs[i].off,
			(unsigned long long)f->segs[i].filesz,
			(unsigned long long)f->segs[i].vaddr);
	fprintf(out, "\t{ 0 }\n};\nstatic const struct stap_usym stap_usym_%s[] = {\n", id);
	for (size_t i = 0; i < f->nsyms; i++)
		fprintf(out, "\t{ %#llx, %#llx, %u },\n",
			(unsigned long long)f->syms[i].addr,
			(unsigned long long)f->syms[i].size, f->syms[i].name);
	fprintf(out, "\t{ 0 }\n};\nstatic const char stap_unames_%s[] =\n", id);
	emit_blob(out, f->names, f->names_len);
	fprintf(out, ";\nstatic const struct stap_ucfi stap_ucfi_%s[] = {\n", id);
	for (size_t i = 0; i < f->ncfi; i++) {
		const struct ucfi *r = &f->cfi[i];

		fprintf(out, "\t{ %#llx, %d, %d, %d, %u, %u },\n",
			(unsigned long long)r->addr, r->cfa_off, r->bp_off,
			r->ra_off, r->cfa_reg, r->bp_rule);
	}
	fprintf(out, "\t{ 0 }\n};\n#define STAP_UFILE_%s { ", id);
	emit_cstring(out, f->path, strlen(f->path));
	fprintf(out, ", %#llx, stap_useg_%s, %zu, stap_usym_%s, %zu, "
		"stap_unames_%s, stap_ucfi_%s, %zu }\n",
		(unsigned long long)f->size, id, f->nsegs, id, f->nsyms, id,
		id, f->ncfi);
}

/* The id of path's tables: a hash of the file's identity (path, size,
 * modification time, inode) and of what is wanted; false when path
 * cannot be stat'ed. */
static bool file_id(const char *path, int need, char id[17])
{
	struct stat st;
	uint64_t h;

	if (stat(path, &st) != 0)
		return false;
	h = hash_bytes(path, strlen(path), 0);
	h = hash_bytes(&st.st_size, sizeof(st.st_size), h);
	h = hash_bytes(&st.st_mtim, sizeof(st.st_mtim), h);
	h = hash_bytes(&st.st_ino, sizeof(st.st_ino), h);
	h = hash_bytes(&need, sizeof(need), h);
	snprintf(id, 17, "%016llx", (unsigned long long)h);
	return true;
}

/*
 * The C tables of path (emit_file_tables) with their id, from the
 * cache (cache_dir/usyms/ID.c) when it has them, else read now and
 * stored there: reading libc's unwind rules takes tens of
 * milliseconds, the cached text one.  NULL with a warning when path
 * cannot be read.
 */
static char *file_tables(struct session *s, const char *path, int need,
			 char id[17])
{
	char *cached = NULL, *text = NULL, *err = NULL;
	size_t len;
	struct ufile *f;
	FILE *out;

	if (!file_id(path, need, id)) {
		diag_warn((struct srcloc){0}, "cannot read symbols: '%s': %s",
			  path, strerror(errno));
		return NULL;
	}
	if (s->cache_dir)
		cached = xasprintf("%s/usyms/%s.c", s->cache_dir, id);
	if (cached && !s->poison_cache && (text = read_file(cached, &len))) {
		free(cached);
		return text;
	}
	f = ufile_read(path, need & 2, &err);
	if (!f) {
		diag_warn((struct srcloc){0}, "cannot read symbols: %s", err);
		free(err);
		free(cached);
		return NULL;
	}
	out = open_memstream(&text, &len);
	emit_file_tables(out, f, id);
	fclose(out);
	ufile_free(f);
	if (cached) {
		char *dir = xasprintf("%s/usyms", s->cache_dir);

		if (mkdir_p(dir))
			write_file_atomic(cached, text, len);
		free(dir);
		free(cached);
	}
	return text;
}

void emit_usyms(FILE *out, struct session *s, const struct program *prog)
{
	int need = usyms_needed(prog);
	struct vec files = {0}, ids = {0};

	if (!need)
		return;
	collect_files(s, prog, &files);
	fputs("\n#include \"linux/ustack.h\"\n", out);
	for (size_t i = 0; i < files.len; i++) {
		char id[17];
		char *text = file_tables(s, vec_at(&files, i), need, id);

		if (!text)
			continue;
		fputs(text, out);
		free(text);
		vec_push(&ids, xstrdup(id));
	}
	fputs("static const struct stap_ufile stap_ufiles[] = {\n", out);
	for (size_t k = 0; k < ids.len; k++) {
		fprintf(out, "\tSTAP_UFILE_%s,\n", (char *)vec_at(&ids, k));
		free(vec_at(&ids, k));
	}
	fprintf(out, "\t{ NULL }\n};\n#define STAP_NUFILES %zu\n"
		"#include \"linux/ustack.c\"\n\n", ids.len);
	for (size_t i = 0; i < files.len; i++)
		free(vec_at(&files, i));
	vec_free(&files);
	vec_free(&ids);
}
