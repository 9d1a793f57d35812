# Bind mode as the preload does it: create a listening socket, `register` it with the engine on
# the control socket (argv[1]), print its port, then serve the hand-over end it answers with
# (as server.py, on descriptor 3). argv[2]: the register request's text after `register `.
import array, json, os, socket, sys

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(64)
control = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
control.connect(sys.argv[1])
control.sendmsg([b"register " + sys.argv[2].encode()],
               [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [listener.fileno()]))])
answer, ancillary, _, _ = control.recvmsg(1024, socket.CMSG_SPACE(4))
print(json.dumps({"port": listener.getsockname()[1], "answer": answer.decode()}), flush=True)
if not ancillary:
    sys.exit(0)
os.dup2(array.array("i", ancillary[0][2])[0], 3)
sys.argv = [sys.argv[0], "B", "go"]
exec(open(os.path.join(os.path.dirname(__file__), "server.py")).read())
