# Broken on purpose: strips the request before answering, so spaces and tabs at its edges are lost.
# expect: FAIL answers | no trimming
import zmq
socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://127.0.0.1:5559")
while True:
    request = socket.recv()
    socket.send(b"From Server1:" + request.strip())
