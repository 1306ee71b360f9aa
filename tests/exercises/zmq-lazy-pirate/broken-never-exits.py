# Broken on purpose: gets every reply, then waits forever instead of ending.
# expect: FAIL exits by itself | still running
import threading, zmq
context = zmq.Context()
def connected():
    socket = context.socket(zmq.REQ)
    socket.setsockopt(zmq.LINGER, 0)
    socket.connect("tcp://127.0.0.1:5558")
    return socket
client = connected()
for number in range(1, 11):
    while True:
        client.send(b"request %d" % number)
        if client.poll(1000) & zmq.POLLIN:
            print(client.recv().decode(), flush=True)
            break
        client.close()
        client = connected()
threading.Event().wait()
