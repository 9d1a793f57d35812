"""A stand-in for the engine's control socket, for SO_ACCEPTFILTER: control.py PATH runs
COMMAND... with DEFER_ACCEPT_CONTROL=PATH under the preload and answers each "channel CHAIN"
with "ok", a channel's server end and a page (httpready only; anything else "error unknown").
Prints one JSON document: the requests it saw, the page's counters, and the program's stdout."""
import json
import os
import select
import socket
import subprocess
import sys

from harness import PRELOAD, die_with_parent
from page import Page

path, argv = sys.argv[1], sys.argv[2:]
control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
control.bind(path)
control.listen(4)
program = subprocess.Popen(argv, env={'PATH': '/usr/bin:/bin', 'LD_PRELOAD': PRELOAD, 'DEFER_ACCEPT_CONTROL': path},
                           stdout=subprocess.PIPE, preexec_fn=die_with_parent)
requests, pages, keep = [], [], []
while program.poll() is None:
    if select.select([control], [], [], 0.05)[0]:
        asker, _ = control.accept()
        request = asker.recv(512).decode()
        requests.append(request)
        if request == 'channel httpready':
            engine, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            page = Page('httpready', timeout_ms=1000)
            socket.send_fds(asker, [b'ok'], [server.fileno(), page.fd])
            server.close()
            keep.append(engine)
            pages.append(page)
        else:
            asker.send(b'error unknown filter')
        asker.close()
out = program.stdout.read().decode()
print(json.dumps({'requests': requests, 'counters': [p.counters() for p in pages], 'stdout': out}))
os.unlink(path)
