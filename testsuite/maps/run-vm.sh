#!/bin/bash
# run-vm.sh [KVER...]: builds stap_maps_test.ko against each kernel's
# build tree (no warning allowed), boots that kernel in qemu with a
# throwaway busybox initramfs holding the module, staprun and stapio,
# runs it there and compares what it printed with expected.out.
# Default kernels: 6.1.0-56-amd64 6.12.117+deb12-amd64.  Images come from
# testsuite/vm/stap-vm's cache (~/.cache/stap/vm/KVER/boot/vmlinuz).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
VM_ROOT=${STAP_VM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stap/vm}
KVERS=${*:-6.1.0-56-amd64 6.12.117+deb12-amd64}
fail=0

run_one() {
	local k=$1 b rc
	b=$(mktemp -d "/tmp/stap-maps.$k.XXXXXX")
	echo "== $k ($b)"

	# The module, built as pass 4 builds a generated one (the feature
	# probes' header from a kept pass-4 directory: -k always builds).
	local kept
	kept=$("$TOP/stap" -p4 -k -r "$k" -e 'probe begin { exit() }' 2>&1 \
		>/dev/null | sed -n 's/^Keeping temporary directory "\(.*\)"$/\1/p')
	cp "$kept/stap_compat.h" "$b/stap_compat.h"
	rm -rf "$kept"
	cp "$HERE/stap_maps_test.c" "$b/"
	printf 'obj-m := stap_maps_test.o\nccflags-y := -I%s -I%s/uapi -I%s -Wno-unused-function -Wno-unused-label\n' \
		"$TOP/runtime" "$TOP/runtime" "$b" >"$b/Kbuild"
	if ! make -C "/lib/modules/$k/build" M="$b" modules >"$b/build.log" 2>&1
	then
		cat "$b/build.log"
		return 1
	fi
	if grep -E 'warning:|error:' "$b/build.log"; then
		echo "$k: build warnings"
		return 1
	fi

	# The guest: run the module once, print it between markers, power off.
	mkdir -p "$b/root/bin"
	cp /bin/busybox "$b/root/bin/busybox"
	cp "$TOP/static/staprun" "$TOP/static/stapio" "$b/root/bin/"
	cp "$b/stap_maps_test.ko" "$b/root/"
	cat >"$b/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
dmesg -c >/dev/null
staprun /stap_maps_test.ko >/tmp/out 2>/tmp/err
echo "rc $?" >>/tmp/err
echo "==== stdout"
cat /tmp/out
echo "==== stderr"
cat /tmp/err
echo "==== dmesg"
dmesg | grep -iE 'bug|warn|oops|lock|call trace' || true
echo "==== end"
poweroff -f
INIT
	chmod +x "$b/root/init"
	(cd "$b/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$b/initrd.gz"

	timeout 600 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1G \
		-nographic -kernel "$VM_ROOT/$k/boot/vmlinuz" \
		-initrd "$b/initrd.gz" -no-reboot \
		-append "console=ttyS0 quiet panic=-1" \
		</dev/null >"$b/console.log" 2>&1 || true
	tr -d '\r' <"$b/console.log" |
		sed -n '/==== stdout$/,/^==== end$/p' |
		sed '1s/.*==== stdout$/==== stdout/' >"$b/result"
	if diff -u "$HERE/expected.out" "$b/result"; then
		echo "$k: ok"
	else
		echo "$k: FAIL (console log: $b/console.log)"
		return 1
	fi
}

for k in $KVERS; do
	run_one "$k" || fail=1
done
exit $fail
