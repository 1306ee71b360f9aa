# Broken on purpose: subscribes to everything ("") and prints every topic.
# expect: FAIL prints nothing from other topics | the empty prefix
import zmq
socket = zmq.Context().socket(zmq.SUB)
socket.setsockopt(zmq.SUBSCRIBE, b"")
socket.connect("tcp://127.0.0.1:5563")
while True:
    topic, payload = socket.recv_multipart()
    print(topic.decode(), payload.decode(), flush=True)
