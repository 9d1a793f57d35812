#!/usr/bin/env python3
"""S4's parked clients: COUNT connections to 127.0.0.1:PORT that send "G" (the first byte of a
request that never completes) and then nothing, held until SIGTERM.

One source address has about 28,000 ephemeral ports, so the clients are spread over ADDRESSES
loopback source addresses from 127.0.0.FIRST on, bound before connect. Prints `held H failed F
closed C` once a second: held = connected and sent, closed = the far side closed it since.
"""
import errno
import selectors
import signal
import socket
import sys
import time

IP_BIND_ADDRESS_NO_PORT = 24  # the port is chosen at connect, per 4-tuple, not at bind
PENDING = 256  # connects in progress at once: fast, without a SYN burst the listener drops

count, port, first, addresses = (int(a) for a in sys.argv[1:5])
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

sel = selectors.DefaultSelector()
started = held = failed = closed = pending = 0
last_report = 0.0


def open_one(i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
    s.bind((f"127.0.0.{first + i % addresses}", 0))
    rc = s.connect_ex(("127.0.0.1", port))
    if rc not in (0, errno.EINPROGRESS):
        s.close()
        return False
    sel.register(s, selectors.EVENT_WRITE)
    return True


while True:
    while started < count and pending < PENDING:
        started += 1
        if open_one(started):
            pending += 1
        else:
            failed += 1
    for key, _ in sel.select(timeout=0.2):
        s = key.fileobj
        if key.events == selectors.EVENT_WRITE:
            pending -= 1
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0 and s.send(b"G") == 1:
                held += 1
                sel.modify(s, selectors.EVENT_READ)  # only to see the far side close it
                continue
            failed += 1
        else:
            held -= 1
            closed += 1
        sel.unregister(s)
        s.close()
    now = time.monotonic()
    if now - last_report >= 1:
        last_report = now
        print(f"held {held} failed {failed} closed {closed}", flush=True)
