# Broken on purpose: on a timeout it moves on to the next request instead of asking again.
# expect: FAIL prints the reply to every request | missing request
import zmq
context = zmq.Context()
def connected():
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect("tcp://127.0.0.1:5558")
    return socket
client = connected()
for number in range(1, 11):
    client.send(b"request %d" % number)
    if client.poll(1000) & zmq.POLLIN:
        print(client.recv().decode(), flush=True)
    else:
        client.close()
        client = connected()
