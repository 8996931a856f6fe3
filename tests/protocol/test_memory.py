"""The memory budget (issue 14, item 17): large APPEND literals and LMTP DATA
spooled to a temporary file round-trip byte for byte; a literal or DATA that
finds the budget full is refused with the protocol's temporary error and the
session goes on; logins hash on a bounded pool and still answer right.

Thresholds and budgets are lowered by flags so the messages stay small."""

import base64
import os
import socket
import threading

import pytest

from eider_harness import port_of
from imap_support import ADDRESS, PASSWORD, USER, Raw
from test_lmtp import Raw as LmtpRaw
from test_lmtp import delivered, split_trace

TIMEOUT = 30


@pytest.fixture
def serve(custom_server, cli):
    """start(*flags): a server with the IMAP user, stopped (exit 0) after the test."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    return custom_server


def big_message(size, seed=1):
    """A message of about `size` bytes whose exactness is easy to lose: a
    base64 attachment (stored decoded), 8-bit text, bare LF and bare CR
    lines, lines starting with dots, and no final line ending."""
    head = (b"From: a@example.org\r\nTo: alice@example.test\r\nSubject: spool %d\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n"
            b"--zz\r\nContent-Type: text/plain; charset=latin1\r\n\r\n"
            b"caf\xe9\r\n.leading dot\r\n..two dots\r\nbare lf\nbare cr\rend\r\n"
            b"--zz\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" % seed)
    raw = bytes((i * 7 + seed) % 256 for i in range(size * 3 // 4))
    return head + base64.encodebytes(raw).replace(b"\n", b"\r\n") + b"--zz--\r\ntrailer"


def uid_of(tagged):
    return int(tagged.split(b"[APPENDUID ")[1].split(b"]")[0].split()[1])


def append_sync(conn, tag, message):
    conn.send(b"%s APPEND INBOX {%d}\r\n" % (tag, len(message)))
    line = conn.line()
    assert line.startswith(b"+"), line
    conn.send(message + b"\r\n")
    return conn.until(tag)[1]


def test_large_append_spooled_to_a_file_round_trips_byte_exactly(serve, listener_args, cli,
                                                                  data_dir):
    serve("--spool-threshold", "1000")
    message = big_message(300_000)
    conn = Raw(port_of(listener_args, "imap")).login()
    try:
        tagged = append_sync(conn, b"a1", message)
        assert tagged.startswith(b"a1 OK"), tagged
        # LITERAL+ spools the same way.
        conn.send(b"a2 APPEND INBOX {%d+}\r\n" % len(message) + message + b"\r\n")
        tagged2 = conn.until(b"a2")[1]
        assert tagged2.startswith(b"a2 OK"), tagged2
        assert cli.export(USER, uid_of(tagged)) == message
        assert cli.export(USER, uid_of(tagged2)) == message
        # The spool file had no name and is gone with the command.
        assert not [p for p in os.listdir(data_dir) if "spool" in p]
        _, done = conn.command("NOOP")
        assert done.split()[1] == b"OK", done
    finally:
        conn.close()


def lmtp_session(listener_args):
    conn = LmtpRaw(("127.0.0.1", port_of(listener_args, "lmtp")))
    conn.start()
    return conn


def lmtp_transaction(conn):
    conn.send(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<alice@example.test>\r\n")
    assert conn.code() == 250
    assert conn.code() == 250


def dot_stuff(message):
    lines = message.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)


def test_large_lmtp_data_and_bdat_spooled_to_a_file_round_trip_byte_exactly(serve,
                                                                           listener_args, cli):
    serve("--spool-threshold", "1000")
    message = big_message(300_000, seed=2) + b"\r\n"
    conn = lmtp_session(listener_args)
    try:
        lmtp_transaction(conn)
        conn.send(b"DATA\r\n")
        assert conn.code() == 354
        conn.send(dot_stuff(message) + b".\r\n")
        _, uid = delivered(conn.expect(250, b"2.0.0"))
        _, rest = split_trace(cli.export(USER, uid))
        assert rest == message

        lmtp_transaction(conn)
        half = len(message) // 2
        conn.send(b"BDAT %d\r\n" % half + message[:half])
        conn.expect(250, b"2.0.0")
        conn.send(b"BDAT %d LAST\r\n" % (len(message) - half) + message[half:])
        _, uid = delivered(conn.expect(250, b"2.0.0"))
        _, rest = split_trace(cli.export(USER, uid))
        assert rest == message
    finally:
        conn.close()


def test_full_memory_budget_refuses_literals_and_data_and_sessions_go_on(serve, listener_args,
                                                                        cli):
    # 170 kB of budget; literals stay in memory (no spooling) and a refusal
    # comes after one second of waiting.
    serve("--memory-budget", "170000", "--memory-wait", "1", "--spool-threshold", "10000000")
    port = port_of(listener_args, "imap")
    holder = Raw(port).login()
    other = Raw(port).login()
    lmtp = lmtp_session(listener_args)
    # Above max-line-length (64 KiB): smaller literals are not budgeted.
    message = big_message(100_000, seed=3)
    try:
        # The holder's announced literal takes 60 % of the budget until its
        # command ends; the client keeps it waiting.
        holder.send(b"h1 APPEND INBOX {%d}\r\n" % len(message))
        assert holder.line().startswith(b"+")

        # A synchronizing literal that does not fit: NO before the "+".
        other.send(b"o1 APPEND INBOX {%d}\r\n" % len(message))
        line = other.line()
        assert line.startswith(b"o1 NO [UNAVAILABLE]"), line
        _, done = other.command("NOOP", tag="o2")
        assert done.startswith(b"o2 OK"), done
        # A non-synchronizing one: its bytes are read and dropped, then NO.
        other.send(b"o3 APPEND INBOX {%d+}\r\n" % len(message) + message + b"\r\n")
        _, done = other.until(b"o3")
        assert done.startswith(b"o3 NO [UNAVAILABLE]"), done
        _, done = other.command("NOOP", tag="o4")
        assert done.startswith(b"o4 OK"), done

        # LMTP DATA: 452 4.3.1 instead of 354; the transaction stays open.
        lmtp_transaction(lmtp)
        lmtp.send(b"DATA\r\n")
        lmtp.expect(452, b"4.3.1")
        lmtp.send(b"RSET\r\n")
        lmtp.expect(250, b"2.0.0")

        # Once the holder's APPEND is done, the budget is free again.
        holder.send(message + b"\r\n")
        _, done = holder.until(b"h1")
        assert done.startswith(b"h1 OK"), done
        assert cli.export(USER, uid_of(done)) == message
        tagged = append_sync(other, b"o5", message)
        assert tagged.startswith(b"o5 OK"), tagged
        lmtp_transaction(lmtp)
        lmtp.send(b"DATA\r\n")
        assert lmtp.code() == 354
        lmtp.send(dot_stuff(message) + b"\r\n.\r\n")
        lmtp.expect(250, b"2.0.0")
    finally:
        holder.close()
        other.close()
        lmtp.close()


def test_parallel_logins_on_one_hashing_thread_all_get_the_right_answer(serve, listener_args):
    serve("--password-hash-threads", "1", "--auth-failure-delay", "0")
    port = port_of(listener_args, "imap")
    answers = {}

    def log_in(n):
        user, password = [(USER, PASSWORD), (USER, b"wrong"), (b"nobody%d" % n, PASSWORD)][n % 3]
        user = user if isinstance(user, bytes) else user.encode()
        password = password if isinstance(password, bytes) else password.encode()
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            f = sock.makefile("rb")
            f.readline()
            sock.sendall(b"a LOGIN %s %s\r\n" % (user, password))
            while not (line := f.readline()).startswith(b"a "):
                assert line, "connection closed"
            answers[n] = line.split(b" ")[1]

    threads = [threading.Thread(target=log_in, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == {n: b"OK" if n % 3 == 0 else b"NO" for n in range(12)}
