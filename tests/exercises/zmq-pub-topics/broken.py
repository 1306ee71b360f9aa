# Broken on purpose: the topic frames are "A-news" and "B-news", not "A" and "B".
import itertools
import time

import zmq

socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://127.0.0.1:5561")
for count in itertools.count():
    topic = b"A-news" if count % 2 == 0 else b"B-news"
    socket.send_multipart([topic, b"message %d" % count])
    time.sleep(0.01)
