#!/bin/sh
# Sets up a fresh Debian 12 machine for stap: installs the build and test
# dependencies, builds the tree, and fetches the built-in VM's kernels
# (images and the matching headers).  Safe to run again: every step is
# skipped when already done.
set -e
cd "$(dirname "$0")"

deps="autoconf automake pkg-config flex bison libdw-dev libelf-dev gcc make
      libc6-dev dejagnu expect qemu-system-x86 busybox-static xz-utils zstd
      cpio kmod bc clang libclang-rt-14-dev dropbear-bin openssh-client"
missing=""
for p in $deps; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "bootstrap: installing$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

[ -x configure ] || autoreconf -fi >/dev/null 2>&1
[ -f Makefile ] || ./configure -q
make -j2 -s

STAP_BUILDDIR="$PWD" STAP_STATIC_DIR="$PWD/static" testsuite/vm/stap-vm fetch
