# Broken on purpose: sends ping, sleeps two seconds and prints "timeout" whatever the server does.
# expect: FAIL prints the answer of a server that answers in time | reported a timeout
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 25005))
s.sendall(b"ping\n")
time.sleep(2)
print("timeout: no answer from 127.0.0.1:25005 within 2 s")
sys.exit(1)
