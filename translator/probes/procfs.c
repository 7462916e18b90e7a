/*
 * procfs("PATH").read[.maxsize(N)], procfs("PATH").write, each with an
 * optional .umask(N) after the path; without ("PATH") the file is
 * "command".  The file is /proc/systemtap/MODULE/PATH; PATH may hold
 * subdirectories.  One file may have one read and one write probe.
 *
 * The probes' target variable is $value: in a read probe what the
 * reader gets (assigned with '=' and '.=' only), in a write probe what
 * was written (read only).  The runtime is runtime/linux/procfs.c.
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "util/cstring.h"

#define MAXSIZE_LIMIT (1 << 20)

/* One procfs point. */
struct procfs_point {
	bool write;		/* .write, else .read */
	int64_t maxsize;	/* .maxsize(N); 0: STP_PROCFS_BUFSIZE */
	int64_t umask;		/* .umask(N); -1: none */
};

static const struct procfs_point *point(const struct rprobe *rp)
{
	return rp->data;
}

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
		if (!strcmp(path, other) && point(o)->write == point(rp)->write) {
			diag_error(rp->pp->loc, "procfs file \"%s\" has a "
				   "second %s probe (the first is at %s:%d): "
				   "one file takes one read and one write "
				   "probe", path, point(rp)->write ? "write" : "read",
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
	struct procfs_point *pt;
	size_t i = 1;

	if (!check_path(c))
		return false;
	rp->data = pt = xcalloc(1, sizeof(*pt));
	pt->umask = -1;
	c = pp_comp_at(rp->pp, i);
	if (c && !strcmp(c->name, "umask")) {
		if (!pp_num_arg(c, 0, 0777, &pt->umask))
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
	pt->write = c->name[0] == 'w';
	c = pp_comp_at(rp->pp, ++i);
	if (c && !pt->write && !strcmp(c->name, "maxsize")) {
		if (!pp_num_arg(c, 1, MAXSIZE_LIMIT, &pt->maxsize))
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
	return point(rp)->write ? &value_read : &value_write;
}

/* The file mode of one probe: upstream's 0400 / 0200 by default, or
 * 0444 / 0222 less the umask. */
static int probe_mode(const struct rprobe *rp)
{
	int base = point(rp)->write ? 0222 : 0444;
	if (point(rp)->umask < 0)
		return base & 0700;
	return base & ~(int)point(rp)->umask;
}

/* path once in v (char *; a copy when dup). */
static void add_once(struct vec *v, const char *path, size_t n, bool dup)
{
	for (size_t j = 0; j < v->len; j++)
		if (strlen(vec_at(v, j)) == n && !strncmp(vec_at(v, j), path, n))
			return;
	vec_push(v, dup ? xstrndup(path, n) : (void *)path);
}

/* One file's entry, with its read and write probe. */
static void emit_file(FILE *out, const struct vec *rps, const char *path)
{
	const struct rprobe *rd = NULL, *wr = NULL;

	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		if (!strcmp(procfs_path(rp), path)) {
			if (point(rp)->write)
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
	if (rd && point(rd)->maxsize)
		fprintf(out, ", .maxsize = %lld", (long long)point(rd)->maxsize);
	else
		fputs(", .maxsize = STP_PROCFS_BUFSIZE", out);
	fprintf(out, ", .mode = 0%o },\n",
		(rd ? probe_mode(rd) : 0) | (wr ? probe_mode(wr) : 0));
}

/* What to create under /proc/systemtap/MODULE, in order: the
 * subdirectories, parents first, then one entry per file. */
static void emit_procfs(FILE *out, const struct vec *rps)
{
	struct vec dirs = {0}, files = {0};	/* char * */

	for (size_t i = 0; i < rps->len; i++) {
		const char *path = procfs_path(vec_at(rps, i));
		for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/'))
			add_once(&dirs, path, (size_t)(s - path), true);
		add_once(&files, path, strlen(path), false);
	}
	fputs("static struct stap_procfs_file stap_procfs_files[] = {\n", out);
	for (size_t j = 0; j < dirs.len; j++) {
		const char *d = vec_at(&dirs, j);
		fputs("\t{ .path = ", out);
		emit_cstring(out, d, strlen(d));
		fputs(", .dir = true },\n", out);
		free(vec_at(&dirs, j));
	}
	for (size_t j = 0; j < files.len; j++)
		emit_file(out, rps, vec_at(&files, j));
	fputs("};\n", out);
	vec_free(&dirs);
	vec_free(&files);
}

static const char *const procfs_shapes[] = {
	"procfs.read", "procfs(S).read", "procfs.write", "procfs(S).write",
	"procfs.read.maxsize(N)", "procfs(S).read.maxsize(N)",
	"procfs.umask(N).read", "procfs(S).umask(N).read",
	"procfs.umask(N).write", "procfs(S).umask(N).write",
	"procfs.umask(N).read.maxsize(N)", "procfs(S).umask(N).read.maxsize(N)",
	NULL
};

const struct probe_family procfs_family = {
	.name = "procfs", .shapes = procfs_shapes, .resolve = resolve_procfs,
	.emit_table = emit_procfs, .target = procfs_target,
	.own_targets = "$value", .handler_type = "procfs",
	.runtime = "procfs", .arm_order = 3,
	.ops = "{ .arm = stap_procfs_arm, .disarm = stap_procfs_disarm, "
	       ".points = stap_procfs_files, "
	       ".n = ARRAY_SIZE(stap_procfs_files) }",
};
