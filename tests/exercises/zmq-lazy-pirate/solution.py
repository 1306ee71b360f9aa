import sys

import zmq

context = zmq.Context()


def connected():
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect("tcp://127.0.0.1:5558")
    return socket


client = connected()
for number in range(1, 11):
    for attempt in range(4):
        client.send(b"request %d" % number)
        if client.poll(1000) & zmq.POLLIN:
            print(client.recv().decode(), flush=True)
            break
        client.close()
        client = connected()
    else:
        sys.exit("no reply to request %d: giving up" % number)
