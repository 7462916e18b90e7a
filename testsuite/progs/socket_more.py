# Socket traffic for stap.run/socket_more: a loopback TCP connection
# that sends "hello" with send(2) and receives it with recv(2) into a
# 100-byte buffer, then "abc" with write(2) and read(2) into 50 bytes;
# a unix datagram socket pair that sends "xy".  Prints what it got.
import os, socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.send(b"hello")
print(a.recv(100).decode())
os.write(c.fileno(), b"abc")
print(os.read(a.fileno(), 50).decode())
u1, u2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
u1.send(b"xy")
print(u2.recv(10).decode())
for x in (c, a, s, u1, u2):
    x.close()
