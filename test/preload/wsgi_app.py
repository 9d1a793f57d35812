"""A WSGI application that says who answered and whom: worker pid, client address, server port."""
import json
import os


def app(environ, start_response):
    body = json.dumps({
        'pid': os.getpid(),
        'client': [environ['REMOTE_ADDR'], int(environ['REMOTE_PORT'])],
        'server_port': int(environ['SERVER_PORT']),
    }).encode()
    start_response('200 OK', [('Content-Type', 'application/json'), ('Content-Length', str(len(body)))])
    return [body]
