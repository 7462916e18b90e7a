# Sourced by the benchmarks that run in a guest (bench/transport,
# bench/maps).  Sets stap, kernel, tmp and vm (the stap-vm script);
# vm_up boots the guest unless it runs already, and the exit trap stops
# it again if we booted it, so a benchmark leaves the VMs as it found
# them.  The kernel is $STAP_BENCH_KERNEL, else the first one stap-vm
# knows.  Guests run under TCG (no KVM here): times are an emulated
# CPU's, useful to compare with each other, not with real hardware.
builddir=${1:-$PWD}
stap="$builddir/stap"
vm="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/testsuite/vm/stap-vm"
kernel=${STAP_BENCH_KERNEL:-$("$vm" kernels | head -1)}
export STAP_STATIC_DIR=${STAP_STATIC_DIR:-$builddir/static}
tmp=$(mktemp -d /tmp/stap-bench.XXXXXX)
vm_booted=

bench_exit() {
	[ -z "$vm_booted" ] || "$vm" stop "$kernel" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap bench_exit EXIT

vm_up() {
	local out
	out=$(STAP_VM_QUIET=1 "$vm" start "$kernel" 2>&1) || {
		echo "cannot boot a guest for $kernel: $out" >&2
		exit 1
	}
	[ "$out" = running ] || vm_booted=1
}

# The median of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Guest instructions under qemu -icount shift=0 (one guest nanosecond
# per instruction; sleep=off hung the guest's first stap run): busybox
# `dd bs=1 count=N` from /dev/zero to /dev/null is N reads and N
# writes; dd_time NAME N RUNS runs it under $tmp/NAME.stp plus a clock
# (task_time below) and prints the best of RUNS; a fourth argument
# names another dd to run (coreutils' /usr/bin/dd, dynamically linked),
# and a fifth a command to run after it (in the same -c).  The scripts
# run in guru mode (hand-written handlers).
icount_args="-icount shift=0 -smp 1"

dd_time() {
	task_time dd "$1" "$3" \
		"${4:-dd} if=/dev/zero of=/dev/null bs=1 count=$2${5:+; $5}"
}

# task_time COMM NAME RUNS CMD: the same clock for any program: runs
# the guest command line CMD RUNS times under $tmp/NAME.stp plus a
# probe that prints, when the task named COMM exits (the last one, if
# several do), the CPU time it ran: the scheduler's sum_exec_runtime
# and the time since its last update (up to a tick).  That counts the
# task's own instructions, its system calls and probe handlers, and
# neither the other tasks that run meanwhile on the one vCPU (stapsh
# and stapio relaying output) nor the time it waits: under -icount a
# waiting guest's clock follows the host's real time, and the task's
# age at exit (the clock before 2026-12-05) moved by 5x from run to
# run with a 9p page fault or a relay in it.  CMD never ends the shell
# command line (sh would exec it, and its time would include the
# shell's start-up when nothing follows, not when an rmmod does).
# Prints the best time;
# the whole output of the last run (the script's and CMD's) is left in
# $tmp/NAME.out, for a caller that wants a count printed there.
task_time() {
	local best= v
	cat > "$tmp/clock.stp" <<EOS
%{
#include <linux/sched/clock.h>
%}
function bench_runtime:long() %{ /* pure */
	STAP_RETVALUE = current->se.sum_exec_runtime +
			(local_clock() - current->se.exec_start);
%}
probe kernel.trace("sched:sched_process_exit") {
	if (execname() == "$1")
		printf("clock %d\\n", bench_runtime())
}
EOS
	cat "$tmp/clock.stp" "$tmp/$2.stp" > "$tmp/run.stp"
	for _ in $(seq 1 "$3"); do
		"$stap" --remote=vm:"$kernel" -g "$tmp/run.stp" -c "$4; true" \
			> "$tmp/$2.out" 2>/dev/null || true
		v=$(sed -n 's/^clock //p' "$tmp/$2.out" | tail -1)
		[ -n "$v" ] || { echo "  $2: no measurement" >&2; return 1; }
		if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
	done
	echo "$best"
}

# (a - b) / n with one decimal.
per_hit() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) / n }'; }
