"""An unmodified-style Python HTTP server taking its listener by socket activation (fd 3).

Prints one JSON line at start with what the listener says about itself, then answers every
request with JSON: the client's address as accept() gave it, the listener's getsockname, and the
accepted socket's blocking mode.
"""
import errno
import http.server
import json
import os
import socket
import sys

listener = socket.socket(fileno=3)
# What servers do after taking a listener: tune it, ask what it is.
listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 7)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.listen(128)
try:
    listener.getpeername()
    peer = 'connected'
except OSError as e:
    peer = errno.errorcode[e.errno]
print(json.dumps({
    'family': int(listener.family), 'type': int(listener.type), 'proto': listener.proto,
    'sockname': listener.getsockname(),
    'acceptconn': listener.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN),
    'defer_accept': listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT),
    'peername': peer,
}), flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({
            'client': list(self.client_address[:2]),
            'server': list(self.server.socket.getsockname()[:2]),
            'peer_seen_by_socket': list(self.connection.getpeername()[:2]),
            'blocking': os.get_blocking(self.connection.fileno()),
        }).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print(json.dumps({'log': format % args, 'client': self.client_address[0]}), file=sys.stderr, flush=True)


server = http.server.HTTPServer(listener.getsockname()[:2], Handler, bind_and_activate=False)
server.socket = listener
server.serve_forever()
