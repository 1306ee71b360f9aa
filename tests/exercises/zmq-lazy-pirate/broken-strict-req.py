# Broken on purpose: a strict REQ client with no timeout: the first lost request hangs it for good.
# expect: FAIL prints the reply to every request | missing request
import zmq
client = zmq.Context().socket(zmq.REQ)
client.connect("tcp://127.0.0.1:5558")
for number in range(1, 11):
    client.send(b"request %d" % number)
    print(client.recv().decode(), flush=True)
