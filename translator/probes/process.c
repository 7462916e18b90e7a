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
 * the same paths: testsuite/vm/stap-vm).  The other process probe
 * points (.function, .mark, .plt, .statement, .syscall, .library) are
 * reported as not supported yet.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "probes.h"
#include "util/diag.h"
#include "util/cstring.h"

/* What a point waits for; the runtime's enum stap_process_event has
 * the same values. */
enum process_event { PE_BEGIN, PE_END, PE_THREAD_BEGIN, PE_THREAD_END };

/* One process point: the event, and which processes: path (absolute,
 * resolved) or pid, or neither for all. */
struct process_point {
	enum process_event event;
	char *path;
	int64_t pid;
};

/* The absolute path of program name as a shell would find it, or NULL
 * (errno set). */
static char *find_program(const char *name)
{
	char buf[PATH_MAX];

	if (strchr(name, '/')) {
		if (!realpath(name, buf))
			return NULL;
		if (access(buf, X_OK) != 0)
			return NULL;
		return xstrdup(buf);
	}
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

/* The target of process(ARG): a program path, a pid, or nothing. */
static bool resolve_target(struct pp_comp *c, struct process_point *pt)
{
	if (!c->arg)
		return true;
	if (c->arg->kind == E_NUM)
		return pp_num_arg(c, 1, INT32_MAX, &pt->pid);
	if (!c->arg->len) {
		diag_error(c->arg->loc, "process(\"\") needs a program path");
		return false;
	}
	pt->path = find_program(c->arg->str);
	if (!pt->path) {
		diag_error(c->arg->loc, "cannot find executable '%s' (%s)%s",
			   c->arg->str, strerror(errno),
			   strchr(c->arg->str, '/') ? "" :
			   ": not found in $PATH");
		return false;
	}
	return true;
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
			   ".thread.end; .function, .mark, .plt and "
			   ".statement need uprobes, not built yet)",
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

static bool resolve_process(struct rprobe *rp)
{
	struct process_point *pt = xcalloc(1, sizeof(*pt));

	rp->data = pt;
	return resolve_event(rp, pt) &&
	       resolve_target(pp_comp_at(rp->pp, 0), pt);
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
}

static const char *const process_shapes[] = {
	"process.begin", "process.end", "process.thread.begin",
	"process.thread.end", "process(S).begin", "process(S).end",
	"process(S).thread.begin", "process(S).thread.end",
	"process(N).begin", "process(N).end", "process(N).thread.begin",
	"process(N).thread.end", NULL
};

const struct probe_family process_family = {
	.name = "process", .shapes = process_shapes,
	.resolve = resolve_process, .emit_table = emit_process,
	.runtime = "process", .arm_order = 1,
	.ops = "{ .arm = stap_process_arm, .disarm = stap_process_disarm, "
	       ".points = stap_process_probes, "
	       ".n = ARRAY_SIZE(stap_process_probes) }",
};
