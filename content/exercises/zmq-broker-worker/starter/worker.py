"""A REP worker behind the broker. Run: python3 worker.py
Check: workbench exercise check zmq-broker-worker -- python3 worker.py
"""
import zmq

context = zmq.Context()
worker = context.socket(zmq.REP)
# TODO: connect (not bind) to the broker's backend, tcp://127.0.0.1:5560

while True:
    # TODO: receive a request (bytes), then send b"From Server1:" followed by the request.
    pass
