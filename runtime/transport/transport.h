/*
 * The module side of the two channels to stapio (see doc/protocol-control.md
 * and doc/protocol-data.md).  The runtime core (runtime/core.c) and the
 * generated probe code use only this interface; everything about procfs
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

/* Asks stapio to stop the session (it will send STOP).  Any context;
 * idempotent. */
void stap_transport_request_exit(void);

/* Provided by the runtime core, called by the transport from the
 * control file's write handler (process context, may sleep). */
int stap_core_start(void);	/* run begin probes, arm the others; 0 or -errno */
void stap_core_stop(void);	/* disarm, run end probes */
int stap_core_exit_status(void);	/* 0, or 1 after error() / runtime error */

#endif
