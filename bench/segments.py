"""S5's client: COUNT requests to 127.0.0.1:PORT one after another, each on a new connection and
sent in three segments (request line, Host header, end of head) 20 ms apart, each answer read
to the end. Standard library only. Usage: segments.py COUNT PORT"""
import socket
import sys
import time

count, port = int(sys.argv[1]), int(sys.argv[2])
parts = [b"GET / HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n", b"Connection: close\r\n\r\n"]
ok = 0
for _ in range(count):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i, part in enumerate(parts):
            if i:
                time.sleep(0.02)
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        ok += answer.startswith(b"HTTP/1.1 200") or answer.startswith(b"HTTP/1.0 200")
print(ok)
