# Broken on purpose: no timeout, so against a silent server it waits forever.
import socket

client = socket.create_connection(("127.0.0.1", 25005))
client.sendall(b"ping\n")
print(client.recv(1024).decode(), end="")
