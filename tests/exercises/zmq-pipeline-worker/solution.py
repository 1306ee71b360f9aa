# The endpoints may be given (ventilator, sink, control), as tests/tests/interop.rs does.
import sys
import time

import zmq

ventilator, sink, control_endpoint = sys.argv[1:4] or [
    "tcp://127.0.0.1:5557",
    "tcp://127.0.0.1:5558",
    "tcp://127.0.0.1:5559",
]
context = zmq.Context()
tasks = context.socket(zmq.PULL)
tasks.connect(ventilator)
results = context.socket(zmq.PUSH)
results.connect(sink)
control = context.socket(zmq.SUB)
control.connect(control_endpoint)
control.setsockopt(zmq.SUBSCRIBE, b"")

poller = zmq.Poller()
poller.register(tasks, zmq.POLLIN)
poller.register(control, zmq.POLLIN)

done = 0
while True:
    ready = dict(poller.poll())
    if control in ready:
        break
    task = tasks.recv_string()
    fields = dict(field.split("=") for field in task.split())
    time.sleep(int(fields["work"]) / 1000)
    n = int(fields["n"])
    results.send_string(f"{task} result={n * n} worker=python")
    done += 1
print("done", done, flush=True)
