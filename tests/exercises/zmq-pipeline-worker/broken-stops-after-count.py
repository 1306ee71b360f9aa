# Broken on purpose: has no control socket; it stops after a quiet second, as if it knew the batch was done.
# expect: FAIL keeps working until the sink says KILL | before the sink said KILL
import zmq
context = zmq.Context()
tasks = context.socket(zmq.PULL)
tasks.connect("tcp://127.0.0.1:5557")
results = context.socket(zmq.PUSH)
results.connect("tcp://127.0.0.1:5558")
while tasks.poll(1000):
    task = tasks.recv_string()
    fields = dict(field.split("=") for field in task.split())
    results.send_string(f"{task} result={int(fields['n']) ** 2} worker=quitter")
