# Broken on purpose: one client at a time, and a reset connection raises ConnectionResetError,
# which nothing catches: the whole server dies.
import socket

listener = socket.create_server(("127.0.0.1", 25006))
while True:
    client, _ = listener.accept()
    buffer = b""
    while True:
        data = client.recv(65536)
        if not data:
            break
        buffer += data
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            client.sendall(line + b"\n")
    client.close()
