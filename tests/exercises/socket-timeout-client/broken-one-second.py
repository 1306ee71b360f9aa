# Broken on purpose: waits only one second for the answer, not two.
# expect: FAIL prints the answer of a server that answers in time | reported a timeout
import socket, sys
s = socket.create_connection(("127.0.0.1", 25005), timeout=1)
s.sendall(b"ping\n")
try:
    line = s.makefile("rb").readline()
except OSError:
    print("timeout: no answer from 127.0.0.1:25005 within 2 s")
    sys.exit(1)
print(line.decode().rstrip("\n"))
