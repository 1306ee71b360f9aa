# Broken on purpose: answers 60 requests, then exits, as if its work were counted.
# expect: FAIL answers | before this one
import zmq
socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://127.0.0.1:5559")
for _ in range(60):
    request = socket.recv()
    socket.send(b"From Server1:" + request)
