/*
 * system(): commands a script asks stapio to run, on the control
 * channel (SYSTEM messages, with STAP_CTL_FEAT_SYSTEM; see
 * doc/protocol-control.md).  A probe only copies its command into a
 * small queue; ctl.c's tick, and STOP before it answers STOPPED, turn
 * the queue into messages, so a command runs after the probe that
 * asked for it, and an end probe's commands reach stapio before
 * STOPPED.
 *
 * Locking: stap_system_q.lock (a raw spinlock, taken with trylock from
 * probe context, irqs off) guards the slots; stap_system_mutex keeps
 * two drains (the tick and STOP) from reordering commands.
 *
 * This file is #included into the generated module after ctl.c.
 */
#include <linux/spinlock.h>

#define STAP_SYSTEM_SLOTS 8

/* A ring of commands waiting for a drain: head is the oldest. */
static struct {
	raw_spinlock_t lock;
	unsigned int head, count;
	unsigned int dropped;	/* queue full or busy: not run */
	char cmd[STAP_SYSTEM_SLOTS][MAXSTRINGLEN];
} stap_system_q = { .lock = __RAW_SPIN_LOCK_UNLOCKED(stap_system_q.lock) };

static DEFINE_MUTEX(stap_system_mutex);

/*
 * Queues cmd for stapio.  Context: any (probe context, irqs maybe
 * off); never blocks.  Returns 0, or -EBUSY when the command was
 * dropped (counted; the next drain warns).
 */
int stap_transport_system(const char *cmd)
{
	unsigned long flags;
	int rc = 0;

	if (!raw_spin_trylock_irqsave(&stap_system_q.lock, flags))
		return -EBUSY;	/* another cpu is queueing: rare */
	if (stap_system_q.count == STAP_SYSTEM_SLOTS) {
		stap_system_q.dropped++;
		rc = -EBUSY;
	} else {
		unsigned int i = (stap_system_q.head + stap_system_q.count) %
				 STAP_SYSTEM_SLOTS;

		strscpy(stap_system_q.cmd[i], cmd, MAXSTRINGLEN);
		stap_system_q.count++;
	}
	raw_spin_unlock_irqrestore(&stap_system_q.lock, flags);
	return rc;
}

/* Takes the oldest command into buf; false when none is queued.
 * Context: process. */
static bool stap_system_pop(char *buf, unsigned int *dropped)
{
	unsigned long flags;
	bool any = false;

	raw_spin_lock_irqsave(&stap_system_q.lock, flags);
	*dropped = stap_system_q.dropped;
	stap_system_q.dropped = 0;
	if (stap_system_q.count) {
		memcpy(buf, stap_system_q.cmd[stap_system_q.head],
		       MAXSTRINGLEN);
		stap_system_q.head = (stap_system_q.head + 1) %
				     STAP_SYSTEM_SLOTS;
		stap_system_q.count--;
		any = true;
	}
	raw_spin_unlock_irqrestore(&stap_system_q.lock, flags);
	return any;
}

/* A warning on the script's stderr stream.  Context: process. */
static void stap_system_warn(const char *fmt, ...)
{
	char line[MAXSTRINGLEN + 96];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	preempt_disable();	/* stap_data_write() wants its cpu fixed */
	stap_data_write(STAP_STREAM_STDERR, line, n);
	preempt_enable();
}

/*
 * Sends every queued command as a SYSTEM message (blob: the command),
 * or, to a stapio without STAP_CTL_FEAT_SYSTEM, warns that it was not
 * run.  Context: process, may sleep.
 */
static void stap_system_drain(void)
{
	unsigned char *buf;
	unsigned int dropped;
	struct stap_ctl_enc e;
	char *cmd;

	if (!READ_ONCE(stap_system_q.count) && !READ_ONCE(stap_system_q.dropped))
		return;
	buf = kmalloc(STAP_CTL_HDR_SIZE + 8 + 2 * MAXSTRINGLEN, GFP_KERNEL);
	if (!buf)
		return;		/* the commands wait for the next tick */
	cmd = buf + STAP_CTL_HDR_SIZE + 8 + MAXSTRINGLEN;
	mutex_lock(&stap_system_mutex);
	while (stap_system_pop(cmd, &dropped)) {
		if (dropped)
			stap_system_warn("WARNING: system(): %u command(s) "
					 "not run: more than %d queued at "
					 "once\n", dropped, STAP_SYSTEM_SLOTS);
		if (!(stap_ctl_features & STAP_CTL_FEAT_SYSTEM)) {
			stap_system_warn("WARNING: system(\"%s\") not run: "
					 "this stapio cannot run commands\n",
					 cmd);
			continue;
		}
		stap_ctl_enc_init(&e, buf, STAP_CTL_HDR_SIZE + 8 +
					   MAXSTRINGLEN);
		stap_ctl_enc_begin(&e, STAP_CTL_SYSTEM);
		stap_ctl_enc_blob(&e, cmd, strlen(cmd));
		stap_ctl_enc_end(&e);
		stap_ctl_send(&e);
	}
	if (dropped)
		stap_system_warn("WARNING: system(): %u command(s) not run: "
				 "more than %d queued at once\n", dropped,
				 STAP_SYSTEM_SLOTS);
	mutex_unlock(&stap_system_mutex);
	kfree(buf);
}
