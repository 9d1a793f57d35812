"""Start the real engine with a control socket and no channel, for servers that ask for
SO_ACCEPTFILTER channels themselves: bind and listen AF_UNIX SOCK_SEQPACKET at PATH, then become
`da-engine --control 3` (same pid, so the test stops it by the pid it started).

engine.py DA_ENGINE PATH
"""
import os
import socket
import sys

engine, path = sys.argv[1], sys.argv[2]
control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
control.bind(path)
control.listen(16)
os.dup2(control.fileno(), 3)
os.set_inheritable(3, True)  # dup2 onto itself keeps close-on-exec
os.execv(engine, [engine, '--control', '3'])
