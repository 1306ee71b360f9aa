"""A line echo server that survives clients vanishing mid-line. Run: python3 server.py
Check: workbench exercise check socket-mid-line-server -- python3 server.py
"""
import selectors
import socket

selector = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25006))
listener.setblocking(False)
selector.register(listener, selectors.EVENT_READ)
buffers = {}  # client socket -> bytes read but not yet a whole line

while True:
    for key, _ in selector.select():
        if key.fileobj is listener:
            # TODO: accept the client, make it non-blocking, register it, give it a buffer.
            pass
        else:
            # TODO: recv from this client; b"" (end of file) or an OSError such as
            # ConnectionResetError means it vanished: unregister and close it, and carry on.
            # Add what came to its buffer and send back every whole line ending in b"\n".
            pass
