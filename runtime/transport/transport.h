/*
 * The module side of the two channels to stapio (see doc/protocol-control.md
 * and doc/protocol-data.md).  The runtime core (runtime/core.c) and the
 * generated probe code use only this interface; everything about /proc
 * files, ring buffers and message encoding lives behind it.
 *
 *   module init   -> stap_transport_init()
 *   stapio START  -> transport calls stap_core_start()    (process context)
 *   exit()/error  -> core calls stap_transport_request_exit() (any context)
 *   stapio STOP   -> transport calls stap_core_stop()     (process context)
 *                    then sends STOPPED with stap_core_exit_status()
 *   module exit   -> stap_transport_exit()
 */
#ifndef STAP_TRANSPORT_H
#define STAP_TRANSPORT_H

#include <linux/types.h>
#include <linux/uidgid.h>

/* Output streams a data record can belong to. */
enum stap_stream { STAP_STREAM_STDOUT = 1, STAP_STREAM_STDERR = 2 };

/* Module init/exit (process context, may sleep).  Creates the channel
 * files under /proc/<module name>/ and allocates the per-CPU buffers. */
int stap_transport_init(void);
void stap_transport_exit(void);

/*
 * Appends one record to the current CPU's data buffer.  Called from
 * probe context with preemption disabled (maybe irqs off, maybe NMI):
 * never sleeps, never blocks, never takes a lock.  When the buffer is
 * full the record is dropped and counted; stapio reports the count.
 * Returns 0, or -ENOSPC when dropped.
 */
int stap_data_write(enum stap_stream stream, const char *buf, size_t len);

/* system(cmd): queues cmd for stapio to run with /bin/sh -c after the
 * probe (system.c).  Any context; never blocks.  0, or -EBUSY when the
 * queue is full (the command is dropped, counted and warned about). */
int stap_transport_system(const char *cmd);

/* Asks stapio to stop the session (it will send STOP).  Any context;
 * idempotent. */
void stap_transport_request_exit(void);

/* The core's error and skipped-probe counts, once, as it stops (process
 * context).  The transport sends them to stapio (protocol version 2) or
 * writes upstream's "WARNING: Number of errors: N, skipped probes: M"
 * line to the stderr stream itself (version 1). */
void stap_transport_report_counts(unsigned int errors, unsigned int skipped);

/* The target pid stapio sent with START (stap -x/-c), 0 if none.  Valid
 * from stap_core_start() on.  Any context. */
int stap_transport_target_pid(void);

/* The stapio attached (its pid, 0 before one opened the channel) and
 * its user.  Context: any. */
int stap_transport_stapio_pid(void);
kuid_t stap_transport_stapio_uid(void);

/*
 * Provided by the runtime core, called by the transport from the control
 * file's write or release handler (process context, may sleep), one at a
 * time.  stap_core_start() is called at most once; stap_core_stop() at
 * most once, and only if stap_core_start() returned 0 (a failing start
 * must clean up after itself).  If stapio dies or the module is removed
 * while the script runs, the transport calls stap_core_stop() itself, so
 * after stap_transport_exit() returns no probe is armed.
 * stap_core_exit_status() may be called even if the start failed.
 * Per-CPU buffer size: module parameter _stp_bufsize (MB, from staprun -b),
 * else #define STAP_BUFFER_SIZE (bytes, default 256 KiB).
 */
int stap_core_start(void);	/* run begin probes, arm the others; 0 or -errno */
void stap_core_stop(void);	/* disarm, run end probes */
int stap_core_exit_status(void);	/* 0, or 1 after error() / runtime error */

#endif
