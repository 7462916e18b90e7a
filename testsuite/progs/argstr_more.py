# System calls for stap.run/argstr_more, whose argstr decode socket
# addresses and times: connect(2) to 127.0.0.1:8080 and [::1]:8081,
# accept(2) and accept4(2) (python's own, with an address buffer, and
# two with NULL ones), bind(2) to a unix path and an abstract name, sendto(2) to
# 127.0.0.1:9, nanosleep(2) and clock_nanosleep(2) for 1.5 ms,
# ppoll(2) and pselect6(2) with 1 ms, select(2) with 2 ms, and
# utimensat(2) setting 1 s and 2 s.
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
ts = lambda s, ns: (ctypes.c_long * 2)(s, ns)
srv = socket.socket(); srv.bind(("127.0.0.1", 8080)); srv.listen(1)
socket.create_connection(("127.0.0.1", 8080)).close()
srv.accept()[0].close()                          # accept4(fd, addr, len, CLOEXEC)
srv.setblocking(False)
libc.syscall(43, srv.fileno(), None, None)       # accept: EAGAIN
libc.syscall(288, srv.fileno(), None, None, 0o2004000)  # accept4: EAGAIN
s6 = socket.socket(socket.AF_INET6)
print("v6", s6.connect_ex(("::1", 8081)) != 0)
u = socket.socket(socket.AF_UNIX); u.bind("/tmp/argstr_more.sock")
a = socket.socket(socket.AF_UNIX); a.bind("\0argstr_more")
d = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
d.sendto(b"x", ("127.0.0.1", 9))
libc.syscall(35, ts(0, 1500000), None)            # nanosleep
libc.clock_nanosleep(1, 0, ts(0, 1500000), None)  # CLOCK_MONOTONIC
libc.syscall(271, None, 0, ts(0, 1000000), None, 8)     # ppoll
libc.syscall(270, 0, None, None, None, ts(0, 1000000), None)  # pselect6
libc.syscall(23, 0, None, None, None, ts(0, 2000))      # select
os.utime("/tmp/argstr_more.sock", ns=(1000000000, 2000000000))
os.unlink("/tmp/argstr_more.sock")
