/*
 * kprobe.function probes: a kprobe (or kretprobe for .return) on a
 * symbol name.  Handlers run in the kprobe's exception context with
 * preemption disabled; stap_run_probe_at() handles the rest, the
 * registers in c->regs.  The module's table is stap_kprobes[]; arm and
 * disarm get it from stap_families[].
 */
#include <linux/kprobes.h>

/* kprobe.function("sym")[.return]; optional: made from a wildcard, so
 * a failure to arm it skips it instead of failing the run. */
struct stap_kprobe {
	const struct stap_probe_info *info;
	const char *symbol;
	bool is_return;
	bool optional;
	bool armed;
	struct kprobe kp;
	struct kretprobe krp;
};

static int stap_kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct stap_kprobe *p = container_of(kp, struct stap_kprobe, kp);

	stap_run_probe_at(p->info, regs, (unsigned long)kp->addr);
	return 0;
}

static int stap_kretprobe_ret(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct kretprobe *krp = get_kretprobe(ri);
	struct stap_kprobe *p;

	if (!krp)
		return 0;
	p = container_of(krp, struct stap_kprobe, krp);
	stap_run_probe_return(p->info, regs,
			      p->info->entry_size ? ri->data : NULL);
	return 0;
}

/* A .return probe with @entry: at the function's entry, fills the
 * instance's record; non-zero (the return not probed) when it could
 * not.  Kprobe context. */
static int stap_kretprobe_entry(struct kretprobe_instance *ri,
				struct pt_regs *regs)
{
	struct kretprobe *krp = get_kretprobe(ri);
	struct stap_kprobe *p;

	if (!krp)
		return 1;
	p = container_of(krp, struct stap_kprobe, krp);
	return stap_run_probe_entry(p->info, regs, ri->data) ? 0 : 1;
}

/* Writes why a probe could not be armed to stderr. */
static void stap_kprobe_report(const struct stap_kprobe *p, int rc)
{
	char line[200];
	int n = scnprintf(line, sizeof(line),
			  "ERROR: cannot probe kernel function '%s' (%s) "
			  STAP_MAN_HINT("warning::pass5") ": error %d%s\n", p->symbol, p->info->pp, rc,
			  rc == -ENOENT ? ", no such symbol in this kernel"
			  : rc == -EINVAL ? ", the kernel does not allow "
			  "probing it" : "");
	stap_data_write(STAP_STREAM_STDERR, line, n);
}

/* Writes how many probes from wildcards could not be armed. */
static void stap_kprobe_report_skipped(const struct stap_kprobe *first,
				       int rc, size_t skipped)
{
	char line[200];
	int n = scnprintf(line, sizeof(line),
			  "WARNING: %zu kernel function%s matched by a "
			  "wildcard could not be probed and %s skipped "
			  STAP_MAN_HINT("warning::pass5")
			  " (first: '%s', error %d)\n", skipped,
			  skipped == 1 ? "" : "s",
			  skipped == 1 ? "is" : "are", first->symbol, rc);
	stap_data_write(STAP_STREAM_STDERR, line, n);
}

static void stap_kprobe_disarm(void *points, size_t n);

/* Process context.  All or nothing, except for the probes a wildcard
 * made: a probe that fails undoes the rest, an optional one is skipped. */
static int stap_kprobe_arm(void *points, size_t n)
{
	const struct stap_kprobe *first_skipped = NULL;
	size_t i, skipped = 0;
	int rc, first_rc = 0;

	for (i = 0; i < n; i++) {
		struct stap_kprobe *p = (struct stap_kprobe *)points + i;

		if (p->is_return) {
			memset(&p->krp, 0, sizeof(p->krp));
			p->krp.kp.symbol_name = p->symbol;
			p->krp.handler = stap_kretprobe_ret;
			if (p->info->entry_size) {
				p->krp.entry_handler = stap_kretprobe_entry;
				p->krp.data_size = p->info->entry_size;
			}
			p->krp.maxactive = 0;	/* the kernel's default */
			rc = register_kretprobe(&p->krp);
		} else {
			memset(&p->kp, 0, sizeof(p->kp));
			p->kp.symbol_name = p->symbol;
			p->kp.pre_handler = stap_kprobe_pre;
			rc = register_kprobe(&p->kp);
		}
		if (rc && p->optional) {
			if (!skipped++) {
				first_skipped = p;
				first_rc = rc;
			}
			continue;
		}
		if (rc) {
			stap_kprobe_report(p, rc);
			stap_kprobe_disarm(points, n);
			return rc;
		}
		p->armed = true;
	}
	if (skipped)
		stap_kprobe_report_skipped(first_skipped, first_rc, skipped);
	return 0;
}

/* Process context; waits for running handlers. */
static void stap_kprobe_disarm(void *points, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct stap_kprobe *p = (struct stap_kprobe *)points + i;

		if (!p->armed)
			continue;
		if (p->is_return)
			unregister_kretprobe(&p->krp);
		else
			unregister_kprobe(&p->kp);
		p->armed = false;
	}
}
