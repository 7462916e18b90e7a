/*
 * A test module for the module<->stapio transport: the real transport
 * (runtime/transport/ctl.c and data.c, included as the generated modules
 * include them) with a fake runtime core in place of runtime/core.c.
 *
 * START runs a "begin probe" that writes one text record and one binary
 * record (with NUL and 0xff bytes), then starts one kthread per online
 * CPU.  Each kthread writes nrec records "cpu<C> <i>\n" to stdout (every
 * 100th also "err cpu<C> <i>\n" to stderr), in bursts of `burst` records
 * with preemption disabled, sleeping ~1 ms between bursts.  When all
 * kthreads are done and exit_after is set, the last one calls
 * stap_transport_request_exit() with preemption disabled, as a probe
 * calling exit() would.  STOP stops the kthreads and writes "end\n"
 * (the "end probe").  The exit status is the `status` parameter.
 *
 * Parameters: nrec, burst (large = flood, to provoke drops), exit_after,
 * status, start_rc (a nonzero -errno makes START fail).
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "runtime/transport/transport.h"
#include "runtime/transport/ctl.c"
#include "runtime/transport/data.c"

static unsigned int nrec = 1000;
module_param(nrec, uint, 0444);
static unsigned int burst = 10;
module_param(burst, uint, 0444);
static int exit_after = 1;
module_param(exit_after, int, 0444);
static int status;
module_param(status, int, 0444);
static int start_rc;
module_param(start_rc, int, 0444);

static struct task_struct **fx_threads;
static atomic_t fx_remaining;

/* A "probe": preemption disabled, the only writer on this CPU. */
static __printf(2, 3) void fx_print(enum stap_stream stream, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	preempt_disable();
	stap_data_write(stream, buf, min_t(int, n, sizeof(buf) - 1));
	preempt_enable();
}

static int fx_thread(void *arg)
{
	unsigned int cpu = (unsigned long)arg;
	unsigned int i;

	for (i = 0; i < nrec && !kthread_should_stop(); i++) {
		fx_print(STAP_STREAM_STDOUT, "cpu%u %u\n", cpu, i);
		if (i % 100 == 0)
			fx_print(STAP_STREAM_STDERR, "err cpu%u %u\n", cpu, i);
		if (burst && (i + 1) % burst == 0)
			usleep_range(1000, 2000);
	}
	if (atomic_dec_and_test(&fx_remaining) && exit_after) {
		preempt_disable();
		stap_transport_request_exit();
		preempt_enable();
	}
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static void fx_stop_threads(void)
{
	unsigned int cpu;

	if (!fx_threads)
		return;
	for_each_possible_cpu(cpu)
		if (fx_threads[cpu])
			kthread_stop(fx_threads[cpu]);
	kfree(fx_threads);
	fx_threads = NULL;
}

int stap_core_start(void)
{
	static const char bin[] = "bin\0\x01\xff\n";
	struct task_struct *t;
	unsigned int cpu;

	if (start_rc)
		return start_rc;
	fx_print(STAP_STREAM_STDOUT, "begin\n");
	preempt_disable();
	stap_data_write(STAP_STREAM_STDOUT, bin, sizeof(bin) - 1);
	preempt_enable();

	fx_threads = kcalloc(nr_cpu_ids, sizeof(*fx_threads), GFP_KERNEL);
	if (!fx_threads)
		return -ENOMEM;
	atomic_set(&fx_remaining, num_online_cpus());
	for_each_online_cpu(cpu) {
		t = kthread_create(fx_thread, (void *)(unsigned long)cpu,
				   "stap_fx/%u", cpu);
		if (IS_ERR(t)) {
			fx_stop_threads();
			return PTR_ERR(t);
		}
		kthread_bind(t, cpu);
		fx_threads[cpu] = t;
		wake_up_process(t);
	}
	return 0;
}

void stap_core_stop(void)
{
	fx_stop_threads();
	fx_print(STAP_STREAM_STDOUT, "end\n");
}

int stap_core_exit_status(void)
{
	return status;
}

static int __init fx_init(void)
{
	return stap_transport_init();
}

static void __exit fx_exit(void)
{
	stap_transport_exit();
	fx_stop_threads();
}

module_init(fx_init);
module_exit(fx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stap transport test fixture");
