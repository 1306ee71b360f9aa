# Broken on purpose: sends "ping" without its newline, so a line server never sees a request.
# expect: FAIL prints the answer of a server that answers in time | ping and a newline
import socket, sys
s = socket.create_connection(("127.0.0.1", 25005), timeout=2)
s.sendall(b"ping")
try:
    print(s.makefile("rb").readline().decode().rstrip("\n"))
except OSError:
    print("timeout: no answer from 127.0.0.1:25005 within 2 s")
    sys.exit(1)
