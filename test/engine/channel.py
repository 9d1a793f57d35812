# The server side of one channel, for the engine's tests: what the wrapper and the preload do,
# played by hand. It makes a TCP listener on 127.0.0.1 (port from the kernel), a SEQPACKET pair,
# a counters page (the one page encoder of these tests), a control socket, and starts da-engine
# with --channel. Then it answers one JSON request per stdin line with one JSON line on stdout.
# argv[1]: the engine; argv[2]: JSON options (chain, timeout, pass, backlog, max_parked, nofile).
import array, json, mmap, os, resource, select, signal, socket, struct, subprocess, sys, tempfile, time

ENGINE = sys.argv[1]
OPTIONS = json.loads(sys.argv[2])

# native/common/page.h, field by field (offsets as the C compiler lays them out, x86-64 and arm64).
PAGE_SIZE = 4096
MAGIC, VERSION = 0x32566164, 1
COUNTS = 360
COUNTERS = {  # name: (offset in struct da_counters, struct format)
    "accepted": (0, "Q"), "ready": (8, "Q"), "passed": (16, "Q"),
    "passed_on": (24, "4Q"), "dropped": (56, "8Q"), "parked_total": (120, "Q"),
    "parked": (128, "I"), "held": (132, "I"), "park_ms_max": (392, "I"), "engine_starts": (396, "I"),
}
PASS_REASONS = ["verdict", "timeout", "oversize", "no_engine"]
DROP_REASONS = ["timeout", "eof", "reset", "filter", "park_full", "shed", "no_server", "engine"]


def make_page(chain, timeout_ms, pass_on_timeout):
    fd = os.memfd_create("da-test-page", 0)
    os.ftruncate(fd, PAGE_SIZE)
    page = mmap.mmap(fd, PAGE_SIZE)
    token = os.urandom(16)
    struct.pack_into("=II16sII", page, 0, MAGIC, VERSION, token, timeout_ms, 1 if pass_on_timeout else 0)
    struct.pack_into("=I64s", page, 36, 1, b"127.0.0.1:0")
    struct.pack_into("=256s", page, 104, chain.encode())
    return fd, page, token


def counters(page):
    out = {}
    for name, (offset, fmt) in COUNTERS.items():
        values = struct.unpack_from("=" + fmt, page, COUNTS + offset)
        if name == "passed_on":
            out[name] = dict(zip(PASS_REASONS, values))
        elif name == "dropped":
            out[name] = dict(zip(DROP_REASONS, values))
        else:
            out[name] = values[0]
    out["engine_pid"] = struct.unpack_from("=i", page, 32)[0]
    return out


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(128)
port = listener.getsockname()[1]
server_end, engine_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
page_fd, page, token = make_page(OPTIONS.get("chain", "httpready"), OPTIONS.get("timeout", 5000),
                                 OPTIONS.get("pass", False))
control_dir = tempfile.mkdtemp(prefix="da-engine-")
control_path = os.path.join(control_dir, "control.sock")
control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
control.bind(control_path)
control.listen(16)
os.chmod(control_dir, 0o755)
os.chmod(control_path, 0o777)  # the engine drops root for nobody: its socket stays usable
engine = None


def limit():
    if OPTIONS.get("nofile"):
        resource.setrlimit(resource.RLIMIT_NOFILE, (OPTIONS["nofile"], OPTIONS["nofile"]))


def start_engine():
    global engine
    fds = (engine_end.fileno(), page_fd, control.fileno())
    spec = "channel=%d page=%d chain=%s backlog=%d" % (
        engine_end.fileno(), page_fd, OPTIONS.get("chain", "httpready"), OPTIONS.get("backlog", 64))
    args = [ENGINE, "--channel", spec, "--control", str(control.fileno())]
    if OPTIONS.get("defaults"):
        args += ["--channel-defaults", OPTIONS["defaults"]]
    if OPTIONS.get("max_parked"):
        args += ["--max-parked", str(OPTIONS["max_parked"])]
    engine = subprocess.Popen(args, pass_fds=fds, preexec_fn=limit)
    return engine.pid


def wait_readable(sock, seconds):
    return bool(select.select([sock], [], [], seconds)[0])


def park(request):
    if not wait_readable(listener, 5):
        return {"error": "no connection to accept"}
    conn, peer = listener.accept()
    socket.send_fds(server_end, [b"P"], [conn.fileno()])
    conn.close()
    return {"peer": peer[1]}


def read_all(conn):
    conn.settimeout(0.3)
    data = b""
    try:
        while chunk := conn.recv(65536):
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def ready(request):
    if not wait_readable(server_end, request.get("timeout", 5000) / 1000):
        return {"none": True}
    payload, fds, _, _ = socket.recv_fds(server_end, 128, 2)
    family = struct.unpack("=H", payload[:2])[0]
    peer_port = struct.unpack("!H", payload[2:4])[0]
    host = socket.inet_ntop(socket.AF_INET, payload[4:8]) if family == socket.AF_INET else "?"
    answer = {"family": family, "host": host, "port": peer_port, "length": len(payload), "fds": len(fds)}
    conn = socket.socket(fileno=fds[0])
    answer["blocking"] = conn.getblocking()
    if request.get("reply"):
        conn.sendall(request["reply"].encode())
    answer["bytes"] = read_all(conn).decode("latin-1") if request.get("read", True) else ""
    conn.close()
    if wait_readable(listener, 2):  # the wake-up
        wake, _ = listener.accept()
        wake.settimeout(2)
        answer["wakeup"] = wake.recv(64).hex()
        answer["token"] = answer["wakeup"] == token.hex()
        wake.close()
    return answer


def control_request(request):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.settimeout(5)
    sock.connect(control_path)
    sock.send(request["request"].encode())
    payload, fds, _, _ = socket.recv_fds(sock, 65536, 4)
    sock.close()
    answer = {"answer": payload.decode(), "fds": len(fds)}
    if len(fds) == 2:
        answer["server_end_type"] = socket.socket(fileno=os.dup(fds[0])).type
        got = mmap.mmap(fds[1], PAGE_SIZE)
        magic, version, their_token, timeout_ms, pass_on = struct.unpack_from("=II16sII", got, 0)
        answer.update(magic=magic == MAGIC, version=version, token=their_token != bytes(16),
                      timeout_ms=timeout_ms, pass_on_timeout=pass_on,
                      chain=got[104:360].split(b"\0")[0].decode(), engine_starts=counters(got)["engine_starts"])
    for fd in fds:
        os.close(fd)
    return answer


def restart(request):
    engine.send_signal(signal.SIGKILL)
    engine.wait()
    return {"engine": start_engine()}


def hangup(request):
    server_end.close()
    try:
        return {"exit": engine.wait(timeout=request.get("timeout", 5000) / 1000)}
    except subprocess.TimeoutExpired:
        return {"exit": None}


def junk(request):
    r, w = os.pipe()
    socket.send_fds(server_end, [b"X"], [r])  # not the contract's: the engine closes r
    os.close(r)
    socket.send_fds(server_end, [b"P"], [])  # "P" without a descriptor: ignored
    time.sleep(0.2)
    try:
        os.write(w, b"x")
        alive = True
    except BrokenPipeError:
        alive = False
    os.close(w)
    return {"reader_open": alive}


OPS = {"park": park, "ready": ready, "control": control_request, "restart": restart,
       "hangup": hangup, "junk": junk, "counters": lambda request: counters(page)}
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
print(json.dumps({"port": port, "engine": start_engine(), "control": control_path}), flush=True)
try:
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(OPS[request["op"]](request)), flush=True)
finally:
    if engine.poll() is None:
        engine.kill()
        engine.wait()
    os.unlink(control_path)
    os.rmdir(control_dir)
