# Broken on purpose: keeps the half line of a vanished client and hands it to the next client.
# expect: FAIL still echoes for the next client | forget a vanished client's half line
import selectors, socket
sel = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25006))
listener.setblocking(False)
sel.register(listener, selectors.EVENT_READ)
pending = b""
while True:
    for key, _ in sel.select():
        sock = key.fileobj
        if sock is listener:
            conn, _ = listener.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            continue
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            sel.unregister(sock); sock.close()
            continue
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            try:
                sock.sendall(line + b"\n")
            except OSError:
                pass
