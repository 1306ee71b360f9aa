# Broken on purpose: waits with a timeout but gives up at the first lost request.
import sys

import zmq

client = zmq.Context().socket(zmq.REQ)
client.setsockopt(zmq.LINGER, 0)
client.connect("tcp://127.0.0.1:5558")
for number in range(1, 11):
    client.send(b"request %d" % number)
    if not client.poll(1000) & zmq.POLLIN:
        sys.exit("no reply to request %d" % number)
    print(client.recv().decode(), flush=True)
