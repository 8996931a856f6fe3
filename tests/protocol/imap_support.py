"""Shared pieces of the IMAP protocol tests: ports, logins, LMTP delivery and
a raw IMAP client that shows every byte the server sends."""

import imaplib
import re
import socket
import ssl

from eider_harness import port_of  # noqa: F401  (re-exported for the IMAP tests)
from lmtp_client import LmtpConnection

TIMEOUT = 30
USER = "alice"
PASSWORD = "secret"
ADDRESS = b"alice@example.test"


def crlf(data):
    """What IMAP sends for stored bytes: bare LF becomes CRLF."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def message(n, subject=None, body_lines=3, sender="a@example.com"):
    body = "".join(f"line {i} of message {n}\r\n" for i in range(body_lines))
    subject = subject or f"message {n}"
    return (f"From: {sender}\r\nTo: alice@example.test\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{n}@example.com>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n\r\n"
            f"{body}").encode()


def unverified():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def ok(result):
    """The data of an imaplib (typ, data) answer that must be OK."""
    typ, data = result
    assert typ == "OK", (typ, data)
    return data


def login(port, user=USER, password=PASSWORD):
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    imap.login(user, password)
    return imap


def lmtp_deliver(lmtp_port, messages, recipient=ADDRESS):
    connection = LmtpConnection(lmtp_port)
    try:
        for data in messages:
            code, text = connection.deliver(b"sender@example.com", recipient, data)
            assert code == 250, (code, text)
    finally:
        connection.close()


def selected(port, mailbox="INBOX"):
    """A raw IMAP session, logged in, with mailbox selected."""
    raw = Raw(port).login()
    _, done = raw.command(f"SELECT {mailbox}")
    assert done.split()[1] == b"OK", done
    return raw


class Raw:
    """A raw IMAP connection: send a tagged command, get every line back."""

    def __init__(self, port, tls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            sock = unverified().wrap_socket(sock)
        self.sock = sock
        self.file = sock.makefile("rb")
        self.greeting = self.line()
        self.count = 0

    def line(self):
        """One response line with any literals it carries, joined."""
        data = self.file.readline()
        if not data:
            raise EOFError("connection closed")
        while (m := re.search(rb"\{(\d+)\}\r\n$", data)):
            data += self.file.read(int(m.group(1)))
            data += self.file.readline()
        return data

    def send(self, data):
        self.sock.sendall(data)

    def command(self, text, tag=None):
        """Sends `tag text` and returns (untagged lines, tagged line)."""
        self.count += 1
        tag = tag or f"t{self.count}"
        data = text if isinstance(text, bytes) else text.encode()
        self.send(tag.encode() + b" " + data + b"\r\n")
        return self.until(tag)

    def until(self, tag):
        tag = tag.encode() if isinstance(tag, str) else tag
        lines = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)

    def login(self, user=USER, password=PASSWORD):
        _, done = self.command(f"LOGIN {user} {password}")
        assert done.split()[1] == b"OK", done
        return self

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass
