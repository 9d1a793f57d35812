"""A server out of descriptors when a connection is handed over: accept must fail with EMFILE
and leave nothing half-open; once descriptors are free again the next client is served.
Prints one JSON line after the failed accept and one after serving."""
import errno
import json
import os
import resource
import select
import socket

listener = socket.socket(fileno=3)
print(json.dumps({'waiting': True}), flush=True)
select.select([listener], [], [], 10)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
fillers = []
try:
    while True:
        fillers.append(os.open('/dev/null', os.O_RDONLY))
except OSError:
    pass
try:
    listener.accept()
    first = 'a connection'
except OSError as e:
    first = errno.errorcode[e.errno]
for fd in fillers:
    os.close(fd)
print(json.dumps({'first': first, 'open_after': len(os.listdir('/proc/self/fd'))}), flush=True)
client, peer = listener.accept()
client.recv(4096)
client.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok')
client.close()
print(json.dumps({'served': list(peer)}), flush=True)
