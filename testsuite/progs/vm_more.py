# Memory events for stap.run/vm_more: a private anonymous 64 KiB mapping
# read (the zero page) then written (copied), unmapped; a child that
# writes to memory it shares with its parent (copy on write).
import mmap, os
m = mmap.mmap(-1, 65536, flags=mmap.MAP_PRIVATE)
m[0]
m[0] = 1
m.close()
buf = bytearray(b"x" * 65536)
pid = os.fork()
if pid == 0:
    buf[4096] = 0
    os._exit(0)
print("child", os.waitpid(pid, 0)[1])
