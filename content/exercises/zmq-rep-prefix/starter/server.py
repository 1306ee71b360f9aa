"""A REP server that answers every request with a prefix. Run: python3 server.py
Check: workbench exercise check zmq-rep-prefix -- python3 server.py
"""
import zmq

context = zmq.Context()
socket = context.socket(zmq.REP)
# TODO: bind the socket to tcp://127.0.0.1:5559

while True:
    # TODO: receive a request (bytes), then send b"From Server1:" followed by the request.
    pass
