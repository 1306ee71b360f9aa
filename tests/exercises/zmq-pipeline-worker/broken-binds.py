# Broken on purpose: binds the ventilator's port instead of connecting to it.
# expect: FAIL connects a PULL socket to the ventilator | connects (it does not bind)
import zmq
tasks = zmq.Context().socket(zmq.PULL)
tasks.bind("tcp://127.0.0.1:5557")
while True:
    tasks.recv()
