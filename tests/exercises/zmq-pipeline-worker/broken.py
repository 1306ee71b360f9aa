# Broken on purpose: no control socket, so it never hears KILL and runs on.
import time

import zmq

context = zmq.Context()
tasks = context.socket(zmq.PULL)
tasks.connect("tcp://127.0.0.1:5557")
results = context.socket(zmq.PUSH)
results.connect("tcp://127.0.0.1:5558")

while True:
    task = tasks.recv_string()
    fields = dict(field.split("=") for field in task.split())
    time.sleep(int(fields["work"]) / 1000)
    n = int(fields["n"])
    results.send_string(f"{task} result={n * n} worker=python")
