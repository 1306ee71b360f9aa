"""A subscriber for topic B. Run: python3 subscriber.py
Check: workbench exercise check zmq-sub-topic-b -- python3 subscriber.py
"""
import zmq

context = zmq.Context()
socket = context.socket(zmq.SUB)
socket.connect("tcp://127.0.0.1:5563")

# TODO: subscribe to topic "B" (a SUB socket with no subscription receives nothing).

while True:
    # TODO: receive both frames of a message and print "<topic> <payload>" on one line.
    pass
