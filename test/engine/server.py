# The server side of a hand-over pair, for the engine's tests. The pair is descriptor 3. For each
# message: the peer address from the payload, the TCP socket from SCM_RIGHTS, then every byte
# the client sent (read until it is quiet for a moment, one thread per connection), reported as
# one JSON line on stdout.
# argv[1]: "B" (blocking, the default) or "N" (ask for non-blocking sockets);
# argv[2] "wait": receive nothing until a line arrives on stdin (a slow server).
import array, hashlib, json, os, socket, struct, sys, threading

handover = socket.socket(fileno=3)
if len(sys.argv) > 1 and sys.argv[1] == "N":
    handover.send(b"N")
if len(sys.argv) > 2 and sys.argv[2] == "wait":
    sys.stdin.readline()
print(json.dumps({"ready": True}), flush=True)

lock = threading.Lock()


def serve(conn, report):
    conn.settimeout(0.3)
    data = b""
    try:
        while chunk := conn.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    report.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    with lock:
        print(json.dumps(report), flush=True)
    try:
        conn.sendall(b"served\n")
    except OSError:
        pass
    conn.close()


while True:
    payload, ancillary, _, _ = handover.recvmsg(128, socket.CMSG_SPACE(4))
    if not payload and not ancillary:
        break  # the engine closed its end
    fd = array.array("i", ancillary[0][2])[0]
    family = struct.unpack("=H", payload[:2])[0]
    port = struct.unpack("!H", payload[2:4])[0]
    if family == socket.AF_INET:
        host = socket.inet_ntop(socket.AF_INET, payload[4:8])
    else:
        host = socket.inet_ntop(socket.AF_INET6, payload[8:24])
    report = {"host": host, "port": port, "length": len(payload), "blocking": os.get_blocking(fd)}
    threading.Thread(target=serve, args=(socket.socket(fileno=fd), report)).start()
