#!/usr/bin/env python3
"""The fast path's client: COUNT connections to 127.0.0.1:PORT, CONCURRENCY at a time, each
sending one complete request in one segment and reading the answer until the server closes.
An exact number of connections, where wrk only runs for a time. Prints `ok N failed F`."""
import socket
import sys
import threading

count, port, concurrency = (int(a) for a in sys.argv[1:4])
REQUEST = b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
lock = threading.Lock()
left = count
ok = failed = 0


def worker():
    global left, ok, failed
    while True:
        with lock:
            if left == 0:
                return
            left -= 1
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(REQUEST)
                answer = b""
                while chunk := s.recv(4096):
                    answer += chunk
            good = answer.startswith(b"HTTP/1.1 200")
        except OSError:
            good = False
        with lock:
            ok += good
            failed += not good


threads = [threading.Thread(target=worker) for _ in range(concurrency)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"ok {ok} failed {failed}")
