# Broken on purpose: connects a SUB socket but never subscribes, so nothing arrives.
# expect: FAIL connects and prints the messages it receives | no subscription
import zmq
socket = zmq.Context().socket(zmq.SUB)
socket.connect("tcp://127.0.0.1:5563")
while True:
    topic, payload = socket.recv_multipart()
    print(topic.decode(), payload.decode(), flush=True)
