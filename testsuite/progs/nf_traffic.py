# Loopback traffic for stap.netfilter, on fixed ports (the scripts
# match them): "observe" sends a TCP connection 127.0.0.1:47002 ->
# :47001 carrying "nf-hello", a UDP datagram :47004 -> :47003
# ("nf-datagram"), one over IPv6 [::1]:47006 -> :47005 ("nf-datagram6")
# and an ICMP echo request to 127.0.0.1; "drop" sends a datagram to
# :47010 and one to :47011 and connects to :47012, printing what the
# receiver and the sender see (the script drops :47010 and :47012).
import socket, struct, sys

def udp(fam, host, src, dst, data, timeout=None):
    r = socket.socket(fam, socket.SOCK_DGRAM); r.bind((host, dst))
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((host, src))
    r.settimeout(timeout)
    s.sendto(data, (host, dst))
    try:
        got = r.recv(64).decode()
    except socket.timeout:
        got = "timeout"
    r.close(); s.close()
    return got

def tcp(src, dst, data, timeout=None):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", dst)); l.listen(1)
    c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("127.0.0.1", src)); c.settimeout(timeout)
    try:
        c.connect(("127.0.0.1", dst))
    except (socket.timeout, OSError) as e:
        c.close(); l.close()
        return "connect " + ("timeout" if isinstance(e, socket.timeout) else "error")
    a, _ = l.accept(); c.sendall(data); got = a.recv(64).decode()
    c.close(); a.close(); l.close()
    return got

def ping():
    def csum(b):
        n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        n = (n >> 16) + (n & 0xffff); n += n >> 16
        return ~n & 0xffff
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(5)
    body = struct.pack("!BBHHH", 8, 0, 0, 0x4e46, 1) + b"nf-ping!"
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    s.sendto(body, ("127.0.0.1", 0))
    while True:
        pkt = s.recv(128)
        if pkt[20] == 0:
            return "pong"

if sys.argv[1] == "observe":
    print(tcp(47002, 47001, b"nf-hello"))
    print(udp(socket.AF_INET, "127.0.0.1", 47004, 47003, b"nf-datagram"))
    print(udp(socket.AF_INET6, "::1", 47006, 47005, b"nf-datagram6"))
    print(ping())
else:
    print("47010:", udp(socket.AF_INET, "127.0.0.1", 47009, 47010, b"drop me", 1))
    print("47011:", udp(socket.AF_INET, "127.0.0.1", 47009, 47011, b"keep me", 5))
    print("47012:", tcp(47013, 47012, b"x", 1))
