# Broken on purpose: answers three requests, then stops answering (no loop after that).
import time

import zmq

socket = zmq.Context().socket(zmq.REP)
socket.bind("tcp://127.0.0.1:5559")
for _ in range(3):
    request = socket.recv()
    socket.send(b"From Server1:" + request)
time.sleep(3600)
