/*
 * The target kernel's tracepoints, for kernel.trace("SYSTEM:EVENT"):
 * their system, name and prototype (argument names and C types as the
 * kernel's developers wrote them).
 *
 * They come from the trace headers of the build tree pass 4 compiles
 * against (include/trace/events/ *.h and arch/x86/include/asm/trace/
 * *.h): TRACE_SYSTEM names the system, TRACE_EVENT / DEFINE_EVENT /
 * DECLARE_EVENT_CLASS / DECLARE_TRACE the events and their TP_PROTO.
 * BTF has the types but neither the system nor (on 6.1) per-event
 * names, and the headers are what the module is built against anyway.
 * The headers are indexed once per build tree and the index cached on
 * disk (<cache>/tracepoints/RELEASE-IDENT, IDENT a hash of the header
 * directory and its files' sizes and times), so a warm pass 2 reads
 * one small file.
 */
#ifndef STAP_TRACEPOINTS_H
#define STAP_TRACEPOINTS_H

#include "session.h"

/* One argument of a tracepoint's TP_PROTO. */
struct tp_arg {
	const char *name;	/* "prev" */
	const char *type;	/* "struct task_struct *", as written minus
				 * qualifiers (const, __user ...) */
};

/* One tracepoint. */
struct tp_event {
	const char *system;	/* "sched" */
	const char *name;	/* "sched_switch" */
	const char *full;	/* "sched:sched_switch" */
	size_t nargs;
	struct tp_arg *args;
};

struct tp_index;

/* The target's tracepoints (indexed or loaded from the cache on the
 * first call); NULL when the build tree has no trace headers,
 * tracepoints_missing_reason() then says why. */
const struct tp_index *target_tracepoints(struct session *s);
const char *tracepoints_missing_reason(struct session *s);

/* Appends to out the events (const struct tp_event *, sorted by
 * "system:name", each once) whose system matches the fnmatch(3)
 * pattern sys (NULL: any) and whose name matches pattern name. */
void tp_match(const struct tp_index *ix, const char *sys, const char *name,
	      struct vec *out);

/* Every "system:name", for "did you mean". */
const struct vec *tp_names(const struct tp_index *ix);

/* The arguments of one TP_PROTO's text ("struct task_struct *p, int
 * x"), parsed; exposed for the index's tests. */
size_t tp_parse_proto(const char *text, size_t len, struct tp_arg **out);

#endif
