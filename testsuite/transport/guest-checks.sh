#!/bin/sh
# Transport checks to run inside a test guest (as root, staprun and stapio
# in PATH, /proc mounted, a writable /tmp):
#   guest-checks.sh [/path/to/stap_fixture.ko]
# Exercises testsuite/transport/stap_fixture.ko built for the running
# kernel: records from every CPU in order, binary output, stderr stream,
# -o, exit status, the exit-request path, SIGINT/SIGTERM/SIGHUP, forced
# drops and their report, START failure, stapio killed, rmmod under
# stapio, and staprun's error messages.  Prints PASS:/FAIL: lines and a
# RESULT line; exits 0 when all passed.  Busybox is enough.
cd /tmp
K=$(uname -r)
M=${1:-/fx/stap_fixture.ko}
pass=0; fail=0
ok() { echo "PASS: $*"; pass=$((pass+1)); }
bad() { echo "FAIL: $*"; fail=$((fail+1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1 [$2]"; fi; }
gone() { ! grep -q '^stap_fixture ' /proc/modules; }
# Waits until the command succeeds (polling; up to 10 minutes, the
# bound of a hang): a step waits for what it needs, never for a fixed
# time that a slow or loaded guest may miss.
wait_for() {
	i=0
	until eval "$1"; do
		i=$((i + 1))
		[ $i -lt 6000 ] || { echo "timed out waiting for: $1"; return 1; }
		sleep 0.1
	done
}
echo "=== kernel $K, $(nproc) cpus"

# 1. basic: records from all CPUs, exit request path, stderr stream, binary bytes
staprun -v $M nrec=3000 > out1 2> err1; rc=$?
check "basic rc=0" "[ $rc = 0 ]"
check "basic module unloaded" "gone"
N=$(nproc)
c=0; while [ $c -lt $N ]; do
	check "basic cpu$c count" "[ \$(grep -c '^cpu$c ' out1) = 3000 ]"
	c=$((c+1))
done
check "basic first line begin" "[ \"\$(head -n1 out1)\" = begin ]"
check "basic last line end" "[ \"\$(tail -n1 out1)\" = end ]"
printf 'bin\000\001\377\n' > binexp
dd if=out1 bs=1 skip=6 count=7 of=bingot 2>/dev/null
check "basic binary record" "cmp bingot binexp"
check "basic stderr records" "[ \$(grep -c '^err cpu' err1) = \$((30 * N)) ]"
check "basic per-cpu order" "awk '/^cpu/{c=substr(\$1,4); if (\$2 != n[c]+0) exit 1; n[c]++}' out1"
check "basic no warnings" "! grep -q WARNING err1"
grep -E 'stapio: (module|sent|received)' err1 | head -12

# 2. -o FILE and exit status from the script
staprun -o /tmp/o2 $M nrec=10 status=1 > out2 2> err2; rc=$?
check "status=1 propagates" "[ $rc = 1 ]"
check "-o FILE gets output" "[ \$(grep -c '^cpu' o2) = \$((10 * N)) ] && [ ! -s out2 ]"
check "status module unloaded" "gone"

# 3. SIGINT path: endless script stopped by a signal; end probe still printed
staprun $M nrec=2000000000 exit_after=0 > out3 2> err3 &
sp=$!
wait_for "[ -s out3 ]"	# the session runs: its output has begun
kill -INT $sp
wait $sp; rc=$?
check "SIGINT rc=0" "[ $rc = 0 ]"
check "SIGINT end printed" "[ \"\$(tail -n1 out3)\" = end ]"
check "SIGINT module unloaded" "gone"
echo "  (SIGINT run relayed $(wc -l < out3) lines)"
cat err3 | grep -v '^err cpu' | head -5

# 3b. SIGTERM and SIGHUP
for s in TERM HUP; do
	staprun $M nrec=2000000000 exit_after=0 > out3 2> err3 &
	sp=$!; wait_for "[ -s out3 ]"; kill -$s $sp; wait $sp; rc=$?
	check "SIG$s rc=0, end printed, unloaded" "[ $rc = 0 ] && [ \"\$(tail -n1 out3)\" = end ] && gone"
done

# 4. flood: provoke drops; everything is either relayed or reported lost
staprun $M nrec=300000 burst=0 > out4 2> err4; rc=$?
got=$(( $(grep -c '^cpu' out4) + $(grep -c '^err cpu' err4) ))
lost=$(grep 'records lost on CPU' err4 | awk '{s+=$2} END {print s+0}')
exp=$(( N * (300000 + 3000) ))
echo "  flood: got $got lost $lost expected $exp"
grep WARNING err4
check "flood rc=0" "[ $rc = 0 ]"
check "flood losses reported" "[ $lost -gt 0 ]"
check "flood got+lost=expected" "[ $((got + lost)) = $exp ]"
check "flood per-cpu order" "awk '/^cpu/{c=substr(\$1,4); if (\$2+0 <= l[c] && seen[c]) exit 1; l[c]=\$2+0; seen[c]=1}' out4"
check "flood module unloaded" "gone"

# 5. START fails
staprun $M start_rc=-22 > out5 2> err5; rc=$?
check "start failure rc=1" "[ $rc = 1 ] && grep -q 'failed to start' err5"
cat err5
check "start failure unloaded" "gone"

# 6. stapio killed: staprun still unloads
staprun $M nrec=2000000000 exit_after=0 > out6 2> err6 &
sp=$!; wait_for "[ -s out6 ] && pidof stapio >/dev/null"
kill -9 $(pidof stapio)
wait $sp; rc=$?
check "stapio killed rc=1, unloaded" "[ $rc = 1 ] && gone"
cat err6

# 7. loader errors
staprun /nonexistent.ko 2> e; check "missing file" "grep -q 'does not exist' e"; cat e
staprun /bin/busybox 2> e; check "not a module" "grep -q 'not a kernel module' e"; cat e
insmod $M
staprun $M 2> e; check "already loaded" "grep -q 'already loaded' e"; cat e
check "already loaded: not unloaded by us" "! gone"
rmmod stap_fixture
STAPIO=/nonexistent staprun $M 2> e; check "stapio missing" "grep -q 'STAPIO' e && gone"; cat e
sio=$(dirname "$(command -v staprun)")/stapio
if [ -x "$sio" ]; then
	mv "$sio" "$sio.x"
	staprun $M 2> e; check "stapio not found" "grep -q 'cannot find stapio' e && gone"; cat e
	mv "$sio.x" "$sio"
fi
staprun $M bogus 2> e; check "bad param" "grep -q 'name=value' e"; cat e
staprun $M nrec=5 nosuch=1 > o 2> e; rc=$?; check "params passed (nrec=5)" "[ $rc = 0 ] && [ \$(grep -c '^cpu' o) = \$((5 * N)) ] && gone"

# 8. stapio against a vanishing module
insmod $M nrec=2000000000 exit_after=0
stapio stap_fixture > out8 2> err8 &
sp=$!; wait_for "[ -s out8 ]"
rmmod stap_fixture; rc=$?
wait $sp; src=$?
check "rmmod under stapio: module gone, stapio rc=1" "[ $rc = 0 ] && [ $src = 1 ] && gone"
cat err8 | grep -v '^err cpu'

dmesg | grep -E 'BUG|WARNING|Call Trace|stap' | head -20
echo "=== RESULT $K: $pass passed, $fail failed"
[ $fail = 0 ]
