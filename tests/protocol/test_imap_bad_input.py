"""The IMAP bad-input catalogue over the wire (issue 4): malformed commands,
commands in the wrong state and arguments the server must refuse. Each gets a
tagged BAD or NO (untagged BAD when no tag could be read), and the same
connection then answers NOOP: nothing crashes, nothing is left half-read."""

import pytest

from imap_support import ADDRESS, PASSWORD, USER, Raw, message, port_of

# (bytes sent, the tag the answer carries or None for untagged). Sent in a
# session that is logged in with INBOX selected.
SELECTED_CASES = [
    (b"", None),
    (b" NOOP", None),
    (b"NOOP", b"NOOP"),
    (b"+ NOOP", None),
    (b"* NOOP", None),
    (b'"a" NOOP', None),
    (b"a", b"a"),
    (b"a ", b"a"),
    (b"a  NOOP", b"a"),
    (b"a FOO", b"a"),
    (b"a NOOOP", b"a"),
    (b"a NOOP x", b"a"),
    (b"a CAPABILITY now", b"a"),
    (b"a LOGOUT\tx", b"a"),
    (b"a UID", b"a"),
    (b"a UID NOOP", b"a"),
    (b"a UID LOGIN a b", b"a"),
    (b"a UID FOO 1", b"a"),
    (b"a LOGIN", b"a"),
    (b"a LOGIN user", b"a"),
    (b"a LOGIN alice secret", b"a"),  # already logged in
    (b"a AUTHENTICATE PLAIN", b"a"),  # already logged in
    (b"a STARTTLS", b"a"),  # already logged in
    (b"a SELECT", b"a"),
    (b"a SELECT INBOX (FOO)", b"a"),
    (b"a SELECT INBOX (QRESYNC (0 1))", b"a"),
    (b"a SELECT &Jjo", b"a"),  # invalid modified UTF-7: NO [NONEXISTENT]
    (b"a SELECT &AGE-", b"a"),  # UTF-7 for plain ASCII: NO [NONEXISTENT]
    (b'a SELECT "\xff\xfe"', b"a"),  # 8-bit name
    (b"a EXAMINE", b"a"),
    (b"a CREATE", b"a"),
    (b"a CREATE x (USE ())", b"a"),
    (b"a CREATE x y", b"a"),
    (b"a CREATE INBOX", b"a"),
    (b"a CREATE a//b", b"a"),
    (b"a CREATE a*b", b"a"),
    (b"a CREATE x (USE (\\Bogus))", b"a"),
    (b"a DELETE", b"a"),
    (b"a DELETE INBOX", b"a"),
    (b"a DELETE NoSuchBox", b"a"),
    (b"a RENAME a", b"a"),
    (b"a RENAME NoSuchBox Other", b"a"),
    (b"a RENAME Sent INBOX", b"a"),
    (b"a RENAME Sent Trash", b"a"),
    (b"a SUBSCRIBE", b"a"),
    (b"a UNSUBSCRIBE NoSuchBox", b"a"),
    (b"a SUBSCRIBE &Jjo", b"a"),  # cannot be stored: NO [CANNOT]
    (b"a UNSUBSCRIBE (x)", b"a"),
    (b"a LIST", b"a"),
    (b'a LIST ""', b"a"),
    (b'a LIST "" * FOO', b"a"),
    (b'a LIST "" * RETURN (STATUS (FOO))', b"a"),
    (b'a LIST (RECURSIVEMATCH) "" *', b"a"),  # LIST-EXTENDED (RFC 5258)
    (b'a LIST (REMOTE RECURSIVEMATCH) "" *', b"a"),
    (b'a LIST (BOGUS) "" *', b"a"),
    (b'a LIST "" * RETURN (BOGUS)', b"a"),
    (b'a LIST "" * RETURN (STATUS (MESSAGES)', b"a"),  # LIST-STATUS (RFC 5819)
    (b'a LIST "" * RETURN (STATUS ())', b"a"),
    (b'a LIST "" ("INBOX" "Sent"', b"a"),
    (b'a LSUB "" (x)', b"a"),
    (b"a STATUS", b"a"),
    (b"a STATUS INBOX", b"a"),
    (b"a STATUS INBOX ()", b"a"),
    (b"a STATUS INBOX (MESSAGES FOO)", b"a"),
    (b"a STATUS NoSuchBox (MESSAGES)", b"a"),
    (b"a STATUS INBOX (APPENDLIMIT", b"a"),  # APPENDLIMIT (RFC 7889)
    (b"a STATUS NoSuchBox (APPENDLIMIT)", b"a"),
    (b"a APPEND", b"a"),
    (b"a APPEND INBOX", b"a"),
    (b"a APPEND INBOX abc", b"a"),
    (b'a APPEND INBOX "31-Feb-2020 10:00:00 +0000" {1+}\r\nx', b"a"),
    (b'a APPEND INBOX "01-Feb-2020 24:00:00 +0000" {1+}\r\nx', b"a"),
    (b"a APPEND INBOX (\\Recent) {1+}\r\nx", b"a"),
    (b"a APPEND INBOX (\\Bogus) {1+}\r\nx", b"a"),
    (b"a APPEND NoSuchBox {1+}\r\nx", b"a"),
    (b"a APPEND INBOX {0+}\r\n", b"a"),
    (b"a STORE", b"a"),
    (b"a STORE 1", b"a"),
    (b"a STORE 1 FLAGS", b"a"),
    (b"a STORE 1 FOO (\\Seen)", b"a"),
    (b"a STORE 1 +FLAGS (\\Seen", b"a"),
    (b"a STORE 0 FLAGS ()", b"a"),
    (b"a STORE 99 FLAGS (\\Seen)", b"a"),
    (b"a STORE 1 FLAGS (\\Recent)", b"a"),
    (b"a STORE 1 FLAGS (\\Nope)", b"a"),
    (b"a STORE 1 FLAGS (\\)", b"a"),
    (b"a COPY", b"a"),
    (b"a COPY 1", b"a"),
    (b"a COPY 1:x INBOX", b"a"),
    (b"a COPY 1 NoSuchBox", b"a"),
    (b"a COPY 99 Trash", b"a"),
    (b"a MOVE , INBOX", b"a"),
    (b"a UID EXPUNGE", b"a"),
    (b"a UID EXPUNGE 0", b"a"),
    (b"a FETCH", b"a"),
    (b"a FETCH 1", b"a"),
    (b"a FETCH 1 BOGUS", b"a"),
    (b"a FETCH 1:4294967296 UID", b"a"),
    (b"a FETCH 1:4294967295 UID", b"a"),  # beyond the mailbox
    (b"a FETCH 0 FLAGS", b"a"),
    (b"a FETCH 1 BODY[1.x]", b"a"),
    (b"a FETCH 1 BODY[HEADER.FIELDS]", b"a"),
    (b"a FETCH 1 BODY[]<1.0>", b"a"),
    (b"a FETCH 1 (FLAGS", b"a"),
    (b"a SEARCH", b"a"),
    (b"a SEARCH BOGUS", b"a"),
    (b"a SEARCH CHARSET X-BOGUS ALL", b"a"),
    (b"a SEARCH SINCE 31-Feb-2020", b"a"),
    (b"a SEARCH LARGER x", b"a"),
    (b"a SEARCH OR SEEN", b"a"),
    (b"a SEARCH " + b"(" * 40, b"a"),
    (b"a SEARCH OR SEEN " + b"(" * 40 + b"SEEN" + b")" * 40, b"a"),
    (b"a SEARCH RETURN (BOGUS) ALL", b"a"),  # ESEARCH (RFC 4731)
    (b"a SEARCH RETURN (SAVE) ALL", b"a"),  # SEARCHRES is not offered
    (b"a SEARCH RETURN (MIN", b"a"),
    (b"a SEARCH RETURN (MIN MAX)", b"a"),
    (b"a UID SEARCH RETURN MIN ALL", b"a"),
    (b"a ENABLE", b"a"),
    (b"a ID", b"a"),
    (b'a ID ("name")', b"a"),
    (b"a LOGIN ~{1+}\r\nx y", b"a"),
    (b"a LOGIN {3}x", b"a"),
    (b"a LOGIN {x}", b"a"),
    (b"a IDLE x", b"a"),
    (b"a CHECK now", b"a"),
    (b"a GETQUOTAROOT", b"a"),  # QUOTA (RFC 9208)
    (b"a GETQUOTAROOT NoSuchBox", b"a"),
    (b"a GETQUOTA", b"a"),
    (b"a GETQUOTA nosuchroot", b"a"),
    (b'a SETQUOTA "" (STORAGE x)', b"a"),
    (b'a SETQUOTA "" (STORAGE 1)', b"a"),  # limits belong to the administrator
    (b"a COMPRESS", b"a"),  # COMPRESS (RFC 4978)
    (b"a COMPRESS X-UNKNOWN", b"a"),
    (b"a COMPRESS DEFLATE now", b"a"),
    (b"a FETCH 1 BINARY[1.TEXT]", b"a"),  # BINARY (RFC 3516)
    (b"a FETCH 1 BINARY.SIZE[1]<0.1>", b"a"),
    (b"a FETCH 1 BINARY.PEEK[1.MIME]", b"a"),
]

# Sent before login: everything that needs a login is refused.
LOGGED_OUT_CASES = [
    b"a SELECT INBOX",
    b"a EXAMINE INBOX",
    b"a CREATE x",
    b'a LIST "" *',
    b"a STATUS INBOX (MESSAGES)",
    b"a APPEND INBOX {1+}\r\nx",
    b"a FETCH 1 FLAGS",
    b"a IDLE",
    b"a LOGIN alice wrong",
    b"a AUTHENTICATE CRAM-MD5",
    b"a GETQUOTAROOT INBOX",
    b"a COMPRESS DEFLATE",
]


@pytest.fixture
def imap_port(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    for n in range(1, 4):
        cli.deliver(USER, message(n))
    return port_of(listener_args, "imap")


def refused(raw, data, tag):
    raw.send(data + b"\r\nn NOOP\r\n")
    lines = []
    while True:
        line = raw.line()
        lines.append(line)
        if line.startswith(b"n "):
            break
    answer = [l for l in lines if (l.startswith(tag + b" ") if tag else l.startswith(b"* BAD"))]
    assert answer, (data, lines)
    assert answer[0].split(b" ")[1] in (b"BAD", b"NO"), (data, answer[0])
    assert len(answer[0].strip().split(b" ", 2)) == 3, ("no text", data, answer[0])
    assert lines[-1].startswith(b"n OK"), (data, lines)


def test_catalogue_has_at_least_100_cases():
    assert len(SELECTED_CASES) + len(LOGGED_OUT_CASES) >= 100


def test_each_malformed_command_is_refused_and_the_connection_goes_on(imap_port):
    raw = Raw(imap_port).login()
    _, done = raw.command("SELECT INBOX")
    assert done.split()[1] == b"OK", done
    for data, tag in SELECTED_CASES:
        refused(raw, data, tag)
        if data.startswith((b"a SELECT", b"a EXAMINE")):
            # A SELECT that fails after parsing leaves nothing selected
            # (RFC 3501 6.3.1); select again for the cases that follow.
            raw.command("SELECT INBOX")
    # Nothing was changed by any of them.
    untagged, _ = raw.command("FETCH 1:* (FLAGS)")
    assert len(untagged) == 3 and all(b"\\Deleted" not in line for line in untagged)
    untagged, _ = raw.command('LIST "" *')
    assert len(untagged) == 6, untagged


def test_commands_before_login_are_refused(imap_port):
    raw = Raw(imap_port)
    for data in LOGGED_OUT_CASES:
        refused(raw, data, b"a")


def test_line_too_long_is_refused_and_memory_stays_bounded(imap_port):
    raw = Raw(imap_port).login()
    raw.send(b"a NOOP " + b"x" * (2 * 1024 * 1024) + b"\r\nn NOOP\r\n")
    _, done = raw.until("a")
    assert done.startswith(b"a BAD"), done
    _, done = raw.until("n")
    assert done.startswith(b"n OK")


def test_literal_too_large_is_refused_before_it_is_sent(imap_port):
    raw = Raw(imap_port).login()
    raw.send(b"a APPEND INBOX {999999999999}\r\n")
    line = raw.line()
    assert line.startswith(b"a NO [TOOBIG]"), line
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


def test_refused_non_synchronizing_literal_closes_the_connection(imap_port):
    raw = Raw(imap_port).login()
    raw.send(b"a APPEND INBOX {999999999999+}\r\n")
    assert raw.line().startswith(b"a NO [TOOBIG]")
    assert raw.line().startswith(b"* BYE")
    with pytest.raises(EOFError):
        raw.line()
    raw = Raw(imap_port).login()  # the server is still there
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


def test_huge_uid_range_does_not_allocate_by_range(imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    untagged, done = raw.command("UID FETCH 1:4294967295,1:4294967295 (UID)")
    assert len(untagged) == 3 and done.split()[1] == b"OK", done
    untagged, done = raw.command("UID SEARCH UID 1:4294967295")
    assert untagged == [b"* SEARCH 1 2 3\r\n"]
    untagged, done = raw.command("UID STORE 1:4294967295 +FLAGS.SILENT (x)")
    assert done.split()[1] == b"OK", done
