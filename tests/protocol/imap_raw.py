"""An IMAP connection for tests that need the server's exact bytes: imaplib
logs in (plaintext LOGIN), then commands go out and responses come back raw,
literals included, so imap_grammar can check every byte the server sent.
"""

import imaplib
import re

TIMEOUT = 60
LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n\Z")


class ImapError(AssertionError):
    pass


class RawImap:
    def __init__(self, port, user, password, host="127.0.0.1"):
        self.imap = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        typ, _ = self.imap.login(user, password)
        assert typ == "OK", typ
        self.count = 0

    def close(self):
        try:
            self.imap.logout()
        except (OSError, imaplib.IMAP4.error):
            self.imap.shutdown()

    def read_response(self):
        """One whole response: a line, and the literals it announces with the
        rest of the line after each, exactly as received."""
        out = bytearray()
        while True:
            line = self.imap.readline()
            if not line:
                raise ImapError(f"connection closed; partial response {bytes(out[:200])!r}")
            out += line
            m = LITERAL_AT_END.search(line)
            if not m:
                return bytes(out)
            size = int(m.group(1))
            data = self.imap.read(size)
            if len(data) != size:
                raise ImapError(f"connection closed inside a {size}-octet literal")
            out += data

    def send(self, data):
        self.imap.send(data)

    def next_tag(self):
        self.count += 1
        return b"g%d" % self.count

    def finish(self, tag, expect_ok=True):
        """Reads responses up to the tagged one for tag: (untagged, tagged line)."""
        untagged = []
        while True:
            resp = self.read_response()
            if resp.startswith(tag + b" "):
                if expect_ok and not resp.startswith(tag + b" OK"):
                    raise ImapError(f"{resp!r}")
                return untagged, resp
            untagged.append(resp)

    def command(self, text, expect_ok=True):
        tag = self.next_tag()
        self.send(tag + b" " + text + b"\r\n")
        return self.finish(tag, expect_ok)

    def append(self, mailbox, message):
        """APPEND with a synchronising literal; returns the APPENDUID UID."""
        tag = self.next_tag()
        self.send(tag + b" APPEND " + mailbox + b" {%d}\r\n" % len(message))
        resp = self.read_response()
        if not resp.startswith(b"+"):
            raise ImapError(f"APPEND literal refused: {resp!r}")
        self.send(message + b"\r\n")
        _, tagged = self.finish(tag)
        m = re.search(rb"\[APPENDUID \d+ (\d+)\]", tagged)
        if not m:
            raise ImapError(f"no APPENDUID in {tagged!r}")
        return int(m.group(1))
