# Broken on purpose: answers only the first line of each read, so two lines sent together lose
# the second.
import socketserver


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            data = self.request.recv(65536)
            if not data:
                return
            self.request.sendall(data.split(b"\n")[0] + b"\n")


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", 25004), Echo).serve_forever()
