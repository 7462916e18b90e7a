// SPDX-License-Identifier: GPL-2.0
/*
 * bench/trace's hand-written tracepoint handler: what a kernel
 * developer would write to count the hits of raw_syscalls:sys_enter, to
 * compare a kernel.trace probe with.  insmod bench_trace.ko finds the
 * tracepoint and registers a handler that counts; rmmod unregisters it,
 * waits for running handlers and logs the count.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

static struct tracepoint *bench_tp;	/* raw_syscalls:sys_enter */
static unsigned long bench_hits;

static void bench_hit(void *data, struct pt_regs *regs, long id)
{
	bench_hits++;
}

static void bench_find(struct tracepoint *tp, void *priv)
{
	if (strcmp(tp->name, "sys_enter") == 0)
		bench_tp = tp;
}

static int __init bench_init(void)
{
	for_each_kernel_tracepoint(bench_find, NULL);
	if (!bench_tp)
		return -ENOENT;
	return tracepoint_probe_register(bench_tp, bench_hit, NULL);
}

static void __exit bench_exit(void)
{
	tracepoint_probe_unregister(bench_tp, bench_hit, NULL);
	tracepoint_synchronize_unregister();
	pr_info("bench_trace: %lu hits\n", bench_hits);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
