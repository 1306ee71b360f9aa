import socketserver


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            for line in self.rfile:
                if not line.endswith(b"\n"):
                    return  # the client left in the middle of a line
                self.wfile.write(line)
        except OSError:
            return  # reset by the client: it is gone, the server is not


socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("127.0.0.1", 25006), Echo).serve_forever()
