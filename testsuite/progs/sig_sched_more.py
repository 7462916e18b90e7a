# Signals and context switches for stap.run/sig_sched_more: SIGUSR1 to
# itself by kill(2) (the whole process) and tgkill(2) (one thread),
# SIGKILL to a sleeping child, and sleeps that switch the CPU away.
import os, signal, subprocess, threading, time
got = []
signal.signal(signal.SIGUSR1, lambda s, f: got.append(s))
os.kill(os.getpid(), signal.SIGUSR1)
signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)
child = subprocess.Popen(["sleep", "10"])
time.sleep(0.2)
child.kill()
print("child", child.wait(), "got", len(got))
