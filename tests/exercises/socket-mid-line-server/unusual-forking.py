# Correct, in an unusual style: a process per client (fork), children reaped as they end.
# expect: PASS
import os, signal, socket
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
listener = socket.create_server(("127.0.0.1", 25006))
while True:
    conn, _ = listener.accept()
    if os.fork() == 0:
        listener.close()
        buffer = b""
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                os._exit(0)
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    conn.sendall(line + b"\n")
                except OSError:
                    os._exit(0)
    conn.close()
