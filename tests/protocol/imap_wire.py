"""A small IMAP client for tests that compare servers: it sends commands
(literals synchronizing, or LITERAL+ when the server offers it) and parses
responses, literals included, into Python values.

Parsed values: a parenthesised list is a list, a quoted string or a literal
is bytes (so quoted and literal forms compare equal), NIL is None, anything
else is an Atom (a str; BODY[HEADER.FIELDS (FROM SUBJECT)] is one atom).
"""

import re
import socket

TIMEOUT = 120


class Atom(str):
    def __repr__(self):
        return f"Atom({str.__repr__(self)})"


class Literal(bytes):
    """A command argument sent as a literal."""


class ParseError(Exception):
    pass


class ImapError(Exception):
    pass


LITERAL_AT_END = re.compile(rb"~?\{(\d+)\+?\}$")


class Response:
    """One server response: the text segments and the literals between them."""

    def __init__(self, segments):
        self.segments = segments  # text, literal, text, literal, ..., text

    @property
    def head(self):
        return self.segments[0]

    def raw(self):
        out = b""
        for i, s in enumerate(self.segments):
            out += s if i % 2 == 0 else b"\r\n" + s
        return out

    def parse(self):
        return Parser(self.segments).parse_all()


class Parser:
    def __init__(self, segments):
        # Text segments keep their {n} marker off: each is followed by its literal.
        self.items = []
        for i, seg in enumerate(segments):
            if i % 2 == 0:
                if i + 1 < len(segments):
                    seg = LITERAL_AT_END.sub(b"", seg)
                self.items.append(("text", seg))
            else:
                self.items.append(("literal", seg))
        self.index = 0
        self.pos = 0

    def _peek(self):
        """The next byte of text, b"" at a literal, None at the end."""
        while self.index < len(self.items):
            kind, data = self.items[self.index]
            if kind == "literal":
                return b""
            if self.pos < len(data):
                return data[self.pos:self.pos + 1]
            self.index += 1
            self.pos = 0
        return None

    def _skip_spaces(self):
        while self._peek() == b" ":
            self.pos += 1

    def parse_all(self):
        values = []
        while True:
            self._skip_spaces()
            if self._peek() is None:
                return values
            values.append(self.value())

    def value(self):
        self._skip_spaces()
        c = self._peek()
        if c is None:
            raise ParseError("unexpected end of response")
        if c == b"":
            _, data = self.items[self.index]
            self.index += 1
            self.pos = 0
            return bytes(data)
        if c == b"(":
            self.pos += 1
            out = []
            while True:
                self._skip_spaces()
                c = self._peek()
                if c is None:
                    raise ParseError("unclosed parenthesis")
                if c == b")":
                    self.pos += 1
                    return out
                out.append(self.value())
        if c == b")":
            raise ParseError("unexpected )")
        if c == b'"':
            return self._quoted()
        return self._atom()

    def _quoted(self):
        _, data = self.items[self.index]
        i = self.pos + 1
        out = bytearray()
        while i < len(data):
            ch = data[i]
            if ch == 0x5C and i + 1 < len(data):
                out.append(data[i + 1])
                i += 2
            elif ch == 0x22:
                self.pos = i + 1
                return bytes(out)
            else:
                out.append(ch)
                i += 1
        raise ParseError("unterminated quoted string")

    def _atom(self):
        _, data = self.items[self.index]
        i = self.pos
        while i < len(data) and data[i:i + 1] not in (b" ", b"(", b")"):
            if data[i:i + 1] == b"[":
                end = data.find(b"]", i)
                if end < 0:
                    raise ParseError("unclosed [ in atom")
                i = end + 1
            else:
                i += 1
        atom = data[self.pos:i].decode("latin-1")
        self.pos = i
        if atom.upper() == "NIL":
            return None
        return Atom(atom)


class Imap:
    """One connection. run() sends a command and returns (untagged, status, text)."""

    def __init__(self, port, host="127.0.0.1", timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.tag_number = 0
        self.literal_plus = False
        greeting = self._read_response()
        if not greeting.head.startswith(b"* OK"):
            raise ImapError(f"greeting {greeting.head!r}")

    def close(self):
        try:
            self.run(b"LOGOUT")
        except (OSError, ImapError):
            pass
        self.sock.close()

    # -- reading

    def _read_line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise ImapError(f"connection closed; pending {self.buf[:200]!r}")
            self.buf += chunk

    def _read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(1 << 20, n - len(self.buf)))
            if not chunk:
                raise ImapError("connection closed inside a literal")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def _read_response(self):
        segments = [self._read_line()]
        while True:
            m = LITERAL_AT_END.search(segments[-1])
            if not m:
                return Response(segments)
            segments.append(self._read_exact(int(m.group(1))))
            segments.append(self._read_line())

    # -- commands

    def run(self, *parts):
        """Sends `tag parts...` (bytes, str, or Literal) and reads to the
        tagged reply. Returns (untagged responses, "OK"/"NO"/"BAD", text)."""
        self.tag_number += 1
        tag = b"T%d" % self.tag_number
        chunks = [tag + b" "]
        for part in parts:
            if isinstance(part, str):
                part = part.encode()
            if isinstance(part, Literal):
                if self.literal_plus:
                    chunks[-1] += b"{%d+}\r\n" % len(part)
                    chunks[-1] += bytes(part)
                else:
                    chunks[-1] += b"{%d}\r\n" % len(part)
                    chunks.append(bytes(part))
            else:
                chunks[-1] += part
        chunks[-1] += b"\r\n"
        untagged = []
        self.sock.sendall(chunks[0])
        for chunk in chunks[1:]:
            while True:
                resp = self._read_response()
                if resp.head.startswith(b"+"):
                    break
                if resp.head.startswith(tag + b" "):
                    return untagged, *self._status(resp, tag)
                untagged.append(resp)
            self.sock.sendall(chunk)
        while True:
            resp = self._read_response()
            if resp.head.startswith(tag + b" "):
                return untagged, *self._status(resp, tag)
            untagged.append(resp)

    @staticmethod
    def _status(resp, tag):
        rest = resp.raw()[len(tag) + 1:]
        status, _, text = rest.partition(b" ")
        return status.decode("latin-1").upper(), text

    def ok(self, *parts):
        untagged, status, text = self.run(*parts)
        if status != "OK":
            raise ImapError(f"{b''.join(p if isinstance(p, bytes) else str(p).encode() for p in parts)[:200]!r}"
                            f" -> {status} {text!r}")
        return untagged

    def login(self, user, password):
        self.ok(b"LOGIN ", quote(user), b" ", quote(password))
        untagged = self.ok(b"CAPABILITY")
        caps = set()
        for r in untagged:
            if r.head.upper().startswith(b"* CAPABILITY "):
                caps |= set(r.head[13:].upper().split())
        self.capabilities = caps
        self.literal_plus = b"LITERAL+" in caps

    def fetch(self, seqset, items):
        """{sequence number: {ITEM NAME (upper case): value}}, merged over
        every FETCH response the command produced. Raises ImapError on NO/BAD."""
        untagged = self.ok(b"FETCH %s %s" % (seqset.encode(), items.encode()))
        return parse_fetches(untagged)

    def search(self, *parts):
        """(status, set of sequence numbers, tagged text)."""
        untagged, status, text = self.run(b"SEARCH ", *parts)
        found = set()
        for r in untagged:
            values = None
            if r.head.upper().startswith(b"* SEARCH"):
                values = r.parse()[2:]
                found |= {int(v) for v in values}
        return status, found, text


def parse_fetches(untagged):
    out = {}
    for r in untagged:
        m = re.match(rb"\* (\d+) FETCH ", r.head, re.I)
        if not m:
            continue
        values = r.parse()
        if len(values) != 4 or not isinstance(values[3], list):
            raise ParseError(f"FETCH response shape: {r.raw()[:300]!r}")
        attrs = values[3]
        if len(attrs) % 2:
            raise ParseError(f"odd FETCH attribute list: {r.raw()[:300]!r}")
        entry = out.setdefault(int(m.group(1)), {})
        for name, value in zip(attrs[0::2], attrs[1::2]):
            entry[str(name).upper()] = value
    return out


def quote(text):
    if isinstance(text, str):
        text = text.encode()
    return b'"' + text.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
