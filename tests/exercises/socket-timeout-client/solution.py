import socket
import sys

ADDRESS = ("127.0.0.1", 25005)
try:
    client = socket.create_connection(ADDRESS, timeout=2)
    client.sendall(b"ping\n")
    answer = b""
    while not answer.endswith(b"\n"):
        part = client.recv(1024)
        if not part:
            break
        answer += part
    print(answer.decode(errors="replace"), end="")
except socket.timeout:
    print("timeout: no answer from 127.0.0.1:25005 within 2 s")
    sys.exit(1)
