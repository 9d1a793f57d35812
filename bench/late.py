"""S6's client: COUNT connections to 127.0.0.1:PORT at once, each sending a whole request after
DELAY seconds (0: at once, as curl does; more: a client slow to speak) and reading the answer.
Prints how many were answered. Usage: late.py COUNT PORT DELAY"""
import socket
import sys
import threading
import time

count, port, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
answered = []


def one():
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        time.sleep(delay)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        if answer.startswith(b"HTTP/1.1 200"):
            answered.append(1)


threads = [threading.Thread(target=one) for _ in range(count)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(answered))
