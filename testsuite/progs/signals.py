# Signals for stap.run/signal_more: a handler for SIGUSR1, then SIGUSR1
# to itself by kill(2), tgkill(2) and tkill(2); SIGUSR2 blocked, sent and
# seen pending, then unblocked; a POSIX timer's SIGALRM; SIGKILL to a
# sleeping child; a child whose handler's alternate stack is unwritable
# (the kernel forces a SIGSEGV on it).  Prints what it saw.
import ctypes, os, signal, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
got = []
catch = lambda s, f: got.append(s)
signal.signal(signal.SIGUSR1, catch)
signal.signal(signal.SIGUSR2, catch)
signal.signal(signal.SIGALRM, catch)
os.kill(os.getpid(), signal.SIGUSR1)
signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
libc.syscall(200, threading.get_native_id(), signal.SIGUSR1)  # tkill
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR2])
os.kill(os.getpid(), signal.SIGUSR2)
print("pending", [s.name for s in signal.sigpending()])
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGUSR2])

timer = ctypes.c_void_p()
libc.timer_create(1, None, ctypes.byref(timer))  # CLOCK_MONOTONIC, SIGALRM
libc.timer_settime(timer, 0, (ctypes.c_long * 4)(0, 0, 0, 1000000), None)
signal.sigtimedwait([], 0.5)  # let it fire
while signal.SIGALRM not in got:
    signal.pause()

child = subprocess.Popen(["sleep", "10"])
child.kill()
print("child", child.wait())

pid = os.fork()
if pid == 0:
    mmap = libc.mmap
    mmap.restype = ctypes.c_void_p
    mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                     ctypes.c_int, ctypes.c_int, ctypes.c_long]
    stack = (ctypes.c_void_p * 3)(mmap(None, 65536, 0, 0x22, -1, 0), 0, 65536)
    libc.sigaltstack(stack, None)  # PROT_NONE; the handler is SA_ONSTACK
    os.kill(os.getpid(), signal.SIGUSR1)
    os._exit(0)
print("segv", os.waitpid(pid, 0)[1] & 0x7f)
print("got", sorted(set(signal.Signals(s).name for s in got)))
