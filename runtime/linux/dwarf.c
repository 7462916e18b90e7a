/*
 * DWARF probe points (kernel.function, kernel.statement, module(...)):
 * a kprobe (kretprobe for .return) at a symbol + offset the translator
 * took from the debuginfo, or at an absolute address (guru mode).  The
 * kernel resolves the symbol when a probe is armed, so KASLR and module
 * load addresses are its business.  A module's points are armed when
 * the module is loaded, now or later (a module notifier), and disarmed
 * when it goes.  Handlers run in the kprobe's exception context with
 * preemption disabled, their registers in c->regs.
 *
 * The translator writes one table per family (stap_dwarf_function,
 * stap_dwarf_statement, stap_dwarf_module); arm and disarm get theirs
 * from stap_families[].
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/mutex.h>

struct stap_dwarf_probe {
	const struct stap_probe_info *info;
	const char *symbol;	/* "vfs_read", "ext4:ext4_file_open" */
	unsigned long offset;
	unsigned long addr;	/* .absolute: no symbol */
	const char *module;	/* module(...) points: armed on load */
	bool is_return;
	int maxactive;		/* -1: the kernel's default */
	bool optional;		/* skipped, not fatal, when refused */
	bool armed;
	struct kprobe kp;
	struct kretprobe krp;
};

/* The module points' tables, for the notifier. */
struct stap_dwarf_table {
	struct stap_dwarf_probe *points;
	size_t n;
};
static struct stap_dwarf_table stap_dwarf_tables[3];
static size_t stap_dwarf_ntables;
static DEFINE_MUTEX(stap_dwarf_lock);
static bool stap_dwarf_notifier_on;

static int stap_dwarf_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stap_dwarf_probe *p =
		container_of(kp, struct stap_dwarf_probe, kp);

	stap_run_probe_at(p->info, regs, (unsigned long)kp->addr);
	return 0;
}

static int stap_dwarf_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *krp = get_kretprobe(ri);
	struct stap_dwarf_probe *p;

	if (!krp)
		return 0;
	p = container_of(krp, struct stap_dwarf_probe, krp);
	stap_run_probe_return(p->info, regs,
			      p->info->entry_size ? ri->data : NULL);
	return 0;
}

/* A .return point with @entry: at the function's entry, fills the
 * instance's record; non-zero (the return not probed) when it could
 * not.  Kprobe context, as stap_dwarf_pre. */
static int stap_dwarf_entry(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct kretprobe *krp = get_kretprobe(ri);
	struct stap_dwarf_probe *p;

	if (!krp)
		return 1;
	p = container_of(krp, struct stap_dwarf_probe, krp);
	return stap_run_probe_entry(p->info, regs, ri->data) ? 0 : 1;
}

static void stap_dwarf_report(const struct stap_dwarf_probe *p, int rc,
			      const char *what)
{
	char line[512];	/* a module's path is in pp: a cut line keeps
			 * its newline */
	int n = scnprintf(line, sizeof(line),
			  "%s: cannot probe %s+%#lx (%s): error %d%s\n", what,
			  p->symbol ? p->symbol : "address", p->symbol ?
			  p->offset : p->addr, p->info->pp, rc,
			  rc == -ENOENT ? ", no such symbol in this kernel"
			  : rc == -EINVAL ? ", the kernel does not allow "
			  "probing there" : "");
	if (n == sizeof(line) - 1)
		line[n - 1] = '\n';
	stap_data_write(STAP_STREAM_STDERR, line, n);
}

/* Process context, stap_dwarf_lock held. */
static int stap_dwarf_arm_one(struct stap_dwarf_probe *p)
{
	int rc;

	if (p->is_return) {
		memset(&p->krp, 0, sizeof(p->krp));
		p->krp.kp.symbol_name = p->symbol;
		p->krp.kp.offset = p->offset;
		p->krp.handler = stap_dwarf_ret;
		if (p->info->entry_size) {
			p->krp.entry_handler = stap_dwarf_entry;
			p->krp.data_size = p->info->entry_size;
		}
		p->krp.maxactive = p->maxactive > 0 ? p->maxactive : 0;
		rc = register_kretprobe(&p->krp);
	} else {
		memset(&p->kp, 0, sizeof(p->kp));
		if (p->symbol) {
			p->kp.symbol_name = p->symbol;
			p->kp.offset = p->offset;
		} else {
			p->kp.addr = (kprobe_opcode_t *)p->addr;
		}
		p->kp.pre_handler = stap_dwarf_pre;
		rc = register_kprobe(&p->kp);
	}
	if (!rc)
		p->armed = true;
	return rc;
}

static void stap_dwarf_disarm_one(struct stap_dwarf_probe *p)
{
	if (!p->armed)
		return;
	if (p->is_return)
		unregister_kretprobe(&p->krp);
	else
		unregister_kprobe(&p->kp);
	p->armed = false;
}

/* Whether p's module is name (the kernel's '-' and '_' alike). */
static bool stap_dwarf_module_is(const struct stap_dwarf_probe *p,
				 const char *name)
{
	const char *a = p->module, *b = name;

	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') &&
				  (*b == '-' || *b == '_')))
			return false;
	return !*a && !*b;
}

/* Process context (module load and unload).  Arms a coming module's
 * points, disarms a going one's. */
static int stap_dwarf_module_event(struct notifier_block *nb,
				   unsigned long state, void *data)
{
	struct module *mod = data;
	size_t t, i;

	if (state != MODULE_STATE_COMING && state != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&stap_dwarf_lock);
	for (t = 0; t < stap_dwarf_ntables; t++)
		for (i = 0; i < stap_dwarf_tables[t].n; i++) {
			struct stap_dwarf_probe *p = &stap_dwarf_tables[t].points[i];

			if (!p->module || !stap_dwarf_module_is(p, mod->name))
				continue;
			if (state == MODULE_STATE_GOING) {
				stap_dwarf_disarm_one(p);
				continue;
			}
			if (!p->armed) {
				int rc = stap_dwarf_arm_one(p);
				if (rc)
					stap_dwarf_report(p, rc, "WARNING");
			}
		}
	mutex_unlock(&stap_dwarf_lock);
	return NOTIFY_DONE;
}

static struct notifier_block stap_dwarf_nb = {
	.notifier_call = stap_dwarf_module_event,
};

static void stap_dwarf_disarm(void *points, size_t n);

/* Process context.  All or nothing, except optional points (skipped,
 * counted in one warning) and module points whose module is not
 * loaded (armed by the notifier when it is). */
static int stap_dwarf_arm(void *points, size_t n)
{
	struct stap_dwarf_probe *pts = points;
	size_t i, skipped = 0;
	bool modules = false;
	int rc = 0;

	mutex_lock(&stap_dwarf_lock);
	for (i = 0; i < n; i++) {
		struct stap_dwarf_probe *p = &pts[i];

		modules |= p->module != NULL;
		rc = stap_dwarf_arm_one(p);
		if (rc == -ENOENT && p->module) {
			rc = 0;		/* not loaded: armed when it is */
			continue;
		}
		if (rc && p->optional) {
			if (!skipped++)
				stap_dwarf_report(p, rc, "WARNING");
			rc = 0;
			continue;
		}
		if (rc) {
			stap_dwarf_report(p, rc, "ERROR");
			break;
		}
	}
	if (!rc && modules && stap_dwarf_ntables < ARRAY_SIZE(stap_dwarf_tables)) {
		stap_dwarf_tables[stap_dwarf_ntables].points = pts;
		stap_dwarf_tables[stap_dwarf_ntables++].n = n;
	}
	mutex_unlock(&stap_dwarf_lock);
	if (rc) {
		stap_dwarf_disarm(points, n);
		return rc;
	}
	if (modules && !stap_dwarf_notifier_on) {
		rc = register_module_notifier(&stap_dwarf_nb);
		if (rc) {
			stap_dwarf_disarm(points, n);
			return rc;
		}
		stap_dwarf_notifier_on = true;
	}
	if (skipped > 1) {
		char line[120];
		int len = scnprintf(line, sizeof(line), "WARNING: %zu DWARF "
				    "probe points could not be armed and are "
				    "skipped\n", skipped);
		stap_data_write(STAP_STREAM_STDERR, line, len);
	}
	return 0;
}

/* Process context; waits for running handlers. */
static void stap_dwarf_disarm(void *points, size_t n)
{
	struct stap_dwarf_probe *pts = points;
	size_t i;

	if (stap_dwarf_notifier_on) {
		unregister_module_notifier(&stap_dwarf_nb);
		stap_dwarf_notifier_on = false;
	}
	mutex_lock(&stap_dwarf_lock);
	for (i = 0; i < n; i++)
		stap_dwarf_disarm_one(&pts[i]);
	for (i = 0; i < stap_dwarf_ntables; i++)
		if (stap_dwarf_tables[i].points == pts)
			stap_dwarf_tables[i].n = 0;
	mutex_unlock(&stap_dwarf_lock);
}
