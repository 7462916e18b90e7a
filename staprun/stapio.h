/*
 * stapio's state and the functions its files share.  One struct stapio
 * holds a session; stapio.c owns main() and the poll() loop and calls
 * into the other files by idea: stapio_ctl.c (the control messages),
 * stapio_data.c (the data records and where they are written),
 * stapio_target.c (the -c CMD / -x PID target process) and
 * stapio_signals.c (signals, through a self-pipe the loop polls).
 */
#ifndef STAPIO_H
#define STAPIO_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "ctl.h"
#include "outfile.h"
#include "relay.h"

struct stapio {
	const char *modname;
	int verbose;
	int ctl_fd, data_fd, out_fd;
	struct ctl_reader ctl;
	struct relay relay;
	unsigned char *data_buf;
	size_t data_cap;

	/* From the module's HELLO. */
	uint32_t version;
	uint64_t features;
	uint64_t ncpus, bufsize;

	int hello_done, start_sent, stop_sent, stopped, data_eof;
	int started;		/* STARTED came (any rc): data may be read */
	int signals;		/* interrupts counted (count_interrupt) */
	int64_t last_signal_ms;
	int failed;		/* the module vanished or broke the protocol */
	int start_failed;
	int exit_status;	/* from STOPPED */
	uint64_t lost_total, last_seq;
	uint64_t errors, skipped;	/* from STOPPED, version 2 */
	uint64_t *lost;		/* per cpu, from STOPPED; NULL if none */
	unsigned nlost;
	int out_broken;
	uint64_t bad_stream;

	/* Bulk mode (-B): per-CPU files, or one raw stream on stdout. */
	int bulk;
	int bulk_stdout;
	struct bulk_out bulk_out;

	/* The target: -c CMD (our child, held on a pipe until STARTED) or
	 * -x PID (watched through pidfd, or polled when pidfd is -1). */
	const char *cmd;
	int cmd_stdout_to_stderr;	/* -o -: CMD's stdout goes to stderr */
	pid_t target;
	int cmd_gate;			/* write end; -1 once released */
	int cmd_running;
	int pidfd;
	int target_gone;

	/* -S SIZE[,N]: stream 1 goes to rotating files instead of out_fd */
	int rotating;
	struct rotate_out rotate;

	/* -L: after STARTED, DETACH and exit, leaving the session running */
	int detach;
	int detached;

	/* -t SECONDS: STOP at deadline (CLOCK_MONOTONIC), armed by STARTED */
	long timeout;
	struct timespec deadline;
	int deadline_armed;

	/* system(): the commands started and not reaped yet */
	pid_t *sys_pids;
	size_t nsys;
};

/* stapio.c */
void verbose(struct stapio *s, const char *fmt, ...);
void fail(struct stapio *s, const char *fmt, ...);
void arm_timeout(struct stapio *s);

/* stapio_ctl.c */
void send_hello(struct stapio *s);
void send_stop(struct stapio *s);
void read_ctl(struct stapio *s);

/* stapio_data.c */
int emit(void *ctx, unsigned stream, const unsigned char *bytes,
	 size_t len);
int read_data(struct stapio *s);
void drain_data(struct stapio *s);

/* stapio_target.c */
int spawn_cmd(struct stapio *s);
int watch_pid(struct stapio *s);
void release_cmd(struct stapio *s);
void target_gone(struct stapio *s, const char *how);
void reap_cmd(struct stapio *s);
void poll_target(struct stapio *s);
void end_cmd(struct stapio *s);

/* stapio_system.c */
void on_system(struct stapio *s, struct stap_ctl_msg *m);
void reap_system(struct stapio *s);
void wait_system(struct stapio *s);

/* stapio_signals.c */
extern int sig_pipe[2];
int setup_signals(void);
void on_signals(struct stapio *s);

#endif
