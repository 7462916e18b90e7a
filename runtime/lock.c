/*
 * Locks of the script's globals.
 *
 * Each global has one reader-writer lock.  A probe handler takes, at
 * entry and in one fixed order (the globals' declaration order, which
 * the translator sorts each handler's table by), the locks of every
 * global its body and the functions it calls use: for reading when it
 * only reads the global, for writing when it assigns or deletes it or
 * reads a statistic (merging updates a shared aggregate).  `<<<` takes
 * no global lock: each CPU adds to its own partial aggregate.
 *
 * A lock is only ever tried, never waited for: a contended one is
 * retried after TRYLOCKDELAY ns, at most MAXTRYLOCK times over all the
 * handler's locks; then the handler drops what it took and the probe
 * is a skipped one (MAXSKIPPED of those end the run).  So a probe never
 * deadlocks and never spins unboundedly, with interrupts off or not.
 *
 * The lock is a bare atomic rather than the kernel's rwlock_t, which an
 * -rt kernel turns into a sleeping lock: v > 0 is the number of
 * readers, -1 a writer, 0 free.
 */

struct stap_rwlock {
	atomic_t v;
};

#define STAP_RWLOCK_INIT { ATOMIC_INIT(0) }

/* One global a handler locks, as its table lists it. */
struct stap_lock_use {
	struct stap_rwlock *lock;
	bool write;
};

static bool stap_read_trylock(struct stap_rwlock *l)
{
	int v = atomic_read(&l->v);

	while (v >= 0)
		if (atomic_try_cmpxchg_acquire(&l->v, &v, v + 1))
			return true;
	return false;
}

static bool stap_write_trylock(struct stap_rwlock *l)
{
	int v = 0;

	return atomic_try_cmpxchg_acquire(&l->v, &v, -1);
}

static void stap_rwlock_release(struct stap_rwlock *l, bool write)
{
	if (write)
		atomic_set_release(&l->v, 0);
	else
		atomic_dec_return_release(&l->v);
}

/* Releases the first n locks of a handler's table, last taken first. */
static void stap_unlock_globals(const struct stap_lock_use *locks, int n)
{
	while (n-- > 0)
		stap_rwlock_release(locks[n].lock, locks[n].write);
}

/*
 * Takes the n locks of a handler's table, in order.  False, holding
 * none of them, when one stays contended for MAXTRYLOCK retries: the
 * caller skips the probe (never, under --suppress-time-limits: it
 * waits).  Probe context; never sleeps.
 */
static bool stap_lock_globals(const struct stap_lock_use *locks, int n)
{
	int i, tries __maybe_unused = 0;

	for (i = 0; i < n; i++) {
		while (!(locks[i].write ? stap_write_trylock(locks[i].lock)
					: stap_read_trylock(locks[i].lock))) {
#ifndef STAP_SUPPRESS_TIME_LIMITS_ENABLE
			if (++tries > MAXTRYLOCK) {
				stap_unlock_globals(locks, i);
				return false;
			}
#endif
			ndelay(TRYLOCKDELAY);
		}
	}
	return true;
}
