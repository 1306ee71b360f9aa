# Broken on purpose: takes four seconds over each request, longer than a client waits.
# expect: FAIL connects to the broker | answered by the checker
import time, zmq
worker = zmq.Context().socket(zmq.REP)
worker.connect("tcp://127.0.0.1:5560")
while True:
    request = worker.recv()
    time.sleep(4)
    worker.send(b"From Server1:" + request)
