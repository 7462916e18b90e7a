/*
 * The table entries a generated module declares for each probe family
 * (the families' code is in linux/<family>.c, included by runtime_main.c).
 */
#ifndef STAP_PROBE_TYPES_H
#define STAP_PROBE_TYPES_H

#include <linux/kprobes.h>
#include <linux/random.h>
#include <linux/cpu.h>
#include <linux/math64.h>

/* begin / end: run once, in table order. */
struct stap_once_probe {
	const struct stap_probe_info *info;
};

/* timer.*: fires every period_ns (+- randomize_ns); per_cpu (timer.profile):
 * on every CPU. */
struct stap_timer_cpu {
	struct hrtimer timer;
	struct stap_timer_probe *probe;
	bool armed;
};

struct stap_timer_probe {
	const struct stap_probe_info *info;
	u64 period_ns;
	u64 randomize_ns;
	bool per_cpu;
	struct hrtimer timer;
	struct stap_timer_cpu __percpu *cpus;
	bool armed;
};

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

#endif
