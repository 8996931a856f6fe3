"""LMTP delivery (issue 3): the commands, per-recipient outcomes, exact bytes.

Byte-exact checks send raw over a socket (smtplib rewrites line endings);
smtplib.LMTP is used where a real client's behaviour is the point.
"""

import re
import smtplib
import socket

import pytest

from eider_harness import corpus_messages

TIMEOUT = 30
DELIVERED = re.compile(rb"^2\.0\.0 <[^>]*> (\d+):(\d+) delivered to (.*); queue id \S+$")
TRACE = re.compile(
    rb"Return-Path: <[^>]*>\r\n"
    rb"Delivered-To: [^\r\n]*\r\n"
    rb"Received: from [^\r\n]*\r\n"
    rb"\tby [^\r\n]* with LMTP id [^\r\n]*\r\n"
    rb"\tfor <[^>]*>; [A-Z][a-z][a-z], \d\d [A-Z][a-z][a-z] \d{4} \d\d:\d\d:\d\d \+0000\r\n"
)


def lmtp_port(listener_args):
    return int(listener_args[listener_args.index("--lmtp") + 1].rsplit(":", 1)[1])


class Raw:
    """An LMTP connection that sends bytes as given and reads replies."""

    def __init__(self, address, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(address)
        self.file = self.sock.makefile("rb")

    def close(self):
        self.file.close()
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        """(code, text of the last line, all lines) of one reply; code 0 at EOF."""
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                return 0, b"", lines
            lines.append(line)
            if line[3:4] != b"-":
                return int(line[:3]), line[4:].rstrip(b"\r\n"), lines

    def code(self):
        return self.reply()[0]

    def expect(self, code, status):
        """Reads one reply and asserts its code and enhanced status code."""
        got, text, lines = self.reply()
        assert (got, text[: len(status)]) == (code, status), lines
        return text

    def start(self, name=b"client.example"):
        assert self.code() == 220
        self.send(b"LHLO " + name + b"\r\n")
        code, _, lines = self.reply()
        assert code == 250
        return lines


@pytest.fixture
def port(server, listener_args):
    return lmtp_port(listener_args)


@pytest.fixture
def raw(port):
    conn = Raw(("127.0.0.1", port))
    yield conn
    conn.close()


@pytest.fixture
def users(cli):
    cli.add_user("bob", addresses=["bob@example.test"])
    cli.add_user("dave", addresses=["dave@example.test"])
    cli.ok("user", "add", "carol", "--password", "x", "--address", "carol@example.test",
           "--quota", "200")


def delivered(text):
    """(mailbox, uid) of a delivery reply."""
    match = DELIVERED.match(text)
    assert match, f"not a delivery reply: {text!r}"
    return match.group(3).decode(), int(match.group(2))


def uid_of(text):
    mailbox, uid = delivered(text)
    assert mailbox == "INBOX", text
    return uid


def split_trace(stored):
    """(trace header lines, the rest) of stored bytes."""
    match = TRACE.match(stored)
    assert match, f"no trace headers at the start of {stored[:300]!r}"
    return match.group(0), stored[match.end():]


def test_lhlo_advertises_the_extensions(users, port):
    with smtplib.LMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
        code, _ = client.ehlo("client.example")
        assert code == 250
        for ext in ("pipelining", "enhancedstatuscodes", "8bitmime", "smtputf8", "chunking"):
            assert client.has_extn(ext), ext
        assert client.esmtp_features["size"] == str(64 * 1024 * 1024)


def test_smtplib_delivery_with_dot_stuffed_lines(users, port, cli):
    message = b"Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n"
    with smtplib.LMTP("127.0.0.1", port, timeout=TIMEOUT) as client:
        client.ehlo("client.example")
        assert client.mail("alice@example.org")[0] == 250
        assert client.rcpt("Bob@Example.Test")[0] == 250
        code, text = client.data(message)
        assert code == 250
        uid = uid_of(text)
    trace, rest = split_trace(cli.export("bob", uid))
    assert rest == message
    assert b"Return-Path: <alice@example.org>\r\n" in trace
    assert b"Delivered-To: Bob@Example.Test\r\n" in trace
    assert b"for <Bob@Example.Test>" in trace


def test_multi_recipient_transaction_gets_one_reply_per_recipient(users, raw, cli):
    raw.start()
    body = b"Subject: many\r\n\r\n" + b"x" * 400 + b"\r\n"
    raw.send(b"MAIL FROM:<alice@example.org>\r\n")
    assert raw.code() == 250
    raw.send(b"RCPT TO:<bob@example.test>\r\n")
    assert raw.code() == 250
    raw.send(b"RCPT TO:<nobody@example.test>\r\n")
    raw.expect(550, b"5.1.1")
    raw.send(b"RCPT TO:<carol@example.test>\r\n")
    assert raw.code() == 250
    raw.send(b"RCPT TO:<dave@example.test>\r\n")
    assert raw.code() == 250
    raw.send(b"DATA\r\n")
    assert raw.code() == 354
    raw.send(body + b".\r\n")
    outcomes = [raw.reply() for _ in range(3)]
    assert outcomes[0][0] == 250 and b"<bob@example.test>" in outcomes[0][1]
    assert (outcomes[1][0], outcomes[1][1][:5]) == (552, b"5.2.2")  # carol: over quota
    assert outcomes[2][0] == 250 and b"<dave@example.test>" in outcomes[2][1]
    for user, (_, text, _) in (("bob", outcomes[0]), ("dave", outcomes[2])):
        _, rest = split_trace(cli.export(user, uid_of(text)))
        assert rest == body
    raw.send(b"NOOP\r\n")
    assert raw.code() == 250


def test_pipelined_commands_sent_at_once(users, raw, cli):
    message = b"Subject: pipelined\r\n\r\nbody\r\n"
    raw.send(
        b"LHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\n"
        b"RCPT TO:<dave@example.test>\r\nDATA\r\n" + message + b".\r\n"
        b"MAIL FROM:<>\r\nRCPT TO:<bob+news@example.test>\r\nDATA\r\n" + message + b".\r\n"
        b"QUIT\r\n"
    )
    codes = [raw.code() for _ in range(13)]
    assert codes == [220, 250, 250, 250, 250, 354, 250, 250, 250, 250, 354, 250, 221]
    assert raw.code() == 0  # closed after QUIT
    assert [split_trace(cli.export("bob", uid))[1] for uid in (1, 2)] == [message, message]


def test_bdat_chunks_are_stored_exactly(users, raw, cli):
    raw.start()
    message = b"Subject: chunks\n\nbare LF\nbare CR\r.\r\n.\r\nno final newline"
    raw.send(b"MAIL FROM:<a@example.org> BODY=BINARYMIME\r\nRCPT TO:<bob@example.test>\r\n")
    assert [raw.code(), raw.code()] == [250, 250]
    raw.send(b"BDAT 10\r\n" + message[:10])
    code, text, _ = raw.reply()
    assert (code, text) == (250, b"2.0.0 10 octets received")
    raw.send(b"BDAT 0\r\n")
    assert raw.code() == 250
    rest = message[10:]
    raw.send(b"BDAT %d LAST\r\n" % len(rest) + rest + b"NOOP\r\n")
    code, text, _ = raw.reply()
    assert code == 250
    assert raw.code() == 250  # the NOOP after the chunk
    trace, stored = split_trace_lf(cli.export("bob", uid_of(text)))
    assert stored == message
    assert trace.startswith(b"Return-Path: <a@example.org>\n")


def split_trace_lf(stored):
    """split_trace for a message whose first line ends with bare LF."""
    end = stored.index(b" +0000\n") + len(b" +0000\n")
    return stored[:end], stored[end:]


def test_smuggled_terminators_do_not_end_data(users, raw, cli):
    raw.start()
    # A bare LF or CR around the dot is not the end of data: the "commands"
    # after it are part of the message, as a receiving MTA would store them.
    smuggled = (
        b"Subject: smuggle\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>\n"
        b"RCPT TO:<dave@example.test>\r.\rDATA\r\nend\r\n"
    )
    raw.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
    assert [raw.code(), raw.code(), raw.code()] == [250, 250, 354]
    raw.send(smuggled + b".\r\n")
    code, text, _ = raw.reply()
    assert code == 250
    _, stored = split_trace(cli.export("bob", uid_of(text)))
    assert stored == smuggled
    assert cli.run("export", "--user", "dave", "--mailbox", "INBOX", "--uid", "1").returncode != 0


def test_lone_dot_lines_with_bare_endings_are_kept(users, raw, cli):
    raw.start()
    raw.send(b"MAIL FROM:<>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
    assert [raw.code(), raw.code(), raw.code()] == [250, 250, 354]
    raw.send(b"a\r\n.\nb\r\n..\r\n.\r\n")
    code, text, _ = raw.reply()
    assert code == 250
    _, stored = split_trace(cli.export("bob", uid_of(text)))
    # ".\n" starts with a stuffed dot (removed); ".." is one dot.
    assert stored == b"a\r\n\nb\r\n.\r\n"


@pytest.mark.parametrize("rcpt, user", [
    ("BOB@EXAMPLE.TEST", "bob"), ("bob+tag@example.test", "bob"),
    ("someone@catchall.test", "any"), ("user@xn--bcher-kva.example", "any"),
    ("USER@Bücher.example", "any"),
])
def test_recipient_resolution(cli, server, listener_args, rcpt, user):
    cli.add_user("bob", addresses=["bob@example.test"])
    cli.add_user("any", addresses=["*@catchall.test", "user@bücher.example"])
    conn = Raw(("127.0.0.1", lmtp_port(listener_args)))
    try:
        conn.start()
        conn.send(b"MAIL FROM:<a@b.example> SMTPUTF8\r\nRCPT TO:<" + rcpt.encode() + b">\r\n")
        assert [conn.code(), conn.code()] == [250, 250]
        conn.send(b"DATA\r\n")
        assert conn.code() == 354
        conn.send(b"Subject: resolved\r\n\r\nbody\r\n.\r\n")
        code, text, _ = conn.reply()
        assert code == 250, text
    finally:
        conn.close()
    stored = cli.export(user, uid_of(text))
    assert stored.endswith(b"\r\nSubject: resolved\r\n\r\nbody\r\n"), stored
    assert b"Delivered-To: " + rcpt.encode() + b"\r\n" in stored, stored
    other = "any" if user == "bob" else "bob"
    assert cli.run("export", "--user", other, "--mailbox", "INBOX", "--uid", "1").returncode != 0


def test_commands_out_of_order_and_unknown(users, raw):
    raw.send(b"MAIL FROM:<a@b.example>\r\n")
    assert raw.code() == 220
    raw.expect(503, b"5.5.1")  # before LHLO
    for line, expected in [
        (b"EHLO client.example", (500, b"5.5.1")),
        (b"HELO client.example", (500, b"5.5.1")),
        (b"LHLO client.example", (250, b"BINAR")),
        (b"RCPT TO:<bob@example.test>", (503, b"5.5.1")),
        (b"DATA", (503, b"5.5.1")),
        (b"BDAT 3 LAST", None),
        (b"XYZZY", (500, b"5.5.2")),
        (b"MAIL FROM:bob", (501, b"5.5.4")),
        (b"MAIL FROM:<a@b.example>", (250, b"2.1.0")),
        (b"MAIL FROM:<a@b.example>", (503, b"5.5.1")),
        (b"DATA", (503, b"5.5.1")),  # no recipient yet
        (b"RCPT TO:<not an address>", (501, b"5.1.3")),
        (b"VRFY bob", (252, b"2.5.0")),
        (b"RSET", (250, b"2.0.0")),
        (b"NOOP", (250, b"2.0.0")),
        (b"QUIT", (221, b"2.0.0")),
    ]:
        if expected is None:
            # A refused BDAT still takes its chunk: "abc" is not a command.
            raw.send(line + b"\r\nabc")
            raw.expect(503, b"5.5.1")
            continue
        raw.send(line + b"\r\n")
        code, text, _ = raw.reply()
        assert (code, text[:5]) == expected, line


def test_data_refused_for_binarymime(users, raw):
    raw.start()
    raw.send(b"MAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n")
    assert [raw.code(), raw.code(), raw.code()] == [250, 250, 503]


def deliver_bdat(conn, message):
    conn.send(b"MAIL FROM:<corpus@example.org> BODY=BINARYMIME\r\nRCPT TO:<bob@example.test>\r\n"
              b"BDAT %d LAST\r\n" % len(message) + message)
    assert [conn.code(), conn.code()] == [250, 250]
    code, text, _ = conn.reply()
    assert code == 250, text
    return delivered(text)


def test_every_corpus_message_is_stored_exactly_after_its_trace(users, raw, cli):
    raw.start()
    paths = corpus_messages()
    assert len(paths) >= 256
    filed = [(path, *deliver_bdat(raw, path.read_bytes())) for path in paths]
    for path, mailbox, uid in filed:
        original = path.read_bytes()
        stored = cli.export("bob", uid, mailbox=mailbox)
        assert stored.endswith(original), path.name
        trace = stored[: len(stored) - len(original)]
        assert trace.startswith(b"Return-Path: <corpus@example.org>"), path.name
        assert trace.count(b"Delivered-To: bob@example.test") == 1, path.name
