# Broken on purpose: one thread per client, but a reset raises in the main loop's accept bookkeeping and ends the server.
# expect: FAIL keeps running when clients vanish | connection reset
import socket, threading, os

def serve(conn):
    buffer = b""
    while True:
        try:
            data = conn.recv(65536)
        except ConnectionResetError:
            os._exit(3)   # "should never happen"
        if not data:
            conn.close()
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            conn.sendall(line + b"\n")

listener = socket.create_server(("127.0.0.1", 25006))
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
