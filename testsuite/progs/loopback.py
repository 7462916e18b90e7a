# Loopback traffic for stap.run/tcp_udp: "hello" over TCP on IPv4, a
# datagram over UDP, "hello6" over TCP on IPv6; each received payload is
# printed.
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"hello"); print(a.recv(5).decode()); c.close(); a.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); v.sendto(b"datagram", u.getsockname()); print(u.recv(16).decode())
s6 = socket.socket(socket.AF_INET6); s6.bind(("::1", 0)); s6.listen(1)
c6 = socket.create_connection(s6.getsockname()[:2]); a6, _ = s6.accept()
c6.sendall(b"hello6"); print(a6.recv(6).decode()); c6.close(); a6.close()
