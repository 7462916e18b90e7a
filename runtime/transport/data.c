/*
 * The data channel: per-CPU ring buffers that probes write script output
 * into, and /proc/<module>/data, which stapio reads them from.  The
 * record layout is struct stap_data_rec (runtime/uapi/ctl_proto.h); the prose
 * is in doc/protocol-data.md.
 *
 * Each possible CPU owns one ring of stap_data_buffer_size() bytes (a
 * power of two): the module parameter _stp_bufsize (megabytes, set by
 * staprun -b / stap -s) when given, else STAP_BUFFER_SIZE (-D, bytes).  There is exactly one writer per ring, the probe running on that
 * CPU with preemption disabled (the core's per-CPU busy flag forbids
 * nesting), and one reader, the read() handler under stap_data_mutex.
 * head and tail are free-running byte counts: the writer owns head and
 * publishes it with smp_store_release() after the record's bytes; the
 * reader owns tail and publishes it the same way after copying a record
 * out, which hands the space back.  No locks, no atomics on the fast
 * path except the global sequence counter.
 *
 * This file is #included into the generated module (see transport.h).
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "internal.h"

#ifndef STAP_BUFFER_SIZE
#define STAP_BUFFER_SIZE (256 * 1024)	/* bytes per CPU; -D or _stp_bufsize */
#endif

/* Largest _stp_bufsize, in megabytes (as upstream's staprun -b). */
#define STAP_BUFSIZE_MAX_MB 4095

/*
 * Per-CPU buffer size in megabytes, from staprun -b MB (stap -s MB); 0
 * means STAP_BUFFER_SIZE.  Read once, at module init.  The name is
 * upstream's, so that its staprun's -b works too.
 */
static unsigned int _stp_bufsize;
module_param(_stp_bufsize, uint, 0444);
MODULE_PARM_DESC(_stp_bufsize, "per-CPU output buffer size in MB (1-4095)");

struct stap_ring {
	char *buf;
	unsigned long size;	/* power of two */
	unsigned long head;	/* bytes written; writer stores, release */
	unsigned long tail;	/* bytes consumed; reader stores, release */
	u64 cpu_seq;		/* records attempted on this cpu (writer) */
	u64 lost;		/* records dropped on this cpu (writer) */
} ____cacheline_aligned;

static struct stap_ring *stap_rings;	/* nr_cpu_ids entries */
static atomic64_t stap_data_seq = ATOMIC64_INIT(0);
static DEFINE_MUTEX(stap_data_mutex);	/* the single reader */
static atomic_t stap_data_opened = ATOMIC_INIT(0);
/*
 * Set while the session runs detached (flight recorder, see
 * stap_data_set_overwrite()): a full ring drops its oldest records to
 * make room for the new one, so the writer moves the tail too, and
 * read() is refused.
 */
static int stap_data_overwriting;

/* Copies n bytes into the ring at free-running offset pos, wrapping. */
static void stap_ring_put(struct stap_ring *r, unsigned long pos,
			  const void *src, size_t n)
{
	unsigned long off = pos & (r->size - 1);
	size_t first = min_t(size_t, n, r->size - off);

	memcpy(r->buf + off, src, first);
	memcpy(r->buf, (const char *)src + first, n - first);
}

static void stap_ring_zero(struct stap_ring *r, unsigned long pos, size_t n)
{
	unsigned long off = pos & (r->size - 1);
	size_t first = min_t(size_t, n, r->size - off);

	memset(r->buf + off, 0, first);
	memset(r->buf, 0, n - first);
}

static void stap_ring_get(struct stap_ring *r, unsigned long pos, void *dst,
			  size_t n)
{
	unsigned long off = pos & (r->size - 1);
	size_t first = min_t(size_t, n, r->size - off);

	memcpy(dst, r->buf + off, first);
	memcpy((char *)dst + first, r->buf, n - first);
}

/* Returns nonzero on a fault, like copy_to_user(). */
static unsigned long stap_ring_to_user(struct stap_ring *r, unsigned long pos,
				       char __user *dst, size_t n)
{
	unsigned long off = pos & (r->size - 1);
	size_t first = min_t(size_t, n, r->size - off);

	if (copy_to_user(dst, r->buf + off, first))
		return 1;
	return copy_to_user(dst + first, r->buf, n - first);
}

/*
 * Flight recorder: drops the oldest records of a full ring, counting
 * them as lost, until need bytes are free; returns the new tail.  Only
 * while stap_data_overwriting, when nobody reads.  Context: as
 * stap_data_write().
 */
static unsigned long stap_ring_make_room(struct stap_ring *r,
					 unsigned long head,
					 unsigned long tail, unsigned long need)
{
	struct stap_data_rec rec;

	while (tail != head && need > r->size - (head - tail)) {
		stap_ring_get(r, tail, &rec, STAP_DATA_REC_SIZE);
		tail += STAP_DATA_REC_SIZE + STAP_DATA_ALIGN(rec.len);
		WRITE_ONCE(r->lost, r->lost + 1);
	}
	smp_store_release(&r->tail, tail);
	return tail;
}

/*
 * Context: probe context with preemption disabled, possibly irqs off or
 * NMI; the caller is the only writer on this CPU.  Never sleeps or locks.
 */
int stap_data_write(enum stap_stream stream, const char *buf, size_t len)
{
	unsigned int cpu = smp_processor_id();
	struct stap_ring *r;
	struct stap_data_rec rec;
	unsigned long head, tail, need;

	if (unlikely(!stap_rings))
		return -ENODEV;
	r = &stap_rings[cpu];
	r->cpu_seq++;
	if (unlikely(len > r->size))
		goto drop;
	need = STAP_DATA_REC_SIZE + STAP_DATA_ALIGN(len);
	head = r->head;
	tail = smp_load_acquire(&r->tail);
	if (unlikely(need > r->size - (head - tail))) {
		if (!READ_ONCE(stap_data_overwriting) || need > r->size)
			goto drop;
		tail = stap_ring_make_room(r, head, tail, need);
	}
	rec.len = len;
	rec.stream = stream;
	rec.cpu = cpu;
	rec.seq = atomic64_inc_return(&stap_data_seq);
	rec.cpu_seq = r->cpu_seq;
	stap_ring_put(r, head, &rec, STAP_DATA_REC_SIZE);
	stap_ring_put(r, head + STAP_DATA_REC_SIZE, buf, len);
	stap_ring_zero(r, head + STAP_DATA_REC_SIZE + len,
		       STAP_DATA_ALIGN(len) - len);
	smp_store_release(&r->head, head + need);
	return 0;

drop:
	WRITE_ONCE(r->lost, r->lost + 1);
	return -ENOSPC;
}

/* Any context. */
static bool stap_data_pending(void)
{
	unsigned int cpu;

	if (!stap_rings)
		return false;
	for_each_possible_cpu(cpu) {
		struct stap_ring *r = &stap_rings[cpu];

		if (smp_load_acquire(&r->head) != READ_ONCE(r->tail))
			return true;
	}
	return false;
}

/* Meaningful once the session is stopped (no more writers). */
static u64 stap_data_lost(unsigned int cpu)
{
	return stap_rings ? READ_ONCE(stap_rings[cpu].lost) : 0;
}

static u64 stap_data_last_seq(void)
{
	return atomic64_read(&stap_data_seq);
}

/*
 * on: nobody reads (the session was detached): full rings drop their
 * oldest records, keeping the newest output.  off (before a reader
 * attaches): back to dropping new records, once every probe that may
 * still be moving a tail has returned (probes run with preemption
 * disabled, so synchronize_rcu() waits for them).
 * Context: process, may sleep.
 */
static void stap_data_set_overwrite(int on)
{
	if (on) {
		WRITE_ONCE(stap_data_overwriting, 1);
		return;
	}
	if (!READ_ONCE(stap_data_overwriting))
		return;
	WRITE_ONCE(stap_data_overwriting, 0);
	synchronize_rcu();
}

/*
 * The seq of the oldest record not read yet, over all CPUs, or of the
 * next one to be written if every buffer is empty: where a reader that
 * attaches to a running session starts merging.  (A record a probe is
 * writing right now may get a lower seq; the reader copes.)
 * Context: process, may sleep.
 */
static u64 stap_data_next_seq(void)
{
	u64 seq = atomic64_read(&stap_data_seq) + 1;
	struct stap_data_rec rec;
	unsigned int cpu;

	mutex_lock(&stap_data_mutex);
	for_each_possible_cpu(cpu) {
		struct stap_ring *r = &stap_rings[cpu];

		if (smp_load_acquire(&r->head) == r->tail)
			continue;
		stap_ring_get(r, r->tail, &rec, STAP_DATA_REC_SIZE);
		if (rec.seq < seq)
			seq = rec.seq;
	}
	mutex_unlock(&stap_data_mutex);
	return seq;
}

/* Bytes per CPU buffer; also the largest record a probe can write. */
static unsigned long stap_data_buffer_size(void)
{
	if (_stp_bufsize)
		return roundup_pow_of_two((unsigned long)_stp_bufsize << 20);
	return roundup_pow_of_two(STAP_BUFFER_SIZE);
}

/*
 * Moves whole records from one ring to ubuf[*done .. count).  Returns 0,
 * -EMSGSIZE if the next record cannot fit even an empty buffer, or
 * -EFAULT.  Context: process, under stap_data_mutex.
 */
static int stap_data_drain_ring(struct stap_ring *r, char __user *ubuf,
				size_t count, size_t *done)
{
	unsigned long head = smp_load_acquire(&r->head);
	unsigned long tail = r->tail;
	struct stap_data_rec rec;
	size_t need;
	int rc = 0;

	while (tail != head) {
		stap_ring_get(r, tail, &rec, STAP_DATA_REC_SIZE);
		need = STAP_DATA_REC_SIZE + STAP_DATA_ALIGN(rec.len);
		if (need > count - *done) {
			if (*done == 0)
				rc = -EMSGSIZE;
			break;
		}
		if (stap_ring_to_user(r, tail, ubuf + *done, need)) {
			rc = -EFAULT;
			break;
		}
		*done += need;
		tail += need;
	}
	smp_store_release(&r->tail, tail);
	return rc;
}

/*
 * read(): whole records from all CPUs, as many as fit.  Blocks until
 * there is at least one (unless O_NONBLOCK); returns 0 (end of file) once
 * the session has stopped and every buffer is empty.
 * Context: process, may sleep.
 */
static ssize_t stap_data_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	size_t done = 0;
	unsigned int cpu;
	int stopped, rc = 0;

	if (mutex_lock_interruptible(&stap_data_mutex))
		return -ERESTARTSYS;
	for (;;) {
		if (READ_ONCE(stap_session.dying)) {
			rc = -ENODEV;
			break;
		}
		if (READ_ONCE(stap_data_overwriting)) {
			rc = -EBUSY;	/* detached: probes move the tails */
			break;
		}
		stopped = smp_load_acquire(&stap_session.stopped);
		for_each_possible_cpu(cpu) {
			rc = stap_data_drain_ring(&stap_rings[cpu], ubuf,
						  count, &done);
			if (rc)
				break;
		}
		if (done || rc || stopped)
			break;
		if (file->f_flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		mutex_unlock(&stap_data_mutex);
		if (wait_event_interruptible(stap_data_wait,
					     stap_data_pending() ||
					     READ_ONCE(stap_session.stopped) ||
					     READ_ONCE(stap_session.dying)))
			return -ERESTARTSYS;
		if (mutex_lock_interruptible(&stap_data_mutex))
			return -ERESTARTSYS;
	}
	mutex_unlock(&stap_data_mutex);
	return done ? done : rc;
}

/* Context: process. */
static __poll_t stap_data_poll(struct file *file, poll_table *wait)
{
	poll_wait(file, &stap_data_wait, wait);
	if (READ_ONCE(stap_session.dying))
		return EPOLLERR | EPOLLHUP;
	if (stap_data_pending() || smp_load_acquire(&stap_session.stopped))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

/* One reader at a time.  Context: process. */
static int stap_data_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&stap_data_opened, 0, 1))
		return -EBUSY;
	return nonseekable_open(inode, file);
}

static int stap_data_release(struct inode *inode, struct file *file)
{
	atomic_set(&stap_data_opened, 0);
	return 0;
}

static const struct proc_ops stap_data_fops = {
	.proc_open = stap_data_open,
	.proc_read = stap_data_read,
	.proc_poll = stap_data_poll,
	.proc_release = stap_data_release,
};

/*
 * Allocates one ring per possible CPU and creates <dir>/data.
 * Context: module init, may sleep.
 */
static int stap_data_init(struct proc_dir_entry *dir)
{
	unsigned long size = stap_data_buffer_size();
	unsigned int cpu;

	BUILD_BUG_ON(STAP_STREAM_STDOUT != STAP_DATA_STREAM_STDOUT ||
		     STAP_STREAM_STDERR != STAP_DATA_STREAM_STDERR ||
		     sizeof(struct stap_data_rec) != STAP_DATA_REC_SIZE);

	if (_stp_bufsize > STAP_BUFSIZE_MAX_MB) {
		pr_err("%s: _stp_bufsize=%u: the per-CPU buffer size must be "
		       "1-%u MB\n", KBUILD_MODNAME, _stp_bufsize,
		       STAP_BUFSIZE_MAX_MB);
		return -EINVAL;
	}
	stap_rings = kcalloc(nr_cpu_ids, sizeof(*stap_rings), GFP_KERNEL);
	if (!stap_rings)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		stap_rings[cpu].buf = vzalloc_node(size, cpu_to_node(cpu));
		if (!stap_rings[cpu].buf)
			pr_err("%s: cannot allocate the %lu MB output buffer "
			       "of CPU %u\n", KBUILD_MODNAME, size >> 20, cpu);
		if (!stap_rings[cpu].buf)
			goto out_free;
		stap_rings[cpu].size = size;
	}
	if (!proc_create("data", 0400, dir, &stap_data_fops))
		goto out_free;
	return 0;

out_free:
	stap_data_exit();
	return -ENOMEM;
}

/*
 * Frees the rings.  The proc file must be gone (proc_remove of the
 * directory) and no probe may be running.  Context: may sleep.
 */
static void stap_data_exit(void)
{
	struct stap_ring *rings = stap_rings;
	unsigned int cpu;

	if (!rings)
		return;
	stap_rings = NULL;
	for_each_possible_cpu(cpu)
		vfree(rings[cpu].buf);
	kfree(rings);
}
