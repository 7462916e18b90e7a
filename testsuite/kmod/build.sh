#!/bin/sh
# Builds stap_testmod.ko for kernel KVER into DIR (default
# testsuite/kmod/KVER under the current directory, the build tree that
# the VM shares with the guest at the same path), with the kernel's own
# flags (-g: Debian's configs set CONFIG_DEBUG_INFO).  Rebuilds only when
# the source is newer than the module.  Prints the module's path.
# usage: build.sh KVER [DIR]
set -e
kver=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=${2:-$PWD/testsuite/kmod/$kver}
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || { echo "build.sh: no build tree $kdir (headers of $kver)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/stap_testmod.ko" ] ||
   [ "$here/stap_testmod.c" -nt "$dir/stap_testmod.ko" ] ||
   [ "$here/Kbuild" -nt "$dir/stap_testmod.ko" ]; then
	cp "$here/stap_testmod.c" "$here/Kbuild" "$dir/"
	# no module BTF: Debian's 6.12 headers ship vmlinux, which would
	# have modfinal run pahole (dwarves, not a dependency of ours)
	make -s -C "$kdir" M="$dir" CONFIG_DEBUG_INFO_BTF_MODULES= modules \
		>"$dir/build.log" 2>&1 ||
		{ cat "$dir/build.log" >&2; exit 1; }
fi
echo "$dir/stap_testmod.ko"
