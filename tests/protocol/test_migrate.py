"""`eider migrate` (docs/cli.md): a SQLite data folder of 10,000 messages
moves to a private PostgreSQL (postgres_server.py), and neither `eider
export` nor an IMAP client can tell: every message exports byte-identical,
and every mailbox shows the same UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, and
every message the same UID, flags, MODSEQ, date and bytes. Plus the
command's refusals (a bad URL, a non-empty target, a missing source, a
running server)."""

import base64
import hashlib
import os
import random
import re
import signal
import threading
import time

import pytest

from eider_harness import (EXIT_USAGE, LISTENER_FLAGS, Cli, Server, assert_one_line_error,
                           corpus_messages, free_port)
from imap_support import Raw
from postgres_server import PostgresServer, available

pytestmark = [
    pytest.mark.skipif(not available() and not os.environ.get("CI"),
                       reason="no PostgreSQL server binaries"),
    # Its source is the data folder's SQLite store; it starts its own
    # PostgreSQL for the target, so the postgresql run has nothing to add.
    pytest.mark.sqlite_only(reason="migrates from the data folder's SQLite store"),
]

USERS = ("ann", "bob", "cy")
PASSWORD = "secret"
TOTAL = 10_000
CONNECTIONS_PER_USER = 3
# Small, so that the shared attachments below are blobs (deduplicated).
CONFIG = "blob-threshold = 2048\n"


@pytest.fixture(scope="module")
def pg():
    server = PostgresServer()
    yield server
    server.close()


def serve(eider_bin, tmp_path, *store_args):
    ports = {flag: free_port() for flag in LISTENER_FLAGS}
    args = [*store_args, "--config", tmp_path / "eider.toml"]
    for flag in LISTENER_FLAGS:
        args += [f"--{flag}", f"127.0.0.1:{ports[flag]}" if flag == "imap" else "off"]
    srv = Server(eider_bin, args, cwd=tmp_path)
    assert srv.start(), srv.communicate()
    return srv, ports["imap"]


def stop(srv):
    try:
        assert srv.stop(signal.SIGTERM) == 0
    finally:
        srv.kill()


def generated(n, attachments):
    """Message n of the filler: small, with the bytes a store must keep
    (bare LF and CR, 8-bit, NUL, no final newline) and, now and then, one of
    a few attachments many messages share."""
    eol = b"\n" if n % 5 == 0 else b"\r\n"
    head = [b"From: Sender %d <s%d@example.com>" % (n % 37, n % 37),
            b"To: someone@example.test",
            b"Subject: filler %d" % n,
            b"Message-ID: <f%d@example.com>" % n,
            b"Date: Mon, 7 Dec 2026 10:%02d:00 +0000" % (n % 60)]
    body = [b"line %d of message %d" % (i, n) for i in range(n % 9 + 1)]
    if n % 11 == 0:
        body.append(b"caf\xe9 \xff\xfe 8-bit")
    if n % 17 == 0:
        body.append(b"bare\rcarriage return")
    if n % 97 == 0:
        body.append(b"a NUL \x00 byte")
    if n % 13 == 0:
        boundary = b"b%d" % n
        head += [b"MIME-Version: 1.0",
                 b'Content-Type: multipart/mixed; boundary="%s"' % boundary]
        attachment = attachments[n % len(attachments)]
        body = ([b"--" + boundary, b"Content-Type: text/plain", b""] + body +
                [b"--" + boundary, b"Content-Type: application/octet-stream",
                 b"Content-Transfer-Encoding: base64", b""] +
                [attachment[i:i + 76] for i in range(0, len(attachment), 76)] +
                [b"--" + boundary + b"--"])
    data = eol.join(head + [b""] + body)
    return data if n % 7 == 0 else data + eol


def plan_messages():
    """(user, mailbox, flags, internal date, bytes) for every message: the
    corpus to every user (attachments shared across users), then filler."""
    rng = random.Random(16)
    attachments = [base64.b64encode(rng.randbytes(3000)) for _ in range(5)]
    corpus = [path.read_bytes() for path in corpus_messages()]
    mailboxes = ("INBOX", "INBOX", "Lists/eider", "Archive")
    flag_sets = ("", "\\Seen", "\\Seen \\Answered", "\\Flagged $Label", "\\Seen $Forwarded",
                 "\\Draft")
    planned = []
    for data in corpus:
        for user in USERS:
            planned.append(data)
    planned += [generated(n, attachments) for n in range(TOTAL - len(planned))]
    out = []
    for n, data in enumerate(planned):
        user = USERS[n % len(USERS)]
        date = time.strftime("%d-%b-%Y %H:%M:%S +0000", time.gmtime(1700000000 + n * 3600))
        out.append((user, mailboxes[n // 3 % len(mailboxes)], flag_sets[n % len(flag_sets)],
                    date, data))
    return out


def append_all(port, user, items):
    """APPENDs pipelined with LITERAL+ (literal8 where there is a NUL)."""
    raw = Raw(port).login(user, PASSWORD)
    try:
        for i in range(0, len(items), 200):
            chunk = items[i:i + 200]
            out = bytearray()
            for k, (_, mailbox, flags, date, data) in enumerate(chunk):
                literal = b"~{%d+}" if b"\x00" in data else b"{%d+}"
                out += b"a%d APPEND \"%s\" (%s) \"%s\" " % (k, mailbox.encode(), flags.encode(),
                                                           date.encode())
                out += literal % len(data) + b"\r\n" + data + b"\r\n"
            raw.send(bytes(out))
            for k in range(len(chunk)):
                _, done = raw.until(f"a{k}")
                assert done.split()[1] == b"OK", done
    finally:
        raw.close()


def fill(port):
    raw = {user: Raw(port).login(user, PASSWORD) for user in USERS}
    for connection in raw.values():
        for command in ('CREATE "Lists/eider"', 'CREATE "Gone"', 'CREATE "Old"'):
            _, done = connection.command(command)
            assert done.split()[1] == b"OK", done
    planned = plan_messages()
    threads = []
    errors = []
    for user in USERS:
        mine = [item for item in planned if item[0] == user]
        for part in range(CONNECTIONS_PER_USER):
            def run(items=mine[part::CONNECTIONS_PER_USER], user=user):
                try:
                    append_all(port, user, items)
                except Exception as e:  # noqa: BLE001  (reported below)
                    errors.append(e)
            threads.append(threading.Thread(target=run))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    # History a copy must keep: expunged UIDs (gaps), flag changes (MODSEQs
    # apart from UIDs), a renamed mailbox, a deleted subscribed one (a lost
    # subscription), an unsubscribed one, \Recent claimed in INBOX.
    for user, connection in raw.items():
        gaps = ",".join(str(uid) for uid in range(3, 1700, 10))
        for command in ("SELECT INBOX", f"UID STORE {gaps} +FLAGS.SILENT (\\Deleted)", "EXPUNGE",
                        "UID STORE 51:* +FLAGS.SILENT ($Kept)",
                        "UID STORE 60:70 -FLAGS.SILENT (\\Seen)",
                        'RENAME "Old" "Older"', 'DELETE "Gone"', 'UNSUBSCRIBE "Archive"',
                        'SUBSCRIBE "Not/There"', "UNSELECT"):
            _, done = connection.command(command)
            assert done.split()[1] == b"OK", (user, command, done)
        connection.close()
    return len(planned)


def snapshot(port):
    """What IMAP clients see, per user: LIST, LSUB, and per mailbox its
    STATUS-like values and a hash of each message's whole FETCH line."""
    seen = {}
    for user in USERS:
        raw = Raw(port).login(user, PASSWORD)
        lines, _ = raw.command('LIST "" "*"')
        names = []
        for line in lines:
            m = re.match(rb"\* LIST \(([^)]*)\) \S+ (.*)\r\n$", line)
            assert m, line
            if b"\\Noselect" not in m.group(1):
                names.append(m.group(2))
        lsub, _ = raw.command('LSUB "" "*"')
        seen[user, "LSUB"] = sorted(lsub)
        seen[user, "LIST"] = sorted(lines)
        for name in names:
            lines, done = raw.command(b"EXAMINE " + name + b" (CONDSTORE)")
            assert done.split()[1] == b"OK", done
            state = sorted(line for line in lines
                           if re.search(rb"UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ|EXISTS", line))
            lines, done = raw.command("UID FETCH 1:* (FLAGS MODSEQ INTERNALDATE RFC822.SIZE "
                                      "BODY.PEEK[])")
            assert done.split()[1] == b"OK", done
            seen[user, name] = (state, [hashlib.sha256(line).hexdigest() for line in lines])
        raw.close()
    return seen


def sample_uids():
    """UIDs of INBOX to export (the store holds about 1,700 a user)."""
    return range(1, 1700, 50)


def test_migrate_moves_10000_messages_so_that_clients_notice_nothing(pg, eider_bin, tmp_path):
    (tmp_path / "eider.toml").write_text(CONFIG)
    data = tmp_path / "data"
    data.mkdir()
    source = Cli(eider_bin, data, cwd=tmp_path)
    for user in USERS:
        source.add_user(user, PASSWORD, [f"{user}@example.test"])
    srv, port = serve(eider_bin, tmp_path, "--data", data)
    try:
        started = time.monotonic()
        count = fill(port)
        filled = time.monotonic() - started
        before = snapshot(port)
        # A running server on the source is refused.
        url = pg.create_database()
        busy = source.run("migrate", "--from", data, "--to", url, data=False)
        assert "stop eider serve" in assert_one_line_error(busy)
    finally:
        stop(srv)
    assert count == TOTAL
    exports = {}
    for user in USERS:
        for uid in sample_uids():
            result = source.run("export", "--user", user, "--mailbox", "INBOX", "--uid", uid)
            if result.returncode == 0:
                exports[user, uid] = result.stdout
    assert len(exports) > 75

    started = time.monotonic()
    result = source.run("migrate", "--from", f"sqlite:{data}", "--to", url,
                        "--config", tmp_path / "eider.toml", data=False, timeout=600)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr.decode()
    summary = result.stdout.decode()
    kept = sum(len(value[1]) for key, value in before.items() if key[1] not in ("LIST", "LSUB"))
    assert "migrated and verified 3 users, " in summary, summary
    assert f" {kept} messages " in summary and "6 lost subscriptions" in summary, summary
    print(f"filled {TOTAL} messages in {filled:.1f} s; migrated in {took:.1f} s: {summary}")

    target = Cli(eider_bin, tmp_path, cwd=tmp_path)
    for (user, uid), expected in exports.items():
        got = target.ok("export", "--user", user, "--mailbox", "INBOX", "--uid", uid,
                        "--store", url, data=False)
        assert got == expected, (user, uid)
    (tmp_path / "node").mkdir()
    srv, port = serve(eider_bin, tmp_path, "--data", tmp_path / "node", "--store", url)
    try:
        after = snapshot(port)
    finally:
        stop(srv)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key

    # The target now has users: a second run is refused and changes nothing.
    again = source.run("migrate", "--from", data, "--to", url, data=False)
    assert "not empty" in assert_one_line_error(again)


def test_migrate_refuses_a_bad_url_a_missing_source_and_the_same_store(eider_bin, tmp_path):
    cli = Cli(eider_bin, tmp_path, cwd=tmp_path)
    bad = cli.run("migrate", "--from", "mysql://x/y", "--to", tmp_path / "t", data=False)
    assert "unknown store URL" in assert_one_line_error(bad, EXIT_USAGE)
    missing = cli.run("migrate", "--from", tmp_path / "nowhere", "--to", tmp_path / "t",
                      data=False)
    assert "no source store" in assert_one_line_error(missing)
    assert not (tmp_path / "t").exists()
    data = tmp_path / "data"
    data.mkdir()
    Cli(eider_bin, data, cwd=tmp_path).add_user("ann", PASSWORD)
    same = cli.run("migrate", "--from", data, "--to", f"sqlite:{data}/eider.db", data=False)
    assert "same store" in assert_one_line_error(same)
    no_to = cli.run("migrate", "--from", data, data=False)
    assert "--to" in assert_one_line_error(no_to, EXIT_USAGE)


def test_migrate_copies_sqlite_to_sqlite_and_leaves_the_source_as_it_was(eider_bin, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    source = Cli(eider_bin, data, cwd=tmp_path)
    source.add_user("ann", PASSWORD, ["ann@example.test"])
    uids = [source.deliver("ann", b"Subject: %d\r\n\r\nbody %d" % (n, n)) for n in range(5)]
    before = (data / "eider.db").read_bytes()
    result = source.run("migrate", "--from", data, "--to", tmp_path / "copy", data=False)
    assert result.returncode == 0, result.stderr.decode()
    assert "1 users, 6 mailboxes, 5 messages" in result.stdout.decode()
    assert (data / "eider.db").read_bytes() == before
    copy = Cli(eider_bin, tmp_path / "copy", cwd=tmp_path)
    for n, uid in enumerate(uids):
        assert copy.export("ann", uid) == b"Subject: %d\r\n\r\nbody %d" % (n, n)
    assert copy.deliver("ann", b"Subject: next\r\n\r\n") == uids[-1] + 1
