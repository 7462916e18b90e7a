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
# (busybox sh runs dd as a forked applet without an exec, so the time
# is the task's age at sched_process_exit) and prints the best guest
# time of RUNS; a fourth argument names another dd to run (coreutils'
# /usr/bin/dd, dynamically linked), and a fifth a command to run
# after it (in the same -c).  The scripts run in guru mode
# (hand-written handlers).
icount_args="-icount shift=0 -smp 1"

dd_time() {
	local best= v dd=${4:-dd}
	cat > "$tmp/clock.stp" <<'EOS'
probe kernel.trace("sched:sched_process_exit") {
	if (execname() == "dd")
		printf("dd %d\n", ktime_get_ns() - task_start_time(tid()))
}
EOS
	cat "$tmp/clock.stp" "$tmp/$1.stp" > "$tmp/run.stp"
	for _ in $(seq 1 "$3"); do
		v=$("$stap" --remote=vm:"$kernel" -g "$tmp/run.stp" \
			-c "$dd if=/dev/zero of=/dev/null bs=1 count=$2${5:+; $5}" \
			2>/dev/null |
			sed -n 's/^dd //p')
		[ -n "$v" ] || { echo "  $1: no measurement" >&2; return 1; }
		if [ -z "$best" ] || [ "$v" -lt "$best" ]; then best=$v; fi
	done
	echo "$best"
}

# (a - b) / n with one decimal.
per_hit() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) / n }'; }
