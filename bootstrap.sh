#!/bin/sh
# Sets up a fresh Debian 12 machine for stap: installs the build and test
# dependencies, builds the tree, and fetches the one kernel the built-in
# VM runs a one-liner on (its image and its build tree for pass 4);
# `make check` fetches the other test kernels itself.  Each step prints
# one line; the output of apt, dpkg, autoreconf, configure and make goes
# to a log named on the first line (testsuite/vm/steps.sh).  Safe to run
# again: every step is skipped when already done.
#
# For tests: STAP_BOOTSTRAP_LOG is the log (default
# ~/.cache/stap/bootstrap.log); STAP_BOOTSTRAP_EXTRA names more packages
# to require.
set -e
cd "$(dirname "$0")"

PROG=bootstrap
STEP_LOG=${STAP_BOOTSTRAP_LOG:-${XDG_CACHE_HOME:-$HOME/.cache}/stap/bootstrap.log}
. testsuite/vm/steps.sh

# procps: the testsuite runs kill(1); systemtap-sdt-dev: <sys/sdt.h>
# for the SDT test program (testsuite/progs/sdtprog.c); python3: guests
# run the host's python3 (its SDT markers, loopback traffic); libc6-dbg:
# libc's DWARF for process(libc).function("malloc") { $bytes } tests.  No Recommends: they would add
# some 350 packages (a desktop's worth, for qemu's GUI and clang's LLVM).
deps="autoconf automake pkg-config flex bison libdw-dev libelf-dev libbpf-dev gcc make
      libc6-dev dejagnu expect qemu-system-x86 busybox-static xz-utils zstd
      cpio kmod bc clang libclang-rt-14-dev dropbear-bin openssh-client
      procps systemtap-sdt-dev python3 libc6-dbg gdb ${STAP_BOOTSTRAP_EXTRA:-}"

install_packages() {
	apt-get update &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "$@"
}

start=$(date +%s%N)
mkdir -p "$(dirname "$STEP_LOG")" && : >"$STEP_LOG"
step_log

# One dpkg-query for all (a call per package costs half a second).
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Abbrev} ' $deps 2>/dev/null || true) "
set --
for p in $deps; do
	case "$installed" in *" $p:ii "*) ;; *) set -- "$@" "$p" ;; esac
done
if [ $# -gt 0 ]; then
	[ $# = 1 ] && what="installing $1" || what="installing $# packages"
	step "$what" install_packages "$@" || exit 1
else
	step_say "all $(echo $deps | wc -w) packages are installed"
fi

if [ ! -x configure ]; then
	step "generating configure" autoreconf -fi || exit 1
fi
if [ ! -f Makefile ]; then
	step "configuring" ./configure || exit 1
fi
step "building" make -j"$(nproc)" || exit 1

# The VM kernel stap picks for a one-liner; stap-vm prints its own steps
# into our log.
STAP_SETUP_LOG=$STEP_LOG STAP_BUILDDIR="$PWD" STAP_STATIC_DIR="$PWD/static" \
	testsuite/vm/stap-vm fetch default
step_say "ready after $(step_took "$start")"
