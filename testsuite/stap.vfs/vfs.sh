#!/bin/sh
# The file activity testsuite/stap.vfs/vfs.exp watches (run in the
# guest by stapio as the target): a file in /tmp (tmpfs) is created and
# written by the shell, stat'ed, read by dd with a 100-byte block, read
# and written by python3 through readv/writev, then removed.
f=/tmp/vfs.test
echo hello-vfs >$f
stat -c "stat %i %d" $f
/usr/bin/dd if=$f of=/dev/null bs=100 count=1 status=none
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR)
os.readv(fd, [bytearray(3), bytearray(5)])
os.writev(fd, [b"ab", b"cde"])
os.close(fd)
' $f
rm -f $f
