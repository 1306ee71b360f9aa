"""A client with a read timeout. Run: python3 client.py
Check: workbench exercise check socket-timeout-client -- python3 client.py
"""
import socket
import sys

# TODO: connect to ("127.0.0.1", 25005) with a 2 second timeout,
# send b"ping\n", and read one line.
# On socket.timeout, print "timeout: no answer from 127.0.0.1:25005 within 2 s" and sys.exit(1).
