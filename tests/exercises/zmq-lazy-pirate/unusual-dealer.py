# Correct, in an unusual style: one DEALER socket (no REQ lockstep), an empty delimiter frame, and the same request again after a timeout.
# expect: PASS
import zmq
socket = zmq.Context().socket(zmq.DEALER)
socket.connect("tcp://127.0.0.1:5558")
for number in range(1, 11):
    wanted = b"From Server1:request %d" % number
    while True:
        socket.send_multipart([b"", b"request %d" % number])
        if not socket.poll(1000) & zmq.POLLIN:
            continue
        reply = socket.recv_multipart()[-1]
        # A late reply to an earlier try of this request is the same reply.
        while reply != wanted and socket.poll(200) & zmq.POLLIN:
            reply = socket.recv_multipart()[-1]
        if reply == wanted:
            print(reply.decode(), flush=True)
            break
