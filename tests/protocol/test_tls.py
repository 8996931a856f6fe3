"""TLS itself (src/net/tls.cc: OpenSSL on the non-blocking socket), under
IMAPS, STARTTLS and POP3S: large answers to a client that reads slowly,
a push while a read is pending, handshakes that fail or never come, a
client that vanishes in the middle of a record, and many sessions at once
beside failing handshakes (OpenSSL's per-thread error queue must not leak
from one connection into another)."""

import socket
import ssl
import threading
import time

import pytest

from eider_harness import Server
from imap_support import (ADDRESS, PASSWORD, TIMEOUT, USER, Raw, crlf, lmtp_deliver, message,
                          port_of, unverified)


@pytest.fixture
def alice(cli, server):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    return cli


def big_message(megabytes):
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\r\n"
    body = line * (megabytes * 1024 * 1024 // len(line))
    return (b"From: a@example.com\r\nTo: alice@example.test\r\nSubject: big\r\n"
            b"Message-ID: <big@example.com>\r\n\r\n" + body)


def read_literal_answer(raw, tag):
    """The bytes of the one literal in the untagged FETCH answer to `tag`."""
    untagged, done = raw.until(tag)
    assert done.startswith(tag.encode() + b" OK"), done
    fetch = untagged[0]
    start = fetch.index(b"}\r\n") + 3
    size = int(fetch[fetch.rindex(b"{", 0, start) + 1:start - 3])
    return fetch[start:start + size]


def refused_quickly(port, payload, then_close=False):
    """Sends `payload` where a TLS ClientHello belongs (and then ends its
    side of the connection, if asked); True once the server has closed the
    connection (it may send a TLS alert first)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        sock.sendall(payload)
        if then_close:
            sock.shutdown(socket.SHUT_WR)
        while True:
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                return True
            if not data:
                return True
    finally:
        sock.close()


def client_hello():
    """The first bytes a real TLS client sends."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = unverified().wrap_bio(incoming, outgoing)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def imaps_session(port):
    return Raw(port, tls=True).login()


def test_a_large_fetch_to_a_client_that_reads_slowly_arrives_byte_for_byte(alice,
                                                                           listener_args):
    data = big_message(12)
    lmtp_deliver(port_of(listener_args, "lmtp"), [data])
    raw = imaps_session(port_of(listener_args, "imaps"))
    raw.command("SELECT INBOX")
    raw.send(b"f FETCH 1 BODY.PEEK[]\r\n")
    # Far more than the socket buffers hold: the server's writes wait for
    # the socket to drain while this client does nothing.
    time.sleep(2)
    assert read_literal_answer(raw, "f").endswith(crlf(data))
    _, done = raw.command("NOOP")
    assert done.startswith(b"t3 OK")


def test_idle_over_starttls_gets_exists_while_its_read_is_pending(alice, listener_args):
    raw = Raw(port_of(listener_args, "imap"))
    _, done = raw.command("STARTTLS")
    assert done.startswith(b"t1 OK")
    raw.sock = unverified().wrap_socket(raw.sock)
    raw.file = raw.sock.makefile("rb")
    raw.login()
    raw.command("SELECT INBOX")
    raw.send(b"i IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)])
    assert raw.line() == b"* 1 EXISTS\r\n"
    raw.send(b"DONE\r\n")
    _, done = raw.until("i")
    assert done.startswith(b"i OK")


@pytest.mark.parametrize("listener", ["imaps", "pop3s"])
def test_failed_handshakes_are_closed_and_the_next_client_is_served(alice, listener_args,
                                                                    listener):
    port = port_of(listener_args, listener)
    hello = client_hello()
    # Not TLS at all: refused at once.
    for payload in (b"a LOGIN alice secret\r\n", b"\x16\x03\x01\x00\x05hello" * 100,
                    hello[:5] + b"\xff" * (len(hello) - 5)):
        assert refused_quickly(port, payload)
    # Part of a handshake, then the end of the connection.
    for payload in (b"", hello[:1], hello[:20], hello[:-1]):
        assert refused_quickly(port, payload, then_close=True)
    tls = unverified().wrap_socket(socket.create_connection(("127.0.0.1", port),
                                                            timeout=TIMEOUT))
    assert tls.recv(100).startswith(b"+OK" if listener == "pop3s" else b"* OK")
    tls.close()


def test_a_client_that_vanishes_in_the_middle_of_a_record_leaves_the_server_serving(
        alice, listener_args):
    port = port_of(listener_args, "imaps")
    sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = unverified().wrap_bio(incoming, outgoing)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            incoming.write(sock.recv(65536))
    sock.sendall(outgoing.read())
    tls.write(b"a LOGIN alice secret\r\n")
    record = outgoing.read()
    sock.sendall(record[:len(record) // 2])
    sock.close()
    raw = imaps_session(port)
    _, done = raw.command("NOOP")
    assert done.startswith(b"t2 OK")


def test_a_client_silent_during_the_handshake_is_dropped_after_the_idle_timeout(
        eider_bin, data_dir, tmp_path, listener_args, cli):
    cli.add_user(USER, PASSWORD)
    srv = Server(eider_bin, ["--data", data_dir, *listener_args, "--idle-timeout", "1"],
                 cwd=tmp_path)
    try:
        assert srv.start()
        started = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", port_of(listener_args, "imaps")),
                                        timeout=TIMEOUT)
        sock.sendall(client_hello()[:10])
        while sock.recv(4096):
            pass
        assert time.monotonic() - started < 10
        sock.close()
        raw = imaps_session(port_of(listener_args, "imaps"))
        _, done = raw.command("NOOP")
        assert done.startswith(b"t2 OK")
    finally:
        assert srv.stop() == 0


def test_many_tls_sessions_beside_failing_handshakes_each_get_their_own_answers(
        alice, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"),
                 [message(n, subject=f"subject {n}") for n in range(1, 9)])
    port = port_of(listener_args, "imaps")
    errors = []
    stop = threading.Event()

    def fail_handshakes():
        while not stop.is_set():
            try:
                refused_quickly(port, b"\x16\x03\x03\x00\x08garbage!" * 50)
            except OSError as e:  # the server must close, not hang
                errors.append(f"garbage client: {e}")

    def session(n):
        try:
            raw = imaps_session(port)
            raw.command("EXAMINE INBOX")
            for _ in range(10):
                untagged, done = raw.command(f"FETCH {n} BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
                assert done.startswith(b"t%d OK " % raw.count), done
                assert f"Subject: subject {n}\r\n".encode() in untagged[0], untagged
            raw.close()
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(f"session {n}: {e!r}")

    noise = [threading.Thread(target=fail_handshakes) for _ in range(4)]
    for t in noise:
        t.start()
    sessions = [threading.Thread(target=session, args=(n,)) for n in range(1, 9) for _ in range(2)]
    for t in sessions:
        t.start()
    for t in sessions:
        t.join()
    stop.set()
    for t in noise:
        t.join()
    assert errors == []
