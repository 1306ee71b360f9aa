# Broken on purpose: never closes the socket of a client that left; it only forgets it.
# expect: FAIL closes the sockets of clients that left | still open | close that socket
import selectors, socket
sel = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25006))
listener.setblocking(False)
sel.register(listener, selectors.EVENT_READ)
buffers = {}
while True:
    for key, _ in sel.select():
        sock = key.fileobj
        if sock is listener:
            conn, _ = listener.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            buffers[conn] = b""
            continue
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            data = b""
        if not data:
            sel.unregister(sock)   # forgets it, but never closes it
            continue
        buffers[sock] += data
        while b"\n" in buffers[sock]:
            line, buffers[sock] = buffers[sock].split(b"\n", 1)
            sock.sendall(line + b"\n")
