"""A raw line client for protocol tests that read replies line by line
(IMAP tagged replies, POP3 +OK/-ERR), optionally from a chosen loopback
source address (127.0.0.x standing for a client IP)."""

import socket

TIMEOUT = 30


class LineClient:
    def __init__(self, port, source=None):
        self.sock = socket.create_connection(
            ("127.0.0.1", port), timeout=TIMEOUT,
            source_address=(source, 0) if source else None)
        self.file = self.sock.makefile("rb")
        self.greeting = self.file.readline()

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        return self.file.readline()

    def until(self, tag):
        """Reads up to and returns the line tagged `tag`."""
        while True:
            line = self.line()
            assert line, "connection closed"
            if line.startswith(tag + b" "):
                return line

    def close(self):
        self.file.close()
        self.sock.close()
