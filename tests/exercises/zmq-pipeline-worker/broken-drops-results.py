# Broken on purpose: sends a result for every other task only: the batch never completes.
# expect: FAIL sends a result to the sink for every task | one result for every task
import zmq
context = zmq.Context()
tasks = context.socket(zmq.PULL)
tasks.connect("tcp://127.0.0.1:5557")
results = context.socket(zmq.PUSH)
results.connect("tcp://127.0.0.1:5558")
control = context.socket(zmq.SUB)
control.connect("tcp://127.0.0.1:5559")
control.setsockopt(zmq.SUBSCRIBE, b"")
poller = zmq.Poller()
poller.register(tasks, zmq.POLLIN)
poller.register(control, zmq.POLLIN)
taken = 0
while True:
    ready = dict(poller.poll())
    if control in ready:
        break
    task = tasks.recv_string()
    taken += 1
    if taken % 2 == 0:
        continue
    fields = dict(field.split("=") for field in task.split())
    results.send_string(f"{task} result={int(fields['n']) ** 2} worker=lossy")
