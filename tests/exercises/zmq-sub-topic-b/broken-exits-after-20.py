# Broken on purpose: prints 20 messages, then ends, as if that were all.
# expect: FAIL keeps running and receiving | not a fixed number of messages
import zmq
socket = zmq.Context().socket(zmq.SUB)
socket.setsockopt(zmq.SUBSCRIBE, b"B")
socket.connect("tcp://127.0.0.1:5563")
for _ in range(20):
    topic, payload = socket.recv_multipart()
    print(topic.decode(), payload.decode(), flush=True)
