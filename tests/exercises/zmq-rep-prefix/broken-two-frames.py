# Broken on purpose: sends the prefix and the request as two frames instead of one.
# expect: FAIL replies with the prefix followed by the request | one frame
import zmq
socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://127.0.0.1:5559")
while True:
    request = socket.recv()
    socket.send_multipart([b"From Server1:", request])
