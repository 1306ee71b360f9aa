# Correct, in an unusual style: a ROUTER socket that keeps each client's envelope itself.
# expect: PASS
import zmq
socket = zmq.Context().socket(zmq.ROUTER)
socket.bind("tcp://127.0.0.1:5559")
while True:
    *envelope, request = socket.recv_multipart()
    socket.send_multipart(envelope + [b"From Server1:" + request])
