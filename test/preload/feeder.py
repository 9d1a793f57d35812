"""Test-only stand-in for the engine: the engine's side of one hand-over pair, no filter.

feeder.py 4|6|gone -- SERVER ARGV...

Listens on 127.0.0.1:0 (or [::1]:0), starts SERVER with the other end of an AF_UNIX
SOCK_SEQPACKET pair as descriptor 3, LD_PRELOAD=$DA_PRELOAD and DEFER_ACCEPT_HANDOVER=3@ADDRESS,
and hands every client over as the contract says: one message, the peer's sockaddr as payload,
the socket in SCM_RIGHTS, in the mode the server last asked for.
Prints JSON lines on stdout: {"port", "pid"} once, then {"pref": "N"|"B"} per preference byte.
With `gone` it closes its end at once, as an engine that died with no one else holding it.
Exits with the server's status; on SIGTERM stops the server first.
"""
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys


def say(document):
    # One write per line: the server under test writes to the same stdout, and print() may split
    # a line and its newline into two writes, letting the server's output in between.
    os.write(1, (json.dumps(document) + '\n').encode())


def sockaddr(family, host, port, flowinfo=0, scope_id=0):
    packed = socket.inet_pton(family, host)
    if family == socket.AF_INET:
        return struct.pack('=H', family) + struct.pack('!H4s8x', port, packed)
    return struct.pack('=H', family) + struct.pack('!HI16s', port, flowinfo, packed) + struct.pack('=I', scope_id)


def main():
    family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
    host = '127.0.0.1' if family == socket.AF_INET else '::1'
    argv = sys.argv[sys.argv.index('--') + 1:]
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind((host, 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    engine_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    address = f'{host}:{port}' if family == socket.AF_INET else f'[{host}]:{port}'
    env = dict(os.environ, DEFER_ACCEPT_HANDOVER=f'3@{address}', LD_PRELOAD=os.environ['DA_PRELOAD'])
    server = subprocess.Popen(argv, env=env, pass_fds=(3,),
                              preexec_fn=lambda: os.dup2(server_end.fileno(), 3))
    server_end.close()
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    say({'port': port, 'pid': server.pid})
    nonblock = False
    watched = [listener, engine_end]
    if sys.argv[1] == 'gone':
        engine_end.close()
        sys.exit(server.wait())
    while server.poll() is None:
        try:
            readable, _, _ = select.select(watched, [], [], 0.1)
        except InterruptedError:
            continue
        if listener in readable:
            client, peer = listener.accept()
            client.setblocking(not nonblock)
            engine_end.sendmsg([sockaddr(family, *peer)],
                               [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack('i', client.fileno()))])
            client.close()
        if engine_end in readable:
            pref = engine_end.recv(16)
            if not pref:
                watched.remove(engine_end)  # the server closed its end; it may still live
            elif pref in (b'N', b'B'):
                nonblock = pref == b'N'
                say({'pref': pref.decode()})
    sys.exit(server.wait())


main()
