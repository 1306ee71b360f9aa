# Correct, in an unusual style: a DEALER worker that keeps the envelope itself instead of a REP socket.
# expect: PASS
import zmq
worker = zmq.Context().socket(zmq.DEALER)
worker.connect("tcp://127.0.0.1:5560")
while True:
    *envelope, request = worker.recv_multipart()
    worker.send_multipart(envelope + [b"From Server1:" + request])
