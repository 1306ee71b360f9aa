# Broken on purpose: reports the timeout but exits with code 0, so a script calling it thinks all went well.
# expect: FAIL reports the silent server and fails | exit code other than 0
import socket
s = socket.create_connection(("127.0.0.1", 25005))
s.settimeout(2)
s.sendall(b"ping\n")
try:
    print(s.makefile("rb").readline().decode().rstrip("\n"))
except OSError:
    print("timeout: no answer from 127.0.0.1:25005 within 2 s")
