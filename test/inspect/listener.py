# Holds listening TCP sockets on loopback until killed, for inspect's tests and bench.
# Prints one JSON line: the ports, in order. --count N sockets, each with the options given.
import argparse, json, signal, socket

parser = argparse.ArgumentParser()
parser.add_argument('--count', type=int, default=1)
parser.add_argument('--defer', type=int, default=0, help='TCP_DEFER_ACCEPT seconds')
parser.add_argument('--reuseport', action='store_true')
parser.add_argument('--ipv6', action='store_true')
parser.add_argument('--backlog', type=int, default=64)
args = parser.parse_args()

sockets = []
for _ in range(args.count):
    s = socket.socket(socket.AF_INET6 if args.ipv6 else socket.AF_INET)
    if args.reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(('::1' if args.ipv6 else '127.0.0.1', 0))
    if args.defer:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, args.defer)
    s.listen(args.backlog)
    sockets.append(s)
print(json.dumps([s.getsockname()[1] for s in sockets]), flush=True)
signal.signal(signal.SIGTERM, lambda *_: exit(0))
while True:
    signal.pause()
