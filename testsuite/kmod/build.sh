#!/bin/sh
# Builds an out-of-tree module of ours for kernel KVER into DIR, with the
# kernel's own flags (-g: Debian's configs set CONFIG_DEBUG_INFO):
# SRCDIR's Kbuild and NAME.c make NAME.ko.  By default the testsuite's
# stap_testmod (this directory) into testsuite/kmod/KVER under the
# current directory, the build tree that the VM shares with the guest
# at the same path; bench/uprobe builds its hand-written uprobe module
# the same way.  Rebuilds only when a source is newer than the module.
# Prints the module's path.
# usage: build.sh KVER [DIR [SRCDIR NAME]]
set -e
kver=$1
here=$(cd "$(dirname "$0")" && pwd)
src=${3:-$here}
name=${4:-stap_testmod}
dir=${2:-$PWD/testsuite/kmod/$kver}
kdir=/lib/modules/$kver/build
[ -d "$kdir" ] || { echo "build.sh: no build tree $kdir (headers of $kver)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ ! -f "$dir/$name.ko" ] ||
   [ "$src/$name.c" -nt "$dir/$name.ko" ] ||
   [ "$src/Kbuild" -nt "$dir/$name.ko" ]; then
	cp "$src/$name.c" "$src/Kbuild" "$dir/"
	# no module BTF: Debian's 6.12 headers ship vmlinux, which would
	# have modfinal run pahole (dwarves, not a dependency of ours)
	make -s -C "$kdir" M="$dir" CONFIG_DEBUG_INFO_BTF_MODULES= modules \
		>"$dir/build.log" 2>&1 ||
		{ cat "$dir/build.log" >&2; exit 1; }
fi
echo "$dir/$name.ko"
