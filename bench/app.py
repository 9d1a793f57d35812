"""The WSGI application every gunicorn benchmark serves: a short fixed body, no work."""


def app(environ, start_response):
    body = b"ok\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
