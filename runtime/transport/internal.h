/*
 * What ctl.c and data.c know of each other.  Both are #included into the
 * one translation unit of a generated module (in either order), so this
 * header declares the static functions and the shared session state that
 * one defines and the other uses.  Nothing outside runtime/transport/
 * includes it.
 */
#ifndef STAP_TRANSPORT_INTERNAL_H
#define STAP_TRANSPORT_INTERNAL_H

#include <linux/proc_fs.h>
#include <linux/wait.h>
#include "transport.h"
#include "ctl_proto.h"

/*
 * Session flags, written in process context by ctl.c and read anywhere.
 * stopped is set with smp_store_release() after stap_core_stop() returned:
 * once a reader sees it (acquire), every record ever written is visible
 * in the buffers.  dying is set by stap_transport_exit() so that blocked
 * readers leave before the proc files go away.
 */
struct stap_session_flags {
	int started;
	int stopped;
	int dying;
};
static struct stap_session_flags stap_session;

/* Readers of /proc/<module>/data sleep here; woken by ctl.c's tick. */
static DECLARE_WAIT_QUEUE_HEAD(stap_data_wait);

/* system.c */
static void stap_system_drain(void);

/* data.c */
static int stap_data_init(struct proc_dir_entry *dir);
static void stap_data_exit(void);
static bool stap_data_pending(void);
static u64 stap_data_lost(unsigned int cpu);
static u64 stap_data_last_seq(void);
static u64 stap_data_next_seq(void);
static void stap_data_set_overwrite(int on);
static unsigned long stap_data_buffer_size(void);

#endif
