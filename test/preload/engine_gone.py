"""A server whose hand-over descriptor (fd 3) lost its engine: accept must act as on a listener
no client reaches any more: EAGAIN when non-blocking, a wait when blocking (ended here by a
timer signal). Prints one JSON line."""
import json
import signal
import socket


def alarm(*_):
    raise TimeoutError


listener = socket.socket(fileno=3)
listener.setblocking(False)
try:
    listener.accept()
    nonblocking = 'a connection'
except BlockingIOError:
    nonblocking = 'EAGAIN'
listener.setblocking(True)
signal.signal(signal.SIGALRM, alarm)
signal.setitimer(signal.ITIMER_REAL, 0.5)
try:
    listener.accept()
    blocking = 'a connection'
except TimeoutError:
    blocking = 'waited until the signal'
except OSError as e:
    blocking = str(e)
print(json.dumps({'nonblocking': nonblocking, 'blocking': blocking}), flush=True)
