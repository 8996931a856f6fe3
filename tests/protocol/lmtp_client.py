"""A raw LMTP client for tests that need to see exactly where a connection
breaks (smtplib hides that), and a server runner whose log goes to a file.
"""

import re
import socket
import subprocess

from eider_harness import LISTENER_FLAGS, Server, free_port

SOCKET_TIMEOUT = 60


class LmtpError(Exception):
    """The connection closed or broke before the awaited reply."""


def wire_data(message):
    """message (CRLF line ends) as sent after DATA: dot-stuffed, CRLF.CRLF."""
    assert message.endswith(b"\r\n")
    return re.sub(rb"(?m)^\.", b"..", message) + b".\r\n"


class LmtpConnection:
    """One LMTP session over TCP, after the greeting and LHLO."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=SOCKET_TIMEOUT)
        self.file = self.sock.makefile("rb")
        code, _ = self.reply()
        assert code == 220, f"greeting {code}"
        self.sock.sendall(b"LHLO client.example.test\r\n")
        code, _ = self.reply()
        assert code == 250, f"LHLO {code}"

    def reply(self):
        """One reply: (code, its lines' text joined by newlines)."""
        lines = []
        while True:
            try:
                line = self.file.readline()
            except OSError as e:
                raise LmtpError(f"reading a reply: {e}") from e
            if not line.endswith(b"\n"):
                raise LmtpError(f"connection closed, partial reply {line!r}")
            lines.append(line[4:].rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return int(line[:3]), b"\n".join(lines)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise LmtpError(f"sending: {e}") from e

    def deliver(self, sender, recipient, message):
        """MAIL, RCPT and DATA pipelined, then the message.

        Returns the final (code, text) for the one recipient, or the first
        refusal before the message was sent. Raises LmtpError when the
        connection breaks on the way.
        """
        self.send(b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n" % (sender, recipient))
        replies = [self.reply() for _ in range(3)]
        refused = [r for r, want in zip(replies, (250, 250, 354)) if r[0] != want]
        if not refused:
            self.send(wire_data(message))
            return self.reply()
        if replies[2][0] == 354:  # DATA went ahead anyway: end it empty
            self.send(b".\r\n")
            self.reply()
        self.send(b"RSET\r\n")
        self.reply()
        return refused[0]

    def close(self):
        self.file.close()
        self.sock.close()


class LmtpServer(Server):
    """`eider serve` with LMTP on a free port, every other listener off, and
    its stderr in a file, so a busy server never blocks on a full pipe."""

    def __init__(self, binary, data_dir, log_path, cwd=None):
        self.lmtp_port = free_port()
        args = ["--data", data_dir, "--lmtp", f"127.0.0.1:{self.lmtp_port}"]
        for flag in LISTENER_FLAGS:
            if flag != "lmtp":
                args += [f"--{flag}", "off"]
        super().__init__(binary, args, cwd=cwd)
        self.log_path = log_path

    def start(self, timeout=30):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=log, cwd=self.cwd,
            )
        return self._wait_ready(timeout)
