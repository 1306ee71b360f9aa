# Broken on purpose: answers ten requests, then ends, as if its work were counted.
# expect: FAIL keeps serving until it is stopped | in a loop, forever
import zmq
worker = zmq.Context().socket(zmq.REP)
worker.connect("tcp://127.0.0.1:5560")
for _ in range(10):
    worker.send(b"From Server1:" + worker.recv())
