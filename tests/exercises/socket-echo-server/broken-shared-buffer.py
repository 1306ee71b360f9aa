# Broken on purpose: one buffer shared by every client, so half lines from two clients get mixed.
# expect: FAIL a half line from one client holds up no other | buffer
import selectors, socket
sel = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25004))
listener.setblocking(False)
sel.register(listener, selectors.EVENT_READ)
buffer = b""
while True:
    for key, _ in sel.select():
        sock = key.fileobj
        if sock is listener:
            conn, _ = listener.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            continue
        data = sock.recv(65536)
        if not data:
            sel.unregister(sock); sock.close()
            continue
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            sock.sendall(line + b"\n")
