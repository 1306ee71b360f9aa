# Broken on purpose: the topic and the payload in one frame ("B message 7").
# expect: FAIL sends each message as two frames | frame of its own
import itertools, time, zmq
socket = zmq.Context().socket(zmq.PUB)
socket.bind("tcp://127.0.0.1:5561")
for count in itertools.count():
    topic = "A" if count % 2 == 0 else "B"
    socket.send_string(f"{topic} message {count}")
    time.sleep(0.01)
