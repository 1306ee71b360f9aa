# Broken on purpose: binds the broker's backend port instead of connecting to it.
# expect: FAIL keeps serving until it is stopped | finds it taken
import zmq
worker = zmq.Context().socket(zmq.REP)
worker.bind("tcp://127.0.0.1:5560")
while True:
    worker.send(b"From Server1:" + worker.recv())
