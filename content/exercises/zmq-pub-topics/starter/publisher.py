"""A publisher on topics A and B. Run: python3 publisher.py
Check: workbench exercise check zmq-pub-topics -- python3 publisher.py
"""
import time

import zmq

context = zmq.Context()
socket = context.socket(zmq.PUB)
# TODO: bind the socket to tcp://127.0.0.1:5561

count = 0
while True:
    # TODO: send a two-frame message [topic, payload], the topic taking turns between A and B.
    count += 1
    time.sleep(0.01)  # 100 messages a second
