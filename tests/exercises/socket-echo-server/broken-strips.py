# Broken on purpose: strips each line before echoing it, so spaces and tabs at the edges are lost.
# expect: FAIL echoes each line unchanged | spaces and tabs at the edges
import selectors, socket
sel = selectors.DefaultSelector()
listener = socket.create_server(("127.0.0.1", 25004), reuse_port=False)
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
        data = sock.recv(65536)
        if not data:
            sel.unregister(sock); sock.close(); del buffers[sock]
            continue
        buffers[sock] += data
        while b"\n" in buffers[sock]:
            line, buffers[sock] = buffers[sock].split(b"\n", 1)
            sock.sendall(line.strip() + b"\n")
