# Broken on purpose: publishes topic B only, never A.
# expect: FAIL publishes on every topic | each of them in turn
import itertools, time, zmq
socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://127.0.0.1:5561")
for count in itertools.count():
    socket.send_multipart([b"B", b"message %d" % count])
    time.sleep(0.01)
