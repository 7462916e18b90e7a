/*
 * kernel.trace probes: a probe function registered on a kernel
 * tracepoint with tracepoint_probe_register().
 *
 * The kernel's own tracepoints are found at arm time with
 * for_each_kernel_tracepoint(); a module's, through the tracepoint
 * module notifier, which also reports the modules already loaded when
 * it is registered, and those loaded later (a point on a module's
 * tracepoint is armed while that module is there, disarmed when it
 * goes).  The probe functions are the translator's stap_trace_thunkN
 * (one per arity, written with the table): they take the N arguments
 * as u64 slots and pass them to the hit, where target variables read
 * them from c->probe_data (a TL_ARGUMENT location); the slot before the
 * first holds the point itself ($$name, $$system).
 *
 * Tracepoint probes run with preemption disabled (or in an RCU read
 * section on -rt), in any context the tracepoint fires in, irqs and
 * NMIs included; stap_run_probe_data() copes with all of them.
 */
#include <linux/tracepoint.h>
#include <linux/module.h>
#include <linux/mutex.h>

/* One kernel.trace point.  core: a tracepoint of the kernel itself,
 * which must exist at start; otherwise a module's, armed when it is
 * loaded.  optional: from a wildcard, skipped if the kernel refuses
 * it.  tp: the tracepoint it is registered on, or NULL; mod: its
 * module (NULL for the kernel's). */
struct stap_trace_probe {
	const struct stap_probe_info *info;
	const char *name;
	const char *system;
	void *fn;
	bool core;
	bool optional;
	struct tracepoint *tp;
	struct module *mod;
};

/* The table and the state the module notifier works on; under
 * stap_trace_mutex (taken inside the kernel's tracepoint module list
 * mutex when the notifier calls). */
static DEFINE_MUTEX(stap_trace_mutex);
static struct stap_trace_probe *stap_trace_table;
static size_t stap_trace_n;
static bool stap_trace_notifier_on;
static int stap_trace_first_error;

/* The probe path: the hit with its arguments. */
static __always_inline void stap_trace_hit(void *data, u64 *args)
{
	struct stap_trace_probe *p = data;

	stap_run_probe_data(p->info, STAP_SESSION_RUNNING, args);
}

/* $$name and $$system: the point sits in the slot before the hit's
 * arguments (the translator's thunks put it there). */
static inline const struct stap_trace_probe *stap_trace_point(struct context *c)
{
	const u64 *args = c->probe_data;

	return (const struct stap_trace_probe *)(uintptr_t)args[-1];
}

static inline const char *stap_trace_name(struct context *c)
{
	return stap_trace_point(c)->name;
}

static inline const char *stap_trace_system(struct context *c)
{
	return stap_trace_point(c)->system;
}

static void stap_trace_report(const struct stap_trace_probe *p, int rc,
			      const char *why)
{
	char line[200];
	int n = scnprintf(line, sizeof(line), "ERROR: cannot probe tracepoint "
			  "'%s' (%s): %s%d\n", p->name, p->info->pp, why,
			  rc);
	stap_data_write(STAP_STREAM_STDERR, line, n);
}

/* Registers p on tp.  Process context, under stap_trace_mutex. */
static int stap_trace_register(struct stap_trace_probe *p,
			       struct tracepoint *tp, struct module *mod)
{
	int rc = tracepoint_probe_register(tp, p->fn, p);

	if (rc) {
		if (!p->optional)
			stap_trace_report(p, rc, "the kernel refused it, "
					  "error ");
		return p->optional ? 0 : rc;
	}
	p->tp = tp;
	p->mod = mod;
	return 0;
}

static void stap_trace_unregister(struct stap_trace_probe *p)
{
	tracepoint_probe_unregister(p->tp, p->fn, p);
	p->tp = NULL;
	p->mod = NULL;
}

/* Registers the points on tracepoint tp (of module mod, or NULL). */
static void stap_trace_found(struct tracepoint *tp, struct module *mod)
{
	size_t i;

	for (i = 0; i < stap_trace_n; i++) {
		struct stap_trace_probe *p = &stap_trace_table[i];
		int rc;

		if (p->tp || strcmp(p->name, tp->name) != 0)
			continue;
		rc = stap_trace_register(p, tp, mod);
		if (rc && !stap_trace_first_error)
			stap_trace_first_error = rc;
	}
}

static void stap_trace_core(struct tracepoint *tp, void *priv)
{
	stap_trace_found(tp, NULL);
}

/* A module with tracepoints comes or goes.  Process context, under
 * the kernel's tracepoint module list mutex. */
static int stap_trace_module(struct notifier_block *nb, unsigned long val,
			     void *data)
{
	struct tp_module *tm = data;
	struct module *mod = tm->mod;
	unsigned int i;
	size_t j;

	mutex_lock(&stap_trace_mutex);
	if (!stap_trace_notifier_on)
		goto out;
	if (val == MODULE_STATE_COMING) {
		for (i = 0; i < mod->num_tracepoints; i++)
			stap_trace_found(tracepoint_ptr_deref(
				&mod->tracepoints_ptrs[i]), mod);
	} else if (val == MODULE_STATE_GOING) {
		for (j = 0; j < stap_trace_n; j++)
			if (stap_trace_table[j].tp &&
			    stap_trace_table[j].mod == mod)
				stap_trace_unregister(&stap_trace_table[j]);
	}
out:
	mutex_unlock(&stap_trace_mutex);
	return NOTIFY_OK;
}

static struct notifier_block stap_trace_nb = {
	.notifier_call = stap_trace_module,
};

static void stap_trace_disarm(void *points, size_t n);

/* Process context.  All or nothing, but for the points a wildcard
 * made, which the kernel may refuse. */
static int stap_trace_arm(void *points, size_t n)
{
	bool modules = false;
	size_t i;
	int rc;

	mutex_lock(&stap_trace_mutex);
	stap_trace_table = points;
	stap_trace_n = n;
	stap_trace_first_error = 0;
	for_each_kernel_tracepoint(stap_trace_core, NULL);
	rc = stap_trace_first_error;
	for (i = 0; !rc && i < n; i++) {
		struct stap_trace_probe *p = &stap_trace_table[i];

		if (!p->tp && p->core && !p->optional) {
			stap_trace_report(p, -ENOENT, "the kernel has no such "
					  "tracepoint, error ");
			rc = -ENOENT;
		}
		modules |= !p->tp && !p->core;
	}
	stap_trace_notifier_on = !rc && modules;
	mutex_unlock(&stap_trace_mutex);
	if (!rc && modules) {
		rc = register_tracepoint_module_notifier(&stap_trace_nb);
		mutex_lock(&stap_trace_mutex);
		if (rc)
			stap_trace_notifier_on = false;
		else
			rc = stap_trace_first_error;
		mutex_unlock(&stap_trace_mutex);
	}
	if (rc)
		stap_trace_disarm(points, n);
	return rc;
}

/* Process context; waits for running probe functions. */
static void stap_trace_disarm(void *points, size_t n)
{
	bool notifier;
	size_t i;

	mutex_lock(&stap_trace_mutex);
	notifier = stap_trace_notifier_on;
	/* a module's point first, while the notifier keeps the module
	 * from going */
	for (i = 0; i < n; i++) {
		struct stap_trace_probe *p = (struct stap_trace_probe *)points + i;

		if (p->tp)
			stap_trace_unregister(p);
	}
	stap_trace_notifier_on = false;
	mutex_unlock(&stap_trace_mutex);
	if (notifier)
		unregister_tracepoint_module_notifier(&stap_trace_nb);
	tracepoint_synchronize_unregister();
}
