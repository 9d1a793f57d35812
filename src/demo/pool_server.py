"""The demo's victim: an HTTP server with a fixed pool of worker threads, each doing a blocking
accept, reading the whole request head with no time limit, answering a short body and closing.
That is the shape of many pre-forked and threaded servers, and why slow clients starve them:
a worker holds a client until its head is complete. Standard library only.

Takes its listener by socket activation (LISTEN_FDS=1, LISTEN_PID = this pid, descriptor 3), or
binds 127.0.0.1:0 itself. Prints `ready PORT PID` on stdout once every worker waits in accept.
Usage: pool_server.py WORKERS LIFETIME_SECONDS (it exits by itself after LIFETIME_SECONDS)."""
import os
import signal
import socket
import sys
import threading

BODY = b"ok\n"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY)


def listener():
    if os.environ.get("LISTEN_FDS") == "1" and os.environ.get("LISTEN_PID") == str(os.getpid()):
        return socket.socket(fileno=3)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(511)
    return sock


def serve(sock):
    while True:
        conn, _ = sock.accept()
        # A client that resets or vanishes costs the worker nothing but this connection.
        try:
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    head += chunk
                else:
                    conn.sendall(RESPONSE)
        except OSError:
            pass


def main():
    workers, lifetime = int(sys.argv[1]), int(sys.argv[2])
    sock = listener()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(lifetime)
    for _ in range(workers):
        threading.Thread(target=serve, args=(sock,), daemon=True).start()
    print(f"ready {sock.getsockname()[1]} {os.getpid()}", flush=True)
    signal.pause()


main()
