# Broken on purpose: wrong results, under the name the old checker used for its own worker ("checker").
# expect: FAIL every result is right | n squared
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
while True:
    ready = dict(poller.poll())
    if control in ready:
        break
    task = tasks.recv_string()
    fields = dict(field.split("=") for field in task.split())
    results.send_string(f"{task} result={int(fields['n']) * 2} worker=checker")
