# Correct, in an unusual style: a Poller with a timeout, and the messages printed on standard error.
# expect: PASS
import sys, zmq
socket = zmq.Context().socket(zmq.SUB)
socket.setsockopt(zmq.SUBSCRIBE, b"B")
socket.connect("tcp://127.0.0.1:5563")
poller = zmq.Poller()
poller.register(socket, zmq.POLLIN)
while True:
    if poller.poll(250):
        topic, payload = socket.recv_multipart()
        print(topic.decode(), payload.decode(), file=sys.stderr, flush=True)
