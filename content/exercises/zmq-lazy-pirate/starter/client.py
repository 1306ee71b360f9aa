"""A REQ client that survives lost requests. Run: python3 client.py
Check: workbench exercise check zmq-lazy-pirate -- python3 client.py
"""
import zmq

context = zmq.Context()
client = context.socket(zmq.REQ)
client.connect("tcp://127.0.0.1:5558")

for number in range(1, 11):
    client.send(b"request %d" % number)
    # TODO: this waits forever when the server loses the request. Poll with a timeout
    # (client.poll(1000)); when it passes, make a new socket, connect, and send again.
    print(client.recv().decode(), flush=True)
