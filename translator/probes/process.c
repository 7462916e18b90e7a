/*
 * process.begin / .end and .thread.begin / .thread.end, for every
 * process, for the processes running one program (process("PATH")) or
 * for one process (process(PID)).  They need no debuginfo: the runtime
 * (runtime/linux/process.c) hooks the scheduler's fork, exec and exit
 * tracepoints.
 *
 * A PATH is resolved as upstream does: with a '/' relative to the
 * working directory, otherwise through $PATH; the program must exist
 * and be executable (the guest sees the host's /usr and build tree at
 * the same paths: testsuite/vm/stap-vm).
 *
 * process("PATH").function("PATTERN[@FILE[:LINE]]") (.call, .return,
 * .inline, .label) and .statement("FUNC@FILE:LINE") are uprobes at the
 * places PATH's DWARF names (process_dwarf.h), with its target
 * variables; process("PATH").library("LIB")... the same in the
 * libraries LIB names, hit only in processes running PATH; without DWARF, .function("NAME")[.call|.return] are
 * uprobes on the functions of PATH's symbol table that match
 * (debuginfo/elf_syms.h), at their file offsets: a program or a shared
 * library, in every process that maps it.  process("PATH")
 * [.provider("P")].mark("NAME") are uprobes at PATH's SDT markers
 * (debuginfo/elf_sdt.h) with their semaphores, and $argN, $$name,
 * $$provider read through the runtime's accessors.  (.syscall points
 * are a family of their own: process_syscall.c.)
 * process("PATH").plt("NAME") are uprobes at PATH's PLT entries
 * (process_plt.c).  In all these, process(PID) names the program the
 * pid runs where the script runs (its /proc/PID/exe on this machine or,
 * with --remote, as the target's stapsh tells): the points are written
 * out as that program's and run only in that pid (expand_pid).  A
 * .return point found in DWARF has @entry and its parameters as at the
 * function's entry (process_at_return); @var without a module reads
 * the probed file (process_user_module).
 */
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "probes.h"
#include "session.h"
#include "util/diag.h"
#include "util/cstring.h"
#include "debuginfo/elf_syms.h"
#include "debuginfo/elf_sdt.h"
#include "process_dwarf.h"
#include "run/connection.h"

/* What a point waits for; the runtime's enum stap_process_event has
 * the same values. */
enum process_event { PE_BEGIN, PE_END, PE_THREAD_BEGIN, PE_THREAD_END };

/* One process point: the event, and which processes: path (absolute,
 * resolved) or pid, or neither for all. */
struct process_point {
	enum process_event event;
	char *path;
	int64_t pid;
	bool is_function;	/* .function(...): uprobes, not an event */
	bool is_return;		/* .function(...).return */
	struct vec funcs;	/* struct elf_func *: where the uprobes go */
	bool is_mark;		/* .mark(...): uprobes at SDT markers */
	struct vec marks;	/* struct sdt_mark * */
	const struct uplace *place;	/* found in DWARF: the one place
					 * of funcs, with its variables */
};

/* The absolute path of program name as a shell would find it, or NULL
 * (errno set); process_dwarf.h. */
char *process_find_program(const char *name)
{
	char buf[PATH_MAX];

	if (strchr(name, '/'))	/* a program or a library */
		return realpath(name, buf) ? xstrdup(buf) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char *cand = xasprintf("%.*s/%s", (int)n, n ? path : ".", name);
		bool ok = access(cand, X_OK) == 0 && realpath(cand, buf);
		free(cand);
		if (ok)
			return xstrdup(buf);
		path += n + (path[n] == ':');
	}
	errno = ENOENT;
	return NULL;
}

bool process_resolve_arg(const struct pp_comp *c, char **path, int64_t *pid)
{
	if (!c->arg)
		return true;
	if (c->arg->kind == E_NUM)
		return pp_num_arg(c, 1, INT32_MAX, pid);
	if (!c->arg->len) {
		diag_error(c->arg->loc, "process(\"\") needs a program path");
		return false;
	}
	*path = process_find_program(c->arg->str);
	if (!*path) {
		diag_error(c->arg->loc, "cannot find executable '%s' (%s)%s",
			   c->arg->str, strerror(errno),
			   strchr(c->arg->str, '/') ? "" :
			   ": not found in $PATH");
		return false;
	}
	return true;
}

/* The target of process(ARG) in pt. */
static bool resolve_target(struct pp_comp *c, struct process_point *pt)
{
	return process_resolve_arg(c, &pt->path, &pt->pid);
}

/* .begin / .end / .thread.begin / .thread.end after process[(ARG)]. */
static bool resolve_event(struct rprobe *rp, struct process_point *pt)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 1);
	bool thread = c && strcmp(c->name, "thread") == 0;
	size_t last = thread ? 2 : 1;
	struct pp_comp *e = pp_comp_at(rp->pp, last);

	if (!c) {
		diag_error(rp->pp->loc, "incomplete process probe point: "
			   "expected .begin, .end, .thread.begin or "
			   ".thread.end");
		return false;
	}
	if (thread && !pp_no_arg(c))
		return false;
	if (!e || (strcmp(e->name, "begin") && strcmp(e->name, "end"))) {
		struct pp_comp *bad = e ? e : c;
		diag_error(bad->loc, "not supported yet: process probe point "
			   "'.%s' (supported: .begin, .end, .thread.begin, "
			   ".thread.end, .function, .statement, .library, "
			   ".plt, .mark, .syscall)",
			   bad->name);
		return false;
	}
	if (!pp_no_arg(e))
		return false;
	if (rp->pp->comps.len > last + 1) {
		struct pp_comp *x = pp_comp_at(rp->pp, last + 1);
		diag_error(x->loc, "unexpected '.%s' after '.%s'", x->name,
			   e->name);
		return false;
	}
	pt->event = (strcmp(e->name, "begin") == 0 ? PE_BEGIN : PE_END) +
		    (thread ? PE_THREAD_BEGIN : 0);
	return true;
}

/* .function("PATTERN")[.call|.return]: the matching functions of
 * pt->path (resolved already). */
static bool resolve_function(struct rprobe *rp, struct process_point *pt)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 1), *r = pp_comp_at(rp->pp, 2);
	char *err = NULL;

	pt->is_function = true;
	if (!c->arg || c->arg->kind != E_STR || !c->arg->len) {
		diag_error(c->loc, "process(...).function needs a function "
			   "name or pattern string, as in .function(\"main\")");
		return false;
	}
	if (r && ((strcmp(r->name, "return") && strcmp(r->name, "call")) ||
		  r->arg || rp->pp->comps.len > 3)) {
		diag_error(r->loc, "not supported yet: '.%s' in a "
			   "process(...).function probe point (supported: "
			   ".call, .return)", r->name);
		return false;
	}
	pt->is_return = r && strcmp(r->name, "return") == 0;
	if (strchr(c->arg->str, '@') || strchr(c->arg->str, ':')) {
		diag_error(c->arg->loc, "not supported yet: '%s': a source "
			   "file or line needs debuginfo (functions are found "
			   "by the symbol table)", c->arg->str);
		return false;
	}
	if (!pt->path) {
		diag_error(c->loc, "not supported yet: .function needs "
			   "process(\"PATH\"), not a pid or no process");
		return false;
	}
	if (!elf_functions(pt->path, c->arg->str, &pt->funcs, &err)) {
		diag_error(pp_comp_at(rp->pp, 0)->arg->loc, "%s", err);
		free(err);
		return false;
	}
	if (pt->funcs.len == 0 && !pp_optional(rp->pp)) {
		diag_error(c->arg->loc, "probe point mismatch: no function "
			   "%s '%s' in the symbol table of %s",
			   strpbrk(c->arg->str, "*?[") ? "matches" : "named",
			   c->arg->str, pt->path);
		return false;
	}
	return true;
}

/* [.provider("P")].mark("NAME"): the matching markers of pt->path. */
static bool resolve_mark(struct rprobe *rp, struct process_point *pt)
{
	struct pp_comp *c = pp_comp_at(rp->pp, 1), *m = c;
	const char *provider = NULL;
	char *err = NULL;

	pt->is_mark = true;
	if (strcmp(c->name, "provider") == 0) {
		if (!c->arg || c->arg->kind != E_STR || !c->arg->len) {
			diag_error(c->loc, ".provider needs a provider name "
				   "string, as in .provider(\"python\")");
			return false;
		}
		provider = c->arg->str;
		m = pp_comp_at(rp->pp, 2);
		if (!m || strcmp(m->name, "mark")) {
			diag_error((m ? m : c)->loc, "expected .mark(\"NAME\") "
				   "after .provider(...)");
			return false;
		}
	}
	if (!m->arg || m->arg->kind != E_STR || !m->arg->len) {
		diag_error(m->loc, ".mark needs a marker name or pattern "
			   "string, as in .mark(\"function__entry\")");
		return false;
	}
	if (rp->pp->comps.len > (provider ? 3u : 2u)) {
		struct pp_comp *x = pp_comp_at(rp->pp, provider ? 3 : 2);
		diag_error(x->loc, "unexpected '.%s' after .mark(...)", x->name);
		return false;
	}
	if (!pt->path) {
		diag_error(m->loc, "not supported yet: .mark needs "
			   "process(\"PATH\"), not a pid or no process");
		return false;
	}
	if (!elf_sdt_marks(pt->path, provider, m->arg->str, &pt->marks, &err)) {
		diag_error(pp_comp_at(rp->pp, 0)->arg->loc, "%s", err);
		free(err);
		return false;
	}
	if (pt->marks.len == 0 && !pp_optional(rp->pp)) {
		diag_error(m->arg->loc, "probe point mismatch: no SDT marker "
			   "%s '%s'%s%s in %s",
			   strpbrk(m->arg->str, "*?[") ? "matches" : "named",
			   m->arg->str, provider ? " of provider " : "",
			   provider ? provider : "", pt->path);
		return false;
	}
	return true;
}

struct probe_point *process_point_with(const struct probe_point *pp,
				      size_t i, const char *str)
{
	struct probe_point *np = xmalloc(sizeof(*np));
	struct pp_comp *c = xmalloc(sizeof(*c));
	const struct pp_comp *old = pp_comp_at(pp, i);

	*np = *pp;
	np->comps = (struct vec){0};
	*c = *old;
	c->arg = expr_new(E_STR, old->arg->loc);
	c->arg->str = xstrdup(str);
	c->arg->len = strlen(str);
	for (size_t k = 0; k < pp->comps.len; k++)
		vec_push(&np->comps, k == i ? c : vec_at(&pp->comps, k));
	return np;
}

/* A .mark pattern with wildcards stands for one point per marker name
 * it matches (stap -L lists them), each naming the program by its
 * resolved path, as upstream shows them.  Everything else stands for
 * itself; resolve reports the errors. */
static bool expand_process(struct session *s, struct probe_point *pp,
			   struct vec *out);

/* process("/lib*\/libc.so.*"): a path with wildcards stands for every
 * file it matches (glob(3), each file once however many links name it),
 * each expanded as if written out; none matching leaves the point for
 * resolve to report, or drops it when it is optional ("?", "!").
 * False when pp's path has no wildcards. */
static bool expand_glob(struct session *s, struct probe_point *pp,
			struct vec *out, bool *ok)
{
	struct pp_comp *c0 = pp_comp_at(pp, 0);
	struct vec seen = {0};
	glob_t g;

	if (!c0->arg || c0->arg->kind != E_STR || !strchr(c0->arg->str, '/') ||
	    !strpbrk(c0->arg->str, "*?["))
		return false;
	*ok = true;
	if (glob(c0->arg->str, 0, NULL, &g) != 0) {
		if (!pp_optional(pp))
			vec_push(out, pp);
		return true;
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char buf[PATH_MAX];
		struct stat st;
		bool dup = false;

		if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode) ||
		    !realpath(g.gl_pathv[i], buf))
			continue;
		for (size_t j = 0; j < seen.len && !dup; j++)
			dup = !strcmp(vec_at(&seen, j), buf);
		if (dup)
			continue;
		vec_push(&seen, xstrdup(buf));
		struct probe_point *np = process_point_with(pp, 0, buf);
		np->from_wildcard = true;
		*ok &= expand_process(s, np, out);
	}
	if (!seen.len && !pp_optional(pp))
		vec_push(out, pp);
	for (size_t j = 0; j < seen.len; j++)
		free(vec_at(&seen, j));
	vec_free(&seen);
	globfree(&g);
	return true;
}

/* A point process(PID)... was written out to, and the pid: the
 * runtime runs it only in that process. */
struct pid_point {
	const struct probe_point *pp;
	int64_t pid;
};
static struct vec pid_points;	/* struct pid_point * */

/* The pid of a point process(PID)... was written out to, or 0. */
static int64_t pid_of(const struct probe_point *pp)
{
	for (size_t i = 0; i < pid_points.len; i++) {
		const struct pid_point *p = vec_at(&pid_points, i);

		if (p->pp == pp)
			return p->pid;
	}
	return 0;
}

/* process(PID).function/.statement/.library/.plt/.mark: the points of
 * the program PID runs where the script runs (its /proc/PID/exe on this
 * machine, or as the --remote targets tell: run/connection.h), written
 * out as process("EXE")'s, each remembered with the pid.  False when pp
 * is not such a point. */
static bool expand_pid(struct session *s, struct probe_point *pp,
		       struct vec *out, bool *ok)
{
	struct pp_comp *c0 = pp_comp_at(pp, 0), *c1 = pp_comp_at(pp, 1);
	static const char *const kinds[] = { "function", "statement",
		"library", "plt", "mark", "provider", NULL };
	size_t before = out->len, k;
	char *exe, *why = NULL;

	if (!c0->arg || c0->arg->kind != E_NUM || !c1)
		return false;
	for (k = 0; kinds[k] && strcmp(kinds[k], c1->name); k++)
		;
	if (!kinds[k])
		return false;
	*ok = false;
	exe = c0->arg->num < 1 ? NULL :
		target_pid_program(s, c0->arg->num, &why);
	if (!exe) {
		diag_error(c0->arg->loc, "cannot probe pid %lld: %s",
			   (long long)c0->arg->num, why ? why : "not a pid");
		free(why);
		return true;
	}
	*ok = expand_process(s, process_point_with(pp, 0, exe), out);
	free(exe);
	for (size_t i = before; i < out->len; i++) {
		struct pid_point *p = xmalloc(sizeof(*p));

		p->pp = vec_at(out, i);
		p->pid = c0->arg->num;
		vec_push(&pid_points, p);
	}
	return true;
}

static bool expand_process(struct session *s, struct probe_point *pp,
			   struct vec *out)
{
	struct pp_comp *c0 = pp_comp_at(pp, 0), *c1 = pp_comp_at(pp, 1);
	bool prov = c1 && !strcmp(c1->name, "provider");
	size_t mi = prov ? 2 : 1;
	struct pp_comp *m = pp_comp_at(pp, mi);
	struct vec marks = {0};
	char *path, *err = NULL;
	bool globbed;

	if (expand_glob(s, pp, out, &globbed) ||
	    expand_pid(s, pp, out, &globbed))
		return globbed;
	if (pp_optional(pp) && c0->arg && c0->arg->kind == E_STR &&
	    c0->arg->len) {
		char *found = process_find_program(c0->arg->str);

		if (!found)
			return true;	/* optional, on a missing program */
		free(found);
	}

	if (c1 && !strcmp(c1->name, "plt") && c0->arg &&
	    c0->arg->kind == E_STR && c0->arg->len &&
	    (path = process_find_program(c0->arg->str)))
		return process_plt_expand(pp, path, out);
	if (c1 && !strcmp(c1->name, "library") && c0->arg &&
	    c0->arg->kind == E_STR && c0->arg->len &&
	    (path = process_find_program(c0->arg->str)))
		return process_library_expand(s, pp, path, out);
	if (c1 && (!strcmp(c1->name, "function") ||
		   !strcmp(c1->name, "statement")) &&
	    c0->arg && c0->arg->kind == E_STR && c0->arg->len &&
	    c1->arg && c1->arg->kind == E_STR && c1->arg->len &&
	    (path = process_find_program(c0->arg->str))) {
		bool handled;
		bool ok = process_dwarf_expand(s, pp, path, out, &handled);
		if (!handled)
			vec_push(out, pp);
		return ok;
	}
	if (!c0->arg || c0->arg->kind != E_STR || !c0->arg->len ||
	    !(path = process_find_program(c0->arg->str))) {
		vec_push(out, pp);	/* resolve says why */
		return true;
	}
	if (!m || strcmp(m->name, "mark") || !m->arg ||
	    m->arg->kind != E_STR || !strpbrk(m->arg->str, "*?[") ||
	    (prov && (!c1->arg || c1->arg->kind != E_STR))) {
		/* named by the program's resolved path, as upstream
		 * lists process("python3").end: /usr/bin/python3.11 */
		vec_push(out, strcmp(path, c0->arg->str) ?
			 process_point_with(pp, 0, path) : pp);
		return true;
	}
	if (!elf_sdt_marks(path, prov ? c1->arg->str : NULL, m->arg->str,
			   &marks, &err) || marks.len == 0) {
		free(err);
		vec_push(out, pp);	/* resolve says why */
		return true;
	}
	for (size_t i = 0; i < marks.len; i++) {
		const struct sdt_mark *mk = vec_at(&marks, i);
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(((const struct sdt_mark *)
					vec_at(&marks, j))->name, mk->name);
		if (seen)
			continue;
		struct probe_point *np = process_point_with(pp, mi, mk->name);
		np = process_point_with(np, 0, path);
		np->from_wildcard = true;
		vec_push(out, np);
	}
	return true;
}

/* A point process_dwarf_expand made: one uprobe at its place. */
static bool resolve_place(struct rprobe *rp, struct process_point *pt)
{
	struct elf_func *f = xcalloc(1, sizeof(*f));

	pt->is_function = true;
	pt->is_return = pt->place->is_return;
	pt->path = xstrdup(pt->place->file);
	f->name = pt->place->name;
	f->offset = pt->place->offset;
	vec_push(&pt->funcs, f);
	return true;
}

static bool resolve_point(struct rprobe *rp);

static bool resolve_process(struct rprobe *rp)
{
	bool ok = resolve_point(rp);
	struct process_point *pt = rp->data;

	if (pt && !pt->pid)
		pt->pid = pid_of(rp->pp);
	return ok;
}

static bool resolve_point(struct rprobe *rp)
{
	struct process_point *pt = xcalloc(1, sizeof(*pt));
	struct pp_comp *c = pp_comp_at(rp->pp, 1);

	rp->data = pt;
	if ((pt->place = process_dwarf_place(rp->pp)))
		return resolve_place(rp, pt);
	if (c && strcmp(c->name, "function") == 0)
		return resolve_target(pp_comp_at(rp->pp, 0), pt) &&
		       resolve_function(rp, pt);
	if (c && (!strcmp(c->name, "library") || !strcmp(c->name, "plt"))) {
		if (resolve_target(pp_comp_at(rp->pp, 0), pt))
			diag_error(c->loc, ".%s needs process(\"PATH\")",
				   c->name);
		return false;
	}
	if (c && strcmp(c->name, "statement") == 0) {
		if (resolve_target(pp_comp_at(rp->pp, 0), pt))
			diag_error(c->loc, ".statement needs process(\"PATH\")"
				   " of a program with debuginfo, and a "
				   "\"FUNC@FILE:LINE\" string");
		return false;
	}
	if (c && (!strcmp(c->name, "mark") || !strcmp(c->name, "provider")))
		return resolve_target(pp_comp_at(rp->pp, 0), pt) &&
		       resolve_mark(rp, pt);
	return resolve_event(rp, pt) &&
	       resolve_target(pp_comp_at(rp->pp, 0), pt);
}

static const char *const sdt_kinds[] = {
	"STAP_SDT_REG", "STAP_SDT_MEM", "STAP_SDT_IMM", "STAP_SDT_NONE",
};

/* stap_sdt_args_I_J[]: the argument specs of marker J of point I. */
static void emit_sdt_args(FILE *out, const struct rprobe *rp,
			  const struct process_point *pt)
{
	for (size_t j = 0; j < pt->marks.len; j++) {
		const struct sdt_mark *m = vec_at(&pt->marks, j);

		if (!m->nargs)
			continue;
		fprintf(out, "static const struct stap_sdt_arg "
			"stap_sdt_args_%d_%zu[] = {\n", rp->id, j);
		for (int k = 0; k < m->nargs; k++) {
			const struct sdt_arg *a = &m->args[k];

			fprintf(out, "\t{ .kind = %s, .size = %d, .offset = "
				"%lldLL", sdt_kinds[a->kind], a->size,
				(long long)a->offset);
			if (a->reg)
				fprintf(out, ", .reg = offsetof(struct pt_regs"
					", %s), .reg_bytes = %d", a->reg,
					a->reg_bytes);
			if (a->index)
				fprintf(out, ", .index = offsetof(struct "
					"pt_regs, %s), .scale = %d", a->index,
					a->scale);
			fputs(" },\n", out);
		}
		fputs("};\n", out);
	}
}

/* One stap_process_uprobes[] entry per marker of a .mark point. */
static void emit_sdt_marks(FILE *out, const struct rprobe *rp,
			   const struct process_point *pt)
{
	for (size_t j = 0; j < pt->marks.len; j++) {
		const struct sdt_mark *m = vec_at(&pt->marks, j);

		fprintf(out, "\t{ .info = &stap_probe_infos[%d], "
			".offset = 0x%llx, .ref_ctr_offset = 0x%llx, .path = ",
			rp->id, (unsigned long long)m->offset,
			(unsigned long long)m->sem_offset);
		emit_cstring(out, pt->path, strlen(pt->path));
		fputs(", .name = ", out);
		emit_cstring(out, m->name, strlen(m->name));
		fputs(", .provider = ", out);
		emit_cstring(out, m->provider, strlen(m->provider));
		if (pt->pid)
			fprintf(out, ", .pid = %lld", (long long)pt->pid);
		if (m->nargs)
			fprintf(out, ", .nargs = %d, .args = stap_sdt_args_%d_%zu",
				m->nargs, rp->id, j);
		fputs(" },\n", out);
	}
}

/* stap_process_uprobes[]: one entry per function or marker of each
 * point. */
static void emit_uprobes(FILE *out, const struct vec *rps)
{
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);

		emit_sdt_args(out, rp, rp->data);
	}
	fputs("static struct stap_uprobe stap_process_uprobes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct process_point *pt = rp->data;

		emit_sdt_marks(out, rp, pt);
		for (size_t j = 0; pt->is_function && j < pt->funcs.len; j++) {
			const struct elf_func *f = vec_at(&pt->funcs, j);

			fprintf(out, "\t{ .info = &stap_probe_infos[%d], "
				".offset = 0x%llx, .is_return = %d, .path = ",
				rp->id, (unsigned long long)f->offset,
				pt->is_return);
			emit_cstring(out, pt->path, strlen(pt->path));
			if (pt->place && pt->place->exe) {
				fputs(", .exe = ", out);
				emit_cstring(out, pt->place->exe,
					     strlen(pt->place->exe));
			}
			fputs(", .name = ", out);
			emit_cstring(out, f->name, strlen(f->name));
			if (pt->pid)
				fprintf(out, ", .pid = %lld",
					(long long)pt->pid);
			fputs(" },\n", out);
		}
	}
	fputs("};\n", out);
}

static void emit_process(FILE *out, const struct vec *rps)
{
	static const char *const events[] = {
		"STAP_PROCESS_BEGIN", "STAP_PROCESS_END",
		"STAP_THREAD_BEGIN", "STAP_THREAD_END",
	};

	fputs("static struct stap_process_probe stap_process_probes[] = {\n",
	      out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct process_point *pt = rp->data;

		if (pt->is_function || pt->is_mark)
			continue;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .event = %s, "
			".pid = %lld", rp->id, events[pt->event],
			(long long)pt->pid);
		if (pt->path) {
			fputs(", .path = ", out);
			emit_cstring(out, pt->path, strlen(pt->path));
		}
		fputs(" },\n", out);
	}
	fputs("};\n", out);
	emit_uprobes(out, rps);
	fputs("static struct stap_process_tables stap_process_all = {\n"
	      "\t.events = stap_process_probes,\n"
	      "\t.n_events = ARRAY_SIZE(stap_process_probes),\n"
	      "\t.uprobes = stap_process_uprobes,\n"
	      "\t.n_uprobes = ARRAY_SIZE(stap_process_uprobes),\n};\n", out);
}

/* $arg1..$arg12 (a long each), $$name and $$provider of .mark points:
 * the runtime's accessors (runtime/linux/uprobe.c). */
#define SDT_ARG(n) { .name = "$arg" #n, .access = TARGET_READ, \
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_sdt_arg" #n }, \
	.rule = "SDT arguments are read-only", .class = TV_OWN }
static struct target_var sdt_args[12] = {
	SDT_ARG(1), SDT_ARG(2), SDT_ARG(3), SDT_ARG(4), SDT_ARG(5),
	SDT_ARG(6), SDT_ARG(7), SDT_ARG(8), SDT_ARG(9), SDT_ARG(10),
	SDT_ARG(11), SDT_ARG(12),
};
static const struct target_var sdt_name = {
	.name = "$$name", .type = &ctype_string_type, .access = TARGET_READ,
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_sdt_name" },
	.rule = "$$name is read-only", .class = TV_OWN,
};
static const struct target_var sdt_provider = {
	.name = "$$provider", .type = &ctype_string_type,
	.access = TARGET_READ,
	.loc = { .kind = TL_ACCESSOR, .acc.read = "stap_sdt_provider" },
	.rule = "$$provider is read-only", .class = TV_OWN,
};

/* $argN exists when every marker of the point has an N-th argument in
 * a form the runtime reads. */
static const struct target_var *process_target(const struct rprobe *rp,
					       const char *name)
{
	const struct process_point *pt = rp->data;
	char *end;
	long n;

	if (pt && pt->place && pt->place->plt)
		return strcmp(name, "$$name") ? NULL : &sdt_name;
	if (pt && pt->place)
		return pt->place->dp ? dwarf_point_var(pt->place->dp, name)
				     : NULL;
	if (!pt || !pt->is_mark)
		return NULL;
	if (!strcmp(name, "$$name"))
		return &sdt_name;
	if (!strcmp(name, "$$provider"))
		return &sdt_provider;
	if (strncmp(name, "$arg", 4))
		return NULL;
	n = strtol(name + 4, &end, 10);
	if (*end || n < 1 || n > 12)
		return NULL;
	for (size_t j = 0; j < pt->marks.len; j++) {
		const struct sdt_mark *m = vec_at(&pt->marks, j);

		if (n > m->nargs || m->args[n - 1].kind == SDT_UNSUPPORTED)
			return NULL;
	}
	if (!sdt_args[n - 1].type)
		sdt_args[n - 1].type = ctype_int(8, true);
	return &sdt_args[n - 1];
}

/* The variables of a point found in DWARF, for $$vars and -L. */
static void process_target_list(const struct rprobe *rp, struct vec *out)
{
	const struct process_point *pt = rp->data;

	if (pt && pt->place && pt->place->dp)
		dwarf_point_vars(pt->place->dp, out);
	if (pt && pt->is_mark && !pt->place) {	/* upstream lists $argN */
		for (int n = 1; n <= 12; n++) {
			char name[8];
			const struct target_var *tv;

			snprintf(name, sizeof(name), "$arg%d", n);
			if (!(tv = process_target(rp, name)))
				break;
			vec_push(out, (void *)tv);
		}
	}
}

/* A .return point found in DWARF: its uretprobe's entry handler saves
 * @entry's values (elaborate/entry.c; runtime/linux/uprobe.c keeps a
 * record per task and call). */
static bool process_at_return(const struct rprobe *rp)
{
	const struct process_point *pt = rp->data;

	return pt && pt->place && pt->place->dp && pt->is_return &&
	       !pt->place->plt;
}

/* The variable as at a .return point's function entry. */
static const struct target_var *process_entry_target(const struct rprobe *rp,
						     const char *name)
{
	struct dwarf_point at;

	if (!process_at_return(rp))
		return NULL;
	at = *((const struct process_point *)rp->data)->place->dp;
	at.is_return = false;
	return dwarf_point_var(&at, name);
}

static void process_entry_target_list(const struct rprobe *rp,
				      struct vec *out)
{
	struct dwarf_point at;

	if (!process_at_return(rp))
		return;
	at = *((const struct process_point *)rp->data)->place->dp;
	at.is_return = false;
	dwarf_point_vars(&at, out);
}

/* @var without a module in a uprobe point: the probed file (the
 * library of a .library point); the runtime finds where the hit's
 * process maps it. */
static const char *process_user_module(const struct rprobe *rp)
{
	const struct process_point *pt = rp->data;

	if (!pt || !(pt->is_function || pt->is_mark))
		return NULL;
	return pt->place ? pt->place->file : pt->path;
}

static const char *const process_shapes[] = {
	"process.begin", "process.end", "process.thread.begin",
	"process.thread.end", "process(S).begin", "process(S).end",
	"process(S).thread.begin", "process(S).thread.end",
	"process(N).begin", "process(N).end", "process(N).thread.begin",
	"process(N).thread.end", "process(S).function(S)",
	"process(S).function(S).call", "process(S).function(S).return",
	"process(S).function(S).inline", "process(S).function(S).label(S)",
	"process(S).statement(S)", "process(S).statement(S).nearest",
	"process(S).plt", "process(S).plt(S)", "process(S).plt.return",
	"process(S).plt(S).return",
	"process(S).library(S).function(S)",
	"process(S).library(S).function(S).call",
	"process(S).library(S).function(S).return",
	"process(S).library(S).function(S).inline",
	"process(S).library(S).function(S).label(S)",
	"process(S).library(S).statement(S)",
	"process(S).library(S).statement(S).nearest",
	"process(S).mark(S)", "process(S).provider(S).mark(S)", NULL
};

/* uprobes for functions and marks; the process events come from the
 * task finder, which upstream calls utrace. */
static const char *process_handler_type(const struct rprobe *rp)
{
	const struct process_point *pt = rp->data;

	if (pt && (pt->is_function || pt->is_mark))
		return pt->is_return ? "uretprobe" : "uprobe";
	return "utrace";
}

const struct probe_family process_family = {
	.name = "process", .shapes = process_shapes,
	.resolve = resolve_process, .emit_table = emit_process,
	.target = process_target, .target_list = process_target_list,
	.user_module = process_user_module,
	.at_return = process_at_return,
	.entry_target = process_entry_target,
	.entry_target_list = process_entry_target_list,
	.expand = expand_process, .handler_type_of = process_handler_type,
	.runtime = "process", .arm_order = 1,
	.ops = "{ .arm = stap_process_arm, .disarm = stap_process_disarm, "
	       ".points = &stap_process_all, .n = 1 }",
};
