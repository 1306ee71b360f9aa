# Broken on purpose: answers the first 60 lines, then exits, as if it had a fixed amount of work.
# expect: FAIL serves 50 clients | exited
import selectors, socket, sys
sel = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25004))
listener.setblocking(False)
sel.register(listener, selectors.EVENT_READ)
buffers = {}
answered = 0
while True:
    for key, _ in sel.select():
        sock = key.fileobj
        if sock is listener:
            conn, _ = listener.accept()
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
            buffers[conn] = b""
            continue
        data = sock.recv(65536)
        if not data:
            sel.unregister(sock); sock.close(); del buffers[sock]
            continue
        buffers[sock] += data
        while b"\n" in buffers[sock]:
            line, buffers[sock] = buffers[sock].split(b"\n", 1)
            sock.sendall(line + b"\n")
            answered += 1
            if answered == 60:
                sys.exit(0)
