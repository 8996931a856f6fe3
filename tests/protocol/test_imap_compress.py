"""COMPRESS=DEFLATE (RFC 4978) over the wire, with Python's zlib on the
client side (raw deflate both ways: compressobj(wbits=-15) and
decompressobj(wbits=-15)), over plain IMAP and over IMAPS: a FETCH of
several MB, IDLE after COMPRESS, commands sent a byte at a time or
pipelined right behind COMPRESS, COMPRESS refused where it must be, and bad
deflate data closing the connection with a log line."""

import re
import time
import zlib

import pytest

from eider_harness import port_of
from imap_support import ADDRESS, PASSWORD, TIMEOUT, USER, Raw, crlf, lmtp_deliver, message

LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")


def big_message(megabytes, seed=1):
    """A message of about `megabytes` MB of varied text lines."""
    lines = [b"line %d of %d: %s" % (i, seed, b"abcdefghij" * (i % 7 + 1))
             for i in range(megabytes * 20000)]
    return (b"From: big@example.com\r\nTo: alice@example.test\r\nSubject: big\r\n\r\n"
            + b"\r\n".join(lines) + b"\r\n")


class Compressed(Raw):
    """An IMAP connection after COMPRESS DEFLATE: what goes out is deflated
    with a sync flush per send, what comes in is inflated and split into
    responses (literals included). Commands and tags are Raw's."""

    def __init__(self, sock, pending=b""):
        # Not Raw.__init__, which connects: this wraps a socket already past COMPRESS.
        self.sock = sock
        self.step = None  # send the deflated bytes this many at a time
        self.out = zlib.compressobj(wbits=-15)
        self.inflate = zlib.decompressobj(wbits=-15)
        self.buffer = b""
        self.received = 0  # compressed bytes read
        self.feed(pending)
        self.count = 0

    def feed(self, data):
        self.received += len(data)
        self.buffer += self.inflate.decompress(data)

    def compress(self, data):
        return self.out.compress(data) + self.out.flush(zlib.Z_SYNC_FLUSH)

    def send(self, data):
        wire = self.compress(data)
        if self.step is None:
            self.sock.sendall(wire)
            return
        for i in range(0, len(wire), self.step):
            self.sock.sendall(wire[i:i + self.step])
            time.sleep(0.001)

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.feed(data)

    def line(self):
        """One response line with its literals, as sent."""
        out = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._more()
            line, self.buffer = self.buffer.split(b"\r\n", 1)
            out += line + b"\r\n"
            m = LITERAL_AT_END.search(out)
            if not m:
                return out
            size = int(m.group(1))
            while len(self.buffer) < size:
                self._more()
            out += self.buffer[:size]
            self.buffer = self.buffer[size:]

    def command(self, text, step=None):
        """Raw.command, the deflated command sent `step` bytes at a time."""
        self.step = step
        try:
            return super().command(text)
        finally:
            self.step = None


def compressed_session(port, tls=False):
    raw = Raw(port, tls=tls).login()
    _, done = raw.command("COMPRESS DEFLATE")
    assert done.split()[1] == b"OK", done
    return raw, Compressed(raw.sock)


@pytest.fixture
def ports(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    for n in range(1, 4):
        cli.deliver(USER, message(n))
    return {name: port_of(listener_args, name) for name in ("imap", "imaps", "lmtp")}


def test_capability_offers_compress_deflate(ports):
    raw = Raw(ports["imap"]).login()
    untagged, _ = raw.command("CAPABILITY")
    assert b"COMPRESS=DEFLATE" in untagged[0].split()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_large_fetch_comes_through_deflate_byte_for_byte(cli, ports, tls):
    data = big_message(4)
    assert len(data) > 4_000_000
    uid = cli.deliver(USER, data)
    _, z = compressed_session(ports["imaps" if tls else "imap"], tls=tls)
    untagged, done = z.command("SELECT INBOX")
    assert done.split()[1] == b"OK" and b"* 4 EXISTS\r\n" in untagged
    before = z.received
    untagged, done = z.command(f"UID FETCH {uid} (BODY.PEEK[] RFC822.SIZE)")
    assert done.split()[1] == b"OK", done
    m = re.search(rb"BODY\[\] \{(\d+)\}\r\n", untagged[0])
    assert m and untagged[0][m.end():m.end() + int(m.group(1))] == crlf(data)
    assert b"RFC822.SIZE %d" % len(crlf(data)) in untagged[0]
    # Text compresses: far fewer bytes came over the wire than were sent.
    assert z.received - before < len(data) / 3
    untagged, done = z.command("FETCH 1:3 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert len(untagged) == 3 and done.split()[1] == b"OK", done


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_large_append_comes_in_through_deflate_byte_for_byte(ports, tls):
    # Compressed input in bursts, after a quiet command: the server's read
    # buffer starts small and must grow for the literal (net/compression.cc).
    data = big_message(3, seed=2)
    _, z = compressed_session(ports["imaps" if tls else "imap"], tls=tls)
    _, done = z.command("NOOP")
    assert done.split()[1] == b"OK", done
    z.send(b"a APPEND INBOX {%d}\r\n" % len(data))
    assert z.line().startswith(b"+ ")
    for i in range(0, len(data), 256 * 1024):
        z.send(data[i:i + 256 * 1024])
    z.send(b"\r\n")
    _, done = z.until("a")
    assert b"a OK [APPENDUID " in done, done
    uid = int(done.split()[4].rstrip(b"]"))
    z.command("EXAMINE INBOX")
    untagged, done = z.command(f"UID FETCH {uid} BODY.PEEK[]")
    assert done.split()[1] == b"OK", done
    m = re.search(rb"BODY\[\] \{(\d+)\}\r\n", untagged[0])
    assert m and untagged[0][m.end():m.end() + int(m.group(1))] == data


def test_commands_split_into_single_bytes_and_responses_after_each(ports):
    _, z = compressed_session(ports["imap"])
    untagged, done = z.command("SELECT INBOX", step=1)
    assert b" OK [READ-WRITE]" in done and b"* 3 EXISTS\r\n" in untagged
    for n in range(1, 4):
        untagged, done = z.command(f"FETCH {n} (UID FLAGS)", step=3)
        assert untagged == [b"* %d FETCH (UID %d FLAGS (\\Recent))\r\n" % (n, n)]


def test_a_command_pipelined_right_behind_compress_is_read_compressed(ports):
    raw = Raw(ports["imap"]).login()  # its buffered reader holds nothing past LOGIN's OK
    z = Compressed(raw.sock)
    raw.send(b"c COMPRESS DEFLATE\r\n" + z.compress(b"d NOOP\r\n"))
    data = b""
    while b"\r\n" not in data:
        data += raw.sock.recv(4096)
    line, rest = data.split(b"\r\n", 1)
    assert line.startswith(b"c OK"), line
    z.feed(rest)
    _, done = z.until("d")
    assert done.startswith(b"d OK")


def test_second_compress_is_compressionactive_and_the_session_goes_on(ports):
    _, z = compressed_session(ports["imap"])
    _, done = z.command("COMPRESS DEFLATE")
    assert done.split()[1:3] == [b"NO", b"[COMPRESSIONACTIVE]"], done
    _, done = z.command("NOOP")
    assert done.split()[1] == b"OK", done


def test_compress_is_refused_before_login_and_for_unknown_mechanisms(ports):
    raw = Raw(ports["imap"])
    _, done = raw.command("COMPRESS DEFLATE")
    assert done.split()[1] == b"BAD", done
    raw.login()
    for bad in ("COMPRESS", "COMPRESS X-UNKNOWN", "COMPRESS DEFLATE extra", "COMPRESS (DEFLATE)"):
        _, done = raw.command(bad)
        assert done.split()[1] == b"BAD", (bad, done)
    _, done = raw.command("NOOP")  # still uncompressed
    assert done.split()[1] == b"OK", done


def test_idle_after_compress_pushes_new_mail_compressed(ports):
    _, z = compressed_session(ports["imap"])
    z.command("SELECT INBOX")
    z.send(b"i IDLE\r\n")
    assert z.line().startswith(b"+ ")
    lmtp_deliver(ports["lmtp"], [message(9)])
    assert z.line() == b"* 4 EXISTS\r\n"
    assert z.line() == b"* 4 RECENT\r\n"  # this session claimed all four
    z.send(b"DONE\r\n")
    _, done = z.until("i")
    assert done.startswith(b"i OK")
    untagged, _ = z.command("UID FETCH 4 (BODY.PEEK[])")
    assert crlf(message(9)) in untagged[0]


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_a_session_quiet_between_commands_goes_on_after_its_streams_were_released(ports, tls):
    # After more than two seconds without input the server gives back its
    # deflate streams (net/compression.cc). The client's compressor keeps
    # its history, so each repeat of the command below goes out as a
    # back-reference into what it sent before the pause, which the server's
    # restored inflater must resolve; its answers continue its own stream.
    _, z = compressed_session(ports["imaps" if tls else "imap"], tls=tls)
    _, done = z.command("EXAMINE INBOX")
    assert done.split()[1] == b"OK", done
    command = "FETCH 1:3 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"
    answers = []
    for pause in (2.5, 0.1, 2.5, 0):
        untagged, done = z.command(command)
        assert done.split()[1] == b"OK", done
        answers.append(untagged)
        time.sleep(pause)
    assert len(answers[0]) == 3 and b"Subject: message 3" in answers[0][2]
    assert all(answer == answers[0] for answer in answers)


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_bad_deflate_data_closes_the_connection_with_a_log_line(server, ports, tls):
    raw, z = compressed_session(ports["imaps" if tls else "imap"], tls=tls)
    _, done = z.command("NOOP")
    assert done.split()[1] == b"OK", done
    raw.send(b"\x00\x05\x00\x00\x00garbage")  # stored block lengths that disagree
    raw.sock.settimeout(TIMEOUT)
    with pytest.raises((EOFError, ConnectionError)):
        while True:
            z._more()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        server.stderr_file.seek(0)
        if b"net.inflate_failed" in server.stderr_file.read():
            break
        time.sleep(0.1)
    else:
        pytest.fail("no net.inflate_failed in the log")
    # The server is still there.
    _, z = compressed_session(ports["imap"])
    _, done = z.command("NOOP")
    assert done.split()[1] == b"OK", done

