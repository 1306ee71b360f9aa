# Broken on purpose: publishes 300 messages (three seconds), then ends.
# expect: FAIL keeps publishing until it is stopped | sends in a loop, forever
import time, zmq
socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://127.0.0.1:5561")
for count in range(300):
    socket.send_multipart([b"A" if count % 2 == 0 else b"B", b"message %d" % count])
    time.sleep(0.01)
