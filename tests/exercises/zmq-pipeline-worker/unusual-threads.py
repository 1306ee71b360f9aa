# Correct, in an unusual style: the control socket is watched by a thread of its own, which sets a flag the work loop reads between tasks.
# expect: PASS
import threading, zmq
context = zmq.Context()
stop = threading.Event()
def watch():
    control = context.socket(zmq.SUB)
    control.connect("tcp://127.0.0.1:5559")
    control.setsockopt(zmq.SUBSCRIBE, b"")
    control.recv()
    stop.set()
threading.Thread(target=watch, daemon=True).start()
tasks = context.socket(zmq.PULL)
tasks.connect("tcp://127.0.0.1:5557")
results = context.socket(zmq.PUSH)
results.connect("tcp://127.0.0.1:5558")
while not stop.is_set():
    if not tasks.poll(50):
        continue
    task = tasks.recv_string()
    fields = dict(field.split("=") for field in task.split())
    results.send_string(f"{task} result={int(fields['n']) ** 2} worker=threaded")
