/*
 * The first thing a generated module includes: kernel headers, the
 * results of the target kernel's feature probes (stap_compat.h, made in
 * pass 4), and the limits a script runs under.  Every limit can be set
 * with stap -D NAME=VALUE; the defaults are upstream's.
 */
#ifndef STAP_RUNTIME_DEFS_H
#define STAP_RUNTIME_DEFS_H

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/time64.h>
#include <linux/uaccess.h>
#include <linux/delay.h>
#include "stap_compat.h"

/*
 * STAP_SUPPRESS_TIME_LIMITS_ENABLE (stap --suppress-time-limits): no
 * statement budget at all, and a contended global lock is waited for
 * however long it takes (MAXACTION and MAXTRYLOCK are not enforced).
 */
#ifndef MAXACTION
#define MAXACTION 1000		/* statements per probe hit */
#endif
#ifndef MAXACTION_INTERRUPTIBLE	/* ... of begin, end and error probes,
				 * which run with interrupts enabled */
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)
#endif
#ifndef MAXNESTING
#define MAXNESTING 10		/* nested function calls */
#endif
#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 512	/* bytes per string, NUL included */
#endif
#ifndef MAXTRYLOCK
#define MAXTRYLOCK 1000		/* retries of a contended global lock
				 * before the probe is a skipped one */
#endif
#ifndef TRYLOCKDELAY
#define TRYLOCKDELAY 10		/* ns between two tries of a global lock */
#endif
#ifndef MAXSKIPPED
#define MAXSKIPPED 100		/* skipped probes before the run ends */
#endif
#ifndef MAXERRORS
#define MAXERRORS 0		/* errors tolerated before the run ends */
#endif
#ifndef STAP_PRINT_BUF_SIZE
#define STAP_PRINT_BUF_SIZE 8192	/* per-CPU output staged per probe */
#endif

/*
 * The types of arrays and statistics, before the generated globals made
 * of them, with their own limits (MAXMAPENTRIES ...).  Included once,
 * after the limits above, which its defaults only name (MAP_STRING_LENGTH
 * is MAXSTRINGLEN).
 */
#include "map.h"

#endif
