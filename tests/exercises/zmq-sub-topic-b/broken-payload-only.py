# Broken on purpose: prints the payload without its topic.
# expect: FAIL prints each message as its topic | topic first
import zmq
socket = zmq.Context().socket(zmq.SUB)
socket.setsockopt(zmq.SUBSCRIBE, b"B")
socket.connect("tcp://127.0.0.1:5563")
while True:
    topic, payload = socket.recv_multipart()
    print(payload.decode(), flush=True)
