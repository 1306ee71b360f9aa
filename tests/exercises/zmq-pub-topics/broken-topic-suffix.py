# Broken on purpose: topic frames "A:" and "B:" instead of the names alone.
# expect: FAIL publishes on every topic | exactly the topic's name
import itertools, time, zmq
socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://127.0.0.1:5561")
for count in itertools.count():
    topic = b"A:" if count % 2 == 0 else b"B:"
    socket.send_multipart([topic, b"message %d" % count])
    time.sleep(0.01)
