/*
 * procfs("PATH").read[.maxsize(N)], procfs("PATH").write, each with an
 * optional .umask(N) after the path; without ("PATH") the file is
 * "command".  The file is /proc/systemtap/MODULE/PATH; PATH may hold
 * subdirectories.  One file may have one read and one write probe.
 *
 * param[0]: 1 for .write; param[1]: maxsize (0: STP_PROCFS_BUFSIZE);
 * param[2]: the umask, or -1 without .umask(N).
 *
 * The probes' target variable is $value: in a read probe what the
 * reader gets (assigned with '=' and '.=' only), in a write probe what
 * was written (read only).
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "emit/emit.h"

#define MAXSIZE_LIMIT (1 << 20)

/* Every procfs probe resolved so far, for the one-read-one-write and
 * file-versus-directory checks. */
static struct vec resolved;	/* struct rprobe * */

static const char *procfs_path(const struct rprobe *rp)
{
	const struct pp_comp *c = pp_comp_at(rp->pp, 0);
	return c->arg ? c->arg->str : "command";
}

/* PATH: relative, no empty, "." or ".." components, nothing odd. */
static bool check_path(const struct pp_comp *c)
{
	const struct expr *a = c->arg;
	const char *why = NULL;

	if (!a)
		return true;
	if (a->kind != E_STR)
		why = "needs a string";
	else if (!a->len || memchr(a->str, '\0', a->len))
		why = "needs a non-empty file name";
	else if (a->str[0] == '/' || a->str[a->len - 1] == '/')
		why = "takes a path relative to /proc/systemtap/MODULE, "
		      "without a leading or trailing '/'";
	else if (strstr(a->str, "//"))
		why = "cannot have an empty path component";
	for (const char *p = a->kind == E_STR ? a->str : ""; !why && *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
			why = "cannot have '.' or '..' components";
		p += n + (p[n] == '/');
	}
	if (why)
		diag_error(a->loc, "procfs(\"PATH\") %s", why);
	return !why;
}

/* a is b's directory, or one of its parents. */
static bool is_parent(const char *a, const char *b)
{
	size_t n = strlen(a);
	return strncmp(a, b, n) == 0 && b[n] == '/';
}

static bool check_unique(const struct rprobe *rp)
{
	const char *path = procfs_path(rp);

	for (size_t i = 0; i < resolved.len; i++) {
		const struct rprobe *o = vec_at(&resolved, i);
		const char *other = procfs_path(o);
		const char *where = o->pp->loc.src ? o->pp->loc.src->name
						   : "<input>";
		if (!strcmp(path, other) && o->param[0] == rp->param[0]) {
			diag_error(rp->pp->loc, "procfs file \"%s\" has a "
				   "second %s probe (the first is at %s:%d): "
				   "one file takes one read and one write "
				   "probe", path, rp->param[0] ? "write" : "read",
				   where, o->pp->loc.line);
			return false;
		}
		if (is_parent(path, other) || is_parent(other, path)) {
			diag_error(rp->pp->loc, "procfs path \"%s\" clashes "
				   "with %s at %s:%d: one of them would be a "
				   "file and a directory at once", path,
				   o->text, where, o->pp->loc.line);
			return false;
		}
	}
	return true;
}

static bool resolve_procfs(struct rprobe *rp)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 0);
	size_t i = 1;

	if (!check_path(c))
		return false;
	rp->param[2] = -1;
	c = pp_comp_at(rp->pp, i);
	if (c && !strcmp(c->name, "umask")) {
		if (!pp_num_arg(c, 0, 0777, &rp->param[2]))
			return false;
		c = pp_comp_at(rp->pp, ++i);
	}
	if (!c || (strcmp(c->name, "read") && strcmp(c->name, "write"))) {
		diag_error(c ? c->loc : rp->pp->loc, "incomplete procfs probe "
			   "point: expected procfs(\"PATH\").read or .write, "
			   "optionally .umask(N) before and .maxsize(N) after "
			   ".read");
		return false;
	}
	if (!pp_no_arg(c))
		return false;
	rp->param[0] = c->name[0] == 'w';
	c = pp_comp_at(rp->pp, ++i);
	if (c && !rp->param[0] && !strcmp(c->name, "maxsize")) {
		if (!pp_num_arg(c, 1, MAXSIZE_LIMIT, &rp->param[1]))
			return false;
		c = pp_comp_at(rp->pp, ++i);
	}
	if (c) {
		diag_error(c->loc, "unexpected '.%s' in a procfs probe point "
			   "(only .maxsize(N) may follow .read)", c->name);
		return false;
	}
	if (!check_unique(rp))
		return false;
	vec_push(&resolved, rp);
	return true;
}

static const struct target_var value_read = {
	.name = "$value", .type = &ctype_string_type, .access = TARGET_READ,
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_procfs_value" },
	.rule = "it is read-only in a procfs write probe",
};

static const struct target_var value_write = {
	.name = "$value", .type = &ctype_string_type,
	.access = TARGET_SET | TARGET_APPEND,
	.loc = { .kind = TL_ACCESSOR, .acc.set = "stap_procfs_set",
		 .acc.append = "stap_procfs_append" },
	.rule = "a procfs read probe may only assign it, with '=' or '.='",
};

static const struct target_var *procfs_target(const struct rprobe *rp,
					      const char *name)
{
	if (strcmp(name, "$value") != 0)
		return NULL;
	return rp->param[0] ? &value_read : &value_write;
}

/* The file mode of one probe: upstream's 0400 / 0200 by default, or
 * 0444 / 0222 less the umask. */
static int probe_mode(const struct rprobe *rp)
{
	int base = rp->param[0] ? 0222 : 0444;
	if (rp->param[2] < 0)
		return base & 0700;
	return base & ~(int)rp->param[2];
}

/* The subdirectories to create, parents first, then one entry per
 * file with its read and write probe. */
static void emit_procfs(FILE *out, const struct vec *rps)
{
	struct vec dirs = {0}, files = {0};	/* char * */

	for (size_t i = 0; i < rps->len; i++) {
		const char *path = procfs_path(vec_at(rps, i));
		for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
			char *d = xstrndup(path, (size_t)(s - path));
			bool seen = false;
			for (size_t j = 0; j < dirs.len && !seen; j++)
				seen = !strcmp(vec_at(&dirs, j), d);
			if (seen)
				free(d);
			else
				vec_push(&dirs, d);
		}
		bool seen = false;
		for (size_t j = 0; j < files.len && !seen; j++)
			seen = !strcmp(vec_at(&files, j), path);
		if (!seen)
			vec_push(&files, (void *)path);
	}
	fputs("#define STAP_HAVE_PROCFS_PROBES 1\n", out);
	fputs("static const char *const stap_procfs_dirs[] = {\n", out);
	for (size_t j = 0; j < dirs.len; j++) {
		const char *d = vec_at(&dirs, j);
		fputc('\t', out);
		emit_cstring(out, d, strlen(d));
		fputs(",\n", out);
		free(vec_at(&dirs, j));
	}
	fputs("\tNULL,\n};\n", out);
	fputs("static struct stap_procfs_file stap_procfs_files[] = {\n", out);
	for (size_t j = 0; j < files.len; j++) {
		const char *path = vec_at(&files, j);
		const struct rprobe *rd = NULL, *wr = NULL;
		for (size_t i = 0; i < rps->len; i++) {
			const struct rprobe *rp = vec_at(rps, i);
			if (!strcmp(procfs_path(rp), path)) {
				if (rp->param[0])
					wr = rp;
				else
					rd = rp;
			}
		}
		fputs("\t{ .path = ", out);
		emit_cstring(out, path, strlen(path));
		if (rd)
			fprintf(out, ", .read = &stap_probe_infos[%d]", rd->id);
		if (wr)
			fprintf(out, ", .write = &stap_probe_infos[%d]", wr->id);
		if (rd && rd->param[1])
			fprintf(out, ", .maxsize = %lld",
				(long long)rd->param[1]);
		else
			fputs(", .maxsize = STP_PROCFS_BUFSIZE", out);
		fprintf(out, ", .mode = 0%o },\n",
			(rd ? probe_mode(rd) : 0) | (wr ? probe_mode(wr) : 0));
	}
	fputs("};\n", out);
	vec_free(&dirs);
	vec_free(&files);
}

const struct probe_family procfs_family = {
	.name = "procfs", .resolve = resolve_procfs,
	.emit_table = emit_procfs, .target = procfs_target,
};
