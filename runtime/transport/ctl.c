/*
 * The control channel, /proc/<module>/ctl, and the session it drives.
 * The message layout and codec are in runtime/uapi/ctl_proto.h; the prose,
 * with the order of the exchange, is doc/protocol-control.md.
 *
 * The file is organised as: the outgoing queue (messages waiting for
 * stapio's read), the handlers of incoming messages and their table,
 * the proc file operations, the tick that turns probe-context requests
 * into messages and wake-ups, and transport init/exit.
 *
 * Locking: stap_ctl_mutex serialises incoming messages with release, so
 * stap_core_start()/stap_core_stop() run one at a time and at most once
 * each.  stap_ctl_q.lock protects the outgoing queue.  Probe context
 * touches neither: stap_transport_request_exit() only sets a flag that
 * the tick (a delayed work, process context) acts upon.
 *
 * This file is #included into the generated module (see transport.h).
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>
#include <linux/cred.h>
#include "internal.h"

#define STAP_TICK_MS 10

static struct proc_dir_entry *stap_ctl_dir;
static DEFINE_MUTEX(stap_ctl_mutex);
static atomic_t stap_ctl_opened = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(stap_ctl_wait);
static struct delayed_work stap_ctl_tick_work;

/* Negotiated with HELLO; valid while the ctl file is open. */
static u32 stap_ctl_version = 1;
static u64 stap_ctl_features;

/* Set from any context by stap_transport_request_exit(). */
static int stap_exit_requested;
static int stap_exit_sent;	/* tick; START while detached resets it */
static int stap_core_running;	/* under stap_ctl_mutex */
/* DETACH received: closing ctl leaves the session running (flight
 * recorder); the next START attaches.  Under stap_ctl_mutex; the tick
 * reads it to hold REQUEST_EXIT back while nobody is attached. */
static int stap_ctl_detached;
static int stap_target_pid;	/* from START */

/* The core's counts at its stop (stap_transport_report_counts()). */
static u64 stap_end_errors, stap_end_skipped;

/* ---- outgoing queue ---- */

/* Whole messages, oldest first, waiting for read(). */
static struct {
	struct mutex lock;
	char *buf;
	size_t len, cap;
} stap_ctl_q = { .lock = __MUTEX_INITIALIZER(stap_ctl_q.lock) };

/*
 * Appends the messages in e to the queue and wakes the reader.
 * Context: process, may sleep.
 */
static int stap_ctl_send(const struct stap_ctl_enc *e)
{
	char *nbuf;
	size_t ncap;
	int rc = 0;

	if (e->overflow)
		return -EMSGSIZE;
	mutex_lock(&stap_ctl_q.lock);
	if (e->len > stap_ctl_q.cap - stap_ctl_q.len) {
		ncap = max(stap_ctl_q.cap * 2, stap_ctl_q.len + e->len);
		nbuf = krealloc(stap_ctl_q.buf, ncap, GFP_KERNEL);
		if (!nbuf) {
			rc = -ENOMEM;
			goto out_unlock;
		}
		stap_ctl_q.buf = nbuf;
		stap_ctl_q.cap = ncap;
	}
	memcpy(stap_ctl_q.buf + stap_ctl_q.len, e->buf, e->len);
	stap_ctl_q.len += e->len;
	wake_up_interruptible(&stap_ctl_wait);
out_unlock:
	mutex_unlock(&stap_ctl_q.lock);
	return rc;
}

/* Sends a message of n words.  Context: process. */
static int stap_ctl_send_words(u32 type, const u64 *w, unsigned int n)
{
	unsigned char buf[STAP_CTL_HDR_SIZE + 8 * 8];
	struct stap_ctl_enc e;
	unsigned int i;

	stap_ctl_enc_init(&e, buf, sizeof(buf));
	stap_ctl_enc_begin(&e, type);
	for (i = 0; i < n; i++)
		stap_ctl_enc_word(&e, w[i]);
	stap_ctl_enc_end(&e);
	return stap_ctl_send(&e);
}

/* ---- the session ---- */

/*
 * Ends the session once: stops the core if it runs, then marks the data
 * channel stopped so that readers get end-of-file after draining.
 * Context: process, under stap_ctl_mutex.
 */
static void stap_ctl_stop_session(void)
{
	if (stap_core_running) {
		stap_core_stop();
		stap_core_running = 0;
	}
	smp_store_release(&stap_session.stopped, 1);
	wake_up_interruptible_all(&stap_data_wait);
}

/*
 * The core reports its error and skipped-probe counts when it stops.
 * From protocol version 2 on they travel in STOPPED and stapio prints
 * the warning; a version 1 stapio expects the module to print it, as a
 * stderr record after the end probes' output.
 * Context: process, under stap_ctl_mutex (the core stops only from
 * stap_ctl_stop_session()) or at module exit.
 */
void stap_transport_report_counts(unsigned int errors, unsigned int skipped)
{
	char line[96];
	int n;

	stap_end_errors = errors;
	stap_end_skipped = skipped;
	if (stap_ctl_version >= 2 || (!errors && !skipped))
		return;
	n = scnprintf(line, sizeof(line),
		      "WARNING: Number of errors: %u, skipped probes: %u\n",
		      errors, skipped);
	preempt_disable();	/* stap_data_write() wants its cpu fixed */
	stap_data_write(STAP_STREAM_STDERR, line, n);
	preempt_enable();
}

/* ---- incoming messages; each handler runs under stap_ctl_mutex ---- */

static int stap_ctl_on_hello(struct stap_ctl_msg *m)
{
	static const char name[] = KBUILD_MODNAME;
	unsigned char buf[STAP_CTL_HDR_SIZE + 6 * 8 + sizeof(name) + 8];
	u64 peer_version = stap_ctl_word(m);
	u64 peer_features = stap_ctl_word(m);
	struct stap_ctl_enc e;

	if (peer_version == 0)
		peer_version = 1;
	stap_ctl_version = min_t(u64, peer_version, STAP_CTL_PROTO_VERSION);
	stap_ctl_features = peer_features & STAP_CTL_FEATURES;

	stap_ctl_enc_init(&e, buf, sizeof(buf));
	stap_ctl_enc_begin(&e, STAP_CTL_HELLO);
	stap_ctl_enc_word(&e, STAP_CTL_PROTO_VERSION);
	stap_ctl_enc_word(&e, STAP_CTL_FEATURES);
	stap_ctl_enc_word(&e, nr_cpu_ids);
	stap_ctl_enc_word(&e, stap_data_buffer_size());
	stap_ctl_enc_blob(&e, name, sizeof(name) - 1);
	stap_ctl_enc_end(&e);
	return stap_ctl_send(&e);
}

static int stap_ctl_on_start(struct stap_ctl_msg *m)
{
	u64 pid = stap_ctl_word(m);
	u64 word[2] = { 0, 1 };		/* rc, next_seq */
	s64 core_rc;
	int rc;

	if (stap_ctl_detached && READ_ONCE(stap_session.started) &&
	    !stap_session.stopped) {
		/* attach: the session runs on; an exit() while nobody was
		 * attached is sent after STARTED, so the tick, which leaves
		 * stap_exit_sent alone while detached, is let go after it */
		u64 started[2] = { 0, 0 };

		stap_data_set_overwrite(0);
		started[1] = stap_data_next_seq();
		rc = stap_ctl_send_words(STAP_CTL_STARTED, started, 2);
		stap_exit_sent = 0;
		smp_store_release(&stap_ctl_detached, 0);
		return rc;
	}
	if (READ_ONCE(stap_session.started) || stap_session.stopped) {
		core_rc = -EALREADY;
	} else {
		WRITE_ONCE(stap_target_pid, (int)pid);
		core_rc = stap_core_start();
		stap_core_running = (core_rc == 0);
	}
	word[0] = (u64)core_rc;
	rc = stap_ctl_send_words(STAP_CTL_STARTED, word, 2);
	/* Only now may the tick send REQUEST_EXIT: it follows STARTED. */
	WRITE_ONCE(stap_session.started, 1);
	return rc;
}

static int stap_ctl_on_stop(struct stap_ctl_msg *m)
{
	struct stap_ctl_enc e;
	unsigned int cpu, nlost = 0;
	u64 total = 0;
	size_t cap;
	void *buf;
	int rc;

	if (stap_ctl_detached) {	/* a STOP without attaching first */
		smp_store_release(&stap_ctl_detached, 0);
		stap_data_set_overwrite(0);
	}
	stap_ctl_stop_session();
	stap_system_drain();	/* the end probes' commands, before STOPPED */
	for_each_possible_cpu(cpu) {
		total += stap_data_lost(cpu);
		nlost += stap_data_lost(cpu) != 0;
	}
	cap = STAP_CTL_HDR_SIZE + 8 * (4 + 2 * nlost + 2);
	buf = kmalloc(cap, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	stap_ctl_enc_init(&e, buf, cap);
	stap_ctl_enc_begin(&e, STAP_CTL_STOPPED);
	stap_ctl_enc_word(&e, (u64)(s64)stap_core_exit_status());
	stap_ctl_enc_word(&e, total);
	stap_ctl_enc_word(&e, stap_data_last_seq());
	stap_ctl_enc_word(&e, nlost);
	for_each_possible_cpu(cpu) {
		if (!stap_data_lost(cpu))
			continue;
		stap_ctl_enc_word(&e, cpu);
		stap_ctl_enc_word(&e, stap_data_lost(cpu));
	}
#if STAP_CTL_PROTO_VERSION >= 2
	if (stap_ctl_version >= 2) {
		stap_ctl_enc_word(&e, stap_end_errors);
		stap_ctl_enc_word(&e, stap_end_skipped);
	}
#endif
	stap_ctl_enc_end(&e);
	rc = stap_ctl_send(&e);
	kfree(buf);
	return rc;
}

/* The next close of ctl leaves a running session running. */
static int stap_ctl_on_detach(struct stap_ctl_msg *m)
{
	if (READ_ONCE(stap_session.started) && !stap_session.stopped) {
		WRITE_ONCE(stap_ctl_detached, 1);
		stap_data_set_overwrite(1);	/* keep the newest output */
	}
	return 0;
}

/* The peer did not understand one of ours; nothing we send needs it. */
static int stap_ctl_on_not_supported(struct stap_ctl_msg *m)
{
	return 0;
}

/* Adding a message: write its handler, add a line here. */
static const struct stap_ctl_handler {
	u32 type;
	int (*fn)(struct stap_ctl_msg *m);
} stap_ctl_handlers[] = {
	{ STAP_CTL_HELLO, stap_ctl_on_hello },
	{ STAP_CTL_START, stap_ctl_on_start },
	{ STAP_CTL_STOP, stap_ctl_on_stop },
	{ STAP_CTL_DETACH, stap_ctl_on_detach },
	{ STAP_CTL_NOT_SUPPORTED, stap_ctl_on_not_supported },
};

static int stap_ctl_dispatch(struct stap_ctl_msg *m)
{
	u64 type = m->type;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stap_ctl_handlers); i++)
		if (stap_ctl_handlers[i].type == m->type)
			return stap_ctl_handlers[i].fn(m);
	return stap_ctl_send_words(STAP_CTL_NOT_SUPPORTED, &type, 1);
}

/* ---- /proc/<module>/ctl ---- */

/*
 * write(): one or more whole messages.  Returns the bytes of the messages
 * handled; -EINVAL if the first is malformed or cut.
 * Context: process, may sleep (the core's start and stop run here).
 */
static ssize_t stap_ctl_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct stap_ctl_msg m;
	size_t off = 0;
	char *buf;
	long size;
	int rc = 0;

	if (count > STAP_CTL_MAX_MSG)
		count = STAP_CTL_MAX_MSG;
	buf = vmemdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	if (mutex_lock_interruptible(&stap_ctl_mutex)) {
		rc = -ERESTARTSYS;
		goto out_free;
	}
	while (off < count) {
		size = stap_ctl_split(buf + off, count - off, &m);
		if (size <= 0) {
			rc = -EINVAL;
			break;
		}
		rc = stap_ctl_dispatch(&m);
		if (rc)
			break;
		off += size;
	}
	mutex_unlock(&stap_ctl_mutex);
out_free:
	kvfree(buf);
	return off ? off : rc;
}

/*
 * read(): as many whole queued messages as fit; blocks until there is one
 * (unless O_NONBLOCK).  -EMSGSIZE if the first does not fit.
 * Context: process, may sleep.
 */
static ssize_t stap_ctl_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct stap_ctl_msg m;
	size_t n = 0;
	long size;
	ssize_t rc;

	for (;;) {
		if (mutex_lock_interruptible(&stap_ctl_q.lock))
			return -ERESTARTSYS;
		if (READ_ONCE(stap_session.dying)) {
			rc = -ENODEV;
			goto out_unlock;
		}
		if (stap_ctl_q.len)
			break;
		mutex_unlock(&stap_ctl_q.lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(stap_ctl_wait,
					     READ_ONCE(stap_ctl_q.len) ||
					     READ_ONCE(stap_session.dying)))
			return -ERESTARTSYS;
	}
	while (n < stap_ctl_q.len) {
		size = stap_ctl_split(stap_ctl_q.buf + n, stap_ctl_q.len - n,
				      &m);
		if (size <= 0 || size > count - n)
			break;
		n += size;
	}
	rc = -EMSGSIZE;
	if (!n)
		goto out_unlock;
	rc = -EFAULT;
	if (copy_to_user(ubuf, stap_ctl_q.buf, n))
		goto out_unlock;
	memmove(stap_ctl_q.buf, stap_ctl_q.buf + n, stap_ctl_q.len - n);
	stap_ctl_q.len -= n;
	rc = n;
out_unlock:
	mutex_unlock(&stap_ctl_q.lock);
	return rc;
}

/* Context: process. */
static __poll_t stap_ctl_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &stap_ctl_wait, wait);
	if (READ_ONCE(stap_session.dying))
		return EPOLLERR | EPOLLHUP;
	if (READ_ONCE(stap_ctl_q.len))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* The stapio that opened the channel last: its pid and user (stp_pid(),
 * is_myproc()). */
static int stap_stapio_pid;
static kuid_t stap_stapio_uid;

/* One stapio at a time.  Context: process. */
static int stap_ctl_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&stap_ctl_opened, 0, 1))
		return -EBUSY;
	WRITE_ONCE(stap_stapio_uid, current_uid());
	WRITE_ONCE(stap_stapio_pid, current->tgid);
	return nonseekable_open(inode, file);
}

/*
 * stapio closed the channel (or died, or the module is being removed):
 * a session still running is stopped here, end probes included, so that
 * the module can always be unloaded; unless stapio detached from it
 * (the module's exit stops it then).  Context: process, may sleep.
 */
static int stap_ctl_release(struct inode *inode, struct file *file)
{
	mutex_lock(&stap_ctl_mutex);
	if (READ_ONCE(stap_session.started) && !stap_ctl_detached)
		stap_ctl_stop_session();
	stap_ctl_version = 1;
	stap_ctl_features = 0;
	mutex_unlock(&stap_ctl_mutex);
	mutex_lock(&stap_ctl_q.lock);
	stap_ctl_q.len = 0;
	mutex_unlock(&stap_ctl_q.lock);
	atomic_set(&stap_ctl_opened, 0);
	return 0;
}

static const struct proc_ops stap_ctl_fops = {
	.proc_open = stap_ctl_open,
	.proc_read = stap_ctl_read,
	.proc_write = stap_ctl_write,
	.proc_poll = stap_ctl_poll,
	.proc_release = stap_ctl_release,
};

/* ---- the tick ---- */

/*
 * Every STAP_TICK_MS: wakes data readers when the buffers hold records
 * and turns a pending exit request into REQUEST_EXIT (once, after
 * STARTED, before STOPPED).  Probes never wake anyone themselves.
 * Context: process (workqueue).
 */
static void stap_ctl_tick(struct work_struct *work)
{
	static const u64 none[1];

	if (stap_data_pending())
		wake_up_interruptible(&stap_data_wait);
	if (READ_ONCE(stap_exit_requested) && !stap_exit_sent &&
	    READ_ONCE(stap_session.started) &&
	    !smp_load_acquire(&stap_ctl_detached) &&
	    !READ_ONCE(stap_session.stopped)) {
		if (!stap_ctl_send_words(STAP_CTL_REQUEST_EXIT, none, 0))
			stap_exit_sent = 1;
	}
	/* system() commands: after STARTED, while someone is attached */
	if (READ_ONCE(stap_session.started) &&
	    !smp_load_acquire(&stap_ctl_detached) &&
	    !READ_ONCE(stap_session.stopped) &&
	    atomic_read(&stap_ctl_opened))
		stap_system_drain();
	if (!READ_ONCE(stap_session.dying))
		schedule_delayed_work(&stap_ctl_tick_work,
				      msecs_to_jiffies(STAP_TICK_MS));
}

/* Context: any (probe context included); never blocks.  Idempotent. */
void stap_transport_request_exit(void)
{
	WRITE_ONCE(stap_exit_requested, 1);
}

/* Context: any. */
int stap_transport_target_pid(void)
{
	return READ_ONCE(stap_target_pid);
}

/* Context: any. */
int stap_transport_stapio_pid(void)
{
	return READ_ONCE(stap_stapio_pid);
}

/* Context: any. */
kuid_t stap_transport_stapio_uid(void)
{
	return READ_ONCE(stap_stapio_uid);
}

/* ---- init and exit ---- */

/* Context: module init, may sleep. */
int stap_transport_init(void)
{
	int rc = -ENOMEM;

	stap_ctl_q.cap = 4096;
	stap_ctl_q.buf = kmalloc(stap_ctl_q.cap, GFP_KERNEL);
	if (!stap_ctl_q.buf)
		return -ENOMEM;
	stap_ctl_dir = proc_mkdir(KBUILD_MODNAME, NULL);
	if (!stap_ctl_dir) {
		rc = -EEXIST;
		goto out_free;
	}
	rc = stap_data_init(stap_ctl_dir);
	if (rc)
		goto out_remove;
	rc = -ENOMEM;
	if (!proc_create("ctl", 0600, stap_ctl_dir, &stap_ctl_fops))
		goto out_data;
	INIT_DELAYED_WORK(&stap_ctl_tick_work, stap_ctl_tick);
	schedule_delayed_work(&stap_ctl_tick_work,
			      msecs_to_jiffies(STAP_TICK_MS));
	return 0;

out_data:
	proc_remove(stap_ctl_dir);
	stap_ctl_dir = NULL;
	stap_data_exit();
	goto out_free;
out_remove:
	proc_remove(stap_ctl_dir);
	stap_ctl_dir = NULL;
out_free:
	kfree(stap_ctl_q.buf);
	stap_ctl_q.buf = NULL;
	return rc;
}

/*
 * Wakes every blocked reader, removes the proc files (which waits for
 * calls in progress and releases open files, stopping a running session),
 * then frees the buffers.  Call it before tearing down the core.
 * Context: module exit, may sleep.
 */
void stap_transport_exit(void)
{
	WRITE_ONCE(stap_session.dying, 1);
	wake_up_interruptible_all(&stap_ctl_wait);
	wake_up_interruptible_all(&stap_data_wait);
	proc_remove(stap_ctl_dir);
	stap_ctl_dir = NULL;
	cancel_delayed_work_sync(&stap_ctl_tick_work);
	stap_data_exit();
	kfree(stap_ctl_q.buf);
	stap_ctl_q.buf = NULL;
}
