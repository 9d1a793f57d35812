"""Plays the wrapper and the engine around one server under the preload (server.py): makes the
listener (or reserves a port for the server to bind), the channel (a SEQPACKET socketpair) and
the counters page, starts the server with DEFER_ACCEPT_* as the wrapper would, and acts as the
engine on its end of the channel: takes parked connections, gives them back, wakes the server."""
import ctypes
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

from page import Page

HERE = os.path.dirname(os.path.abspath(__file__))
PRELOAD = os.path.join(HERE, '../../native/build/libdefer_accept_preload.so')
REQUEST = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'


def die_with_parent():
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: never outlive the harness


def sockaddr(sock):
    """The peer of sock as the engine sends it: struct sockaddr_in / sockaddr_in6 bytes."""
    peer = sock.getpeername()
    packed = socket.inet_pton(sock.family, peer[0])
    if sock.family == socket.AF_INET:
        return struct.pack('=H', sock.family) + struct.pack('!H4s8x', peer[1], packed)
    return struct.pack('=H', sock.family) + struct.pack('!HI16s', peer[1], 0, packed) + struct.pack('=I', 0)


class Harness:
    def __init__(self, chain='httpready', timeout_ms=30000, pass_on_timeout=False, host='127.0.0.1',
                 bind=False, env=None, defer=True):
        self.host = host
        self.family = socket.AF_INET6 if ':' in host else socket.AF_INET
        self.page = Page(chain, timeout_ms, pass_on_timeout)
        self.engine, channel = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        listener = socket.socket(self.family)
        listener.bind((host, 0))
        self.port = listener.getsockname()[1]
        fds = [channel.fileno(), self.page.fd]
        if bind:
            listener.close()  # the port is the server's to bind now
            argv = ['--bind', host, str(self.port)]
            listeners = {}
        else:
            # As the wrapper does: a client is accepted once it sent something (the wake-up too).
            if defer:
                listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 1)
            listener.listen(16)
            fds.append(listener.fileno())
            argv = ['--fd', str(listener.fileno())]
            listeners = {'DEFER_ACCEPT_LISTENERS': str(listener.fileno())}
        self.env = {'PATH': '/usr/bin:/bin', 'LD_PRELOAD': PRELOAD, **listeners,
                    'DEFER_ACCEPT_PORTS': f'{self.port}@{channel.fileno()},{self.page.fd}={chain}', **(env or {})}
        self.server = subprocess.Popen([sys.executable, os.path.join(HERE, 'server.py'), *argv], env=self.env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       pass_fds=fds, preexec_fn=die_with_parent)
        channel.close()
        if not bind:
            listener.close()
        self.buffer = b''
        self.hello = self.read()
        self.clients = []

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.server.kill()
        self.server.wait()
        for c in self.clients:
            c.close()

    def read(self, timeout=5.0):
        """The server's next JSON line, or None if it says nothing within timeout seconds."""
        end = time.monotonic() + timeout
        while b'\n' not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.server.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.server.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b'\n', 1)
        return json.loads(line)

    def tell(self, command):
        self.server.stdin.write(command.encode() + b'\n')
        self.server.stdin.flush()

    def ask(self, command, timeout=5.0):
        self.tell(command)
        return self.read(timeout)

    def stderr(self):
        self.server.kill()
        return self.server.communicate()[1].decode()

    def client(self, data=b''):
        c = socket.create_connection((self.host, self.port), timeout=5)
        if data:
            c.sendall(data)
        self.clients.append(c)
        return c

    def parked(self, timeout=2.0):
        """The next "park" message from the server: (payload, the connection), or None."""
        if not select.select([self.engine], [], [], timeout)[0]:
            return None
        payload, fds, _, _ = socket.recv_fds(self.engine, 64, 2)
        return payload.decode(), socket.socket(fileno=fds[0]) if fds else None

    def give_back(self, sock, wake=True):
        """Send a parked connection back as "ready", then (wake) the wake-up connection."""
        socket.send_fds(self.engine, [sockaddr(sock)], [sock.fileno()])
        sock.close()
        if wake:
            return self.client(self.page.token)
        return None


def closed_by_peer(sock, timeout=2.0):
    """True once the other side closed sock (EOF or reset) within timeout."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b''
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
