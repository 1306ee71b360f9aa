import selectors
import socket

PORT = 25004
selector = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", PORT))
listener.setblocking(False)
selector.register(listener, selectors.EVENT_READ)
buffers = {}

while True:
    for key, _ in selector.select():
        if key.fileobj is listener:
            client, _ = listener.accept()
            client.setblocking(True)
            client.settimeout(5)
            selector.register(client, selectors.EVENT_READ)
            buffers[client] = b""
            continue
        client = key.fileobj
        try:
            data = client.recv(65536)
        except OSError:
            data = b""
        if not data:
            selector.unregister(client)
            client.close()
            del buffers[client]
            continue
        buffers[client] += data
        *lines, buffers[client] = buffers[client].split(b"\n")
        try:
            for line in lines:
                client.sendall(line + b"\n")
        except OSError:
            selector.unregister(client)
            client.close()
            del buffers[client]
