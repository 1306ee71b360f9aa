"""A pipeline worker. Run: python3 worker.py
Check: workbench exercise check zmq-pipeline-worker -- python3 worker.py
"""
import time

import zmq

context = zmq.Context()
tasks = context.socket(zmq.PULL)
results = context.socket(zmq.PUSH)
control = context.socket(zmq.SUB)
# TODO: connect tasks to tcp://127.0.0.1:5557, results to tcp://127.0.0.1:5558,
# and control to tcp://127.0.0.1:5559, subscribed to b"" (everything).

poller = zmq.Poller()
poller.register(tasks, zmq.POLLIN)
poller.register(control, zmq.POLLIN)

while True:
    ready = dict(poller.poll())
    # TODO: if control is ready, the sink said KILL: stop.
    # TODO: otherwise receive a task such as "task=3 work=5 n=12", sleep work milliseconds,
    # and send "task=3 work=5 n=12 result=144 worker=python" to results.
    pass
