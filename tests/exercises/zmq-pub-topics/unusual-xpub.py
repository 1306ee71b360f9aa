# Correct, in an unusual style: an XPUB socket, which also hears the subscriptions (and ignores them).
# expect: PASS
import itertools, time, zmq
socket = zmq.Context().socket(zmq.XPUB)
socket.bind("tcp://127.0.0.1:5561")
for count in itertools.count():
    while socket.poll(0):
        socket.recv()
    socket.send_multipart([b"A" if count % 2 == 0 else b"B", b"message %d" % count])
    time.sleep(0.01)
