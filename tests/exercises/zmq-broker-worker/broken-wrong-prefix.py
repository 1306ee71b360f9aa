# Broken on purpose: answers with "From Server 1:" (a space too many) in front of the request.
# expect: FAIL replies with the prefix followed by the request | From Server 1:
import zmq
worker = zmq.Context().socket(zmq.REP)
worker.connect("tcp://127.0.0.1:5560")
while True:
    worker.send(b"From Server 1:" + worker.recv())
