"""A line echo server for many clients at once. Run: python3 server.py
Check: workbench exercise check socket-echo-server -- python3 server.py
"""
import selectors
import socket

selector = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25004))
listener.setblocking(False)
selector.register(listener, selectors.EVENT_READ)
buffers = {}  # client socket -> bytes read but not yet a whole line

while True:
    for key, _ in selector.select():
        if key.fileobj is listener:
            # TODO: accept the client, make it non-blocking, register it, give it a buffer.
            pass
        else:
            # TODO: recv from this client; b"" means it closed (unregister, close).
            # Add what came to its buffer and send back every whole line ending in b"\n".
            pass
