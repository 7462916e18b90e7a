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
