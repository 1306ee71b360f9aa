# Broken on purpose: serves a fixed number of clients (twelve), then stops accepting new ones.
# expect: FAIL keeps running when clients vanish | still accepting
import socket, threading

def serve(conn):
    buffer = b""
    while True:
        try:
            data = conn.recv(65536)
        except OSError:
            data = b""
        if not data:
            conn.close()
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            conn.sendall(line + b"\n")

listener = socket.create_server(("127.0.0.1", 25006), backlog=1)
for _ in range(12):
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
threading.Event().wait()
