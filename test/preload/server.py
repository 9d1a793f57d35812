"""A server under the preload that accepts only when told to, so each test says exactly which
accept it observes. Listener: descriptor --fd N (socket activation), or --bind HOST PORT (it binds
and listens itself: bind mode). Commands on stdin, one JSON line on stdout for each:
  accept [FLAGS [ROOM]]  accept4 by ctypes (the preload's symbol), ROOM bytes of address buffer;
                          {"fd", "errno", "errno_kept", "family", "port", "addrlen", "nonblock",
                          "cloexec", "data"}; the connection is read (2 s at most) and closed
  nonblock               O_NONBLOCK on the listener
  defer                  {"defer": TCP_DEFER_ACCEPT of the listener}
  dup2 N / close N       on the listener; the listener becomes N after dup2
  fresh N                a new listener on 127.0.0.1:0 that lands on descriptor N: {"port"}
  exec PATH ENV_JSON ARGS_JSON   execve(PATH, ARGS, ENV) with the listener left open
"""
import ctypes
import errno
import fcntl
import json
import os
import select
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
KEPT = 4242  # an errno no call here sets: seen again after a successful accept, errno was left alone


def say(document):
    os.write(1, (json.dumps(document) + '\n').encode())


def accept(fd, flags, room):
    buf = ctypes.create_string_buffer(128)
    length = ctypes.c_uint32(room)
    ctypes.set_errno(KEPT)
    got = libc.accept4(fd, buf, ctypes.byref(length), flags)
    err = ctypes.get_errno()
    if got < 0:
        return {'fd': -1, 'errno': errno.errorcode.get(err, err)}
    family = struct.unpack_from('=H', buf.raw)[0] if room >= 2 else None
    result = {'fd': got, 'errno_kept': err == KEPT, 'addrlen': length.value, 'family': family,
              'nonblock': not os.get_blocking(got), 'cloexec': not os.get_inheritable(got)}
    if room >= 4:
        result['port'] = struct.unpack_from('!H', buf.raw, 2)[0]
    os.set_blocking(got, True)
    data = b''
    if select.select([got], [], [], 2)[0]:
        data = os.read(got, 65536)
    result['data'] = data.decode('latin1')
    os.close(got)
    return result


def main():
    if sys.argv[1] == '--fd':
        fd = int(sys.argv[2])
    else:
        host, port = sys.argv[2], int(sys.argv[3])
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(16)
        fd = s.detach()
    say({'pid': os.getpid(), 'fd': fd, 'env': {k: v for k, v in os.environ.items() if k.startswith(('DEFER_', 'LD_'))}})
    for line in sys.stdin:
        cmd = line.split(' ', 1)[0].strip()
        rest = line[len(cmd):].strip()
        if cmd == 'accept':
            args = [int(a, 0) for a in rest.split()]
            say(accept(fd, args[0] if args else 0, args[1] if len(args) > 1 else 128))
        elif cmd == 'nonblock':
            os.set_blocking(fd, False)
            say({'nonblock': True})
        elif cmd == 'defer':
            value = socket.socket(fileno=os.dup(fd))
            say({'defer': value.getsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT)})
            value.close()
        elif cmd == 'dup2':
            fd = os.dup2(fd, int(rest))
            say({'fd': fd})
        elif cmd == 'close':
            os.close(int(rest))
            say({'closed': int(rest)})
        elif cmd == 'fresh':
            held = []
            while True:
                s = socket.socket()
                if s.fileno() >= int(rest):
                    break
                held.append(s)
            for h in held:
                h.close()
            s.bind(('127.0.0.1', 0))
            s.listen(16)
            say({'fd': s.fileno(), 'port': s.getsockname()[1]})
            fd = s.detach()
        elif cmd == 'exec':
            path, env, args = rest.split(' ', 2)
            os.set_inheritable(fd, True)
            fcntl.fcntl(fd, fcntl.F_SETFD, 0)
            os.execve(path, json.loads(args), json.loads(env))


main()
