import zmq

worker = zmq.Context().socket(zmq.REP)
worker.connect("tcp://127.0.0.1:5560")
while True:
    request = worker.recv()
    worker.send(b"From Server1:" + request)
