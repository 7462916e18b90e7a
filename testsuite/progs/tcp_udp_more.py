# Loopback traffic for stap.run/tcp_udp_more: a TCP connection on IPv4
# with TCP_NODELAY set and "hello" sent over it; a UDP socket connected
# to 127.0.0.1:port then disconnected (connect with AF_UNSPEC).  Prints
# the ports for the script to compare.
import ctypes, socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
c.sendall(b"hello"); print(a.recv(5).decode()); c.close(); a.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", 9))
unspec = (ctypes.c_ubyte * 16)()  # sa_family 0: AF_UNSPEC
print("disconnect", ctypes.CDLL(None).connect(u.fileno(), unspec, 16))
