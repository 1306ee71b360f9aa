# Broken on purpose: decodes the request as Latin-1 and encodes the reply as UTF-8, mangling every non-ASCII byte.
# expect: FAIL keeps the request's bytes intact
import zmq
socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://127.0.0.1:5559")
while True:
    request = socket.recv().decode("latin-1")
    socket.send(("From Server1:" + request).encode("utf-8"))
