"""LMTP limits, spam routing, the unix socket listener and shutdown."""

import os
import signal
import socket
import stat
import time

import pytest

from eider_harness import (
    LISTENER_FLAGS,
    Server,
    assert_one_line_error,
    free_port,
    run_server_until_exit,
)
from test_lmtp import Raw, delivered, split_trace


def start_server(eider_bin, data_dir, tmp_path, config="", lmtp=None):
    """`eider serve` with only LMTP on, the given TOML config; returns (server, address)."""
    config_file = tmp_path / "eider.toml"
    config_file.write_text(config)
    args = ["--data", data_dir, "--config", config_file]
    for flag in LISTENER_FLAGS:
        if flag != "lmtp":
            args += [f"--{flag}", "off"]
    if lmtp is None:
        port = free_port()
        lmtp, address = f"127.0.0.1:{port}", ("127.0.0.1", port)
    else:
        address = lmtp.removeprefix("unix:")
    srv = Server(eider_bin, [*args, "--lmtp", lmtp], cwd=tmp_path)
    assert srv.start(), srv.communicate()
    return srv, address


@pytest.fixture
def serve(eider_bin, data_dir, tmp_path, cli):
    """Starts a server with a config; stops it (expecting exit 0) after the test."""
    cli.add_user("bob", addresses=["bob@example.test"])
    started = []

    def run(config="", lmtp=None):
        srv, address = start_server(eider_bin, data_dir, tmp_path, config, lmtp)
        started.append(srv)
        return srv, address

    yield run
    for srv in started:
        try:
            assert srv.stop(signal.SIGTERM) == 0
        finally:
            srv.kill()


def connect(address):
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    return Raw(address, family)


def started(serve, config=""):
    """A connection to a new server with `config`, after greeting and LHLO."""
    _, address = serve(config)
    conn = connect(address)
    conn.start()
    return conn


def transaction(conn, rcpts=(b"bob@example.test",)):
    conn.send(b"MAIL FROM:<a@example.org>\r\n")
    assert conn.code() == 250
    for rcpt in rcpts:
        conn.send(b"RCPT TO:<" + rcpt + b">\r\n")
        assert conn.code() == 250


def test_size_limit_at_mail_data_and_bdat(serve):
    _, address = serve("max-message-size = 1000\n")
    conn = connect(address)
    lines = conn.start()
    assert b"250-SIZE 1000\r\n" in lines
    conn.send(b"MAIL FROM:<a@example.org> SIZE=1001\r\n")
    conn.expect(552, b"5.3.4")

    # DATA: the whole message is read, then one 552 per recipient.
    transaction(conn, [b"bob@example.test", b"BOB@example.test"])
    conn.send(b"DATA\r\n")
    assert conn.code() == 354
    conn.send(b"Subject: big\r\n\r\n" + b"y" * 5000 + b"\r\n.\r\nNOOP\r\n")
    replies = [conn.reply() for _ in range(3)]
    assert [(c, t[:5]) for c, t, _ in replies] == [(552, b"5.3.4"), (552, b"5.3.4"), (250, b"2.0.0")]

    transaction(conn)
    conn.send(b"BDAT 600\r\n" + b"z" * 600 + b"BDAT 600 LAST\r\n" + b"z" * 600)
    assert conn.code() == 250
    conn.expect(552, b"5.3.4")

    # An oversized BDAT transfer abandoned with RSET leaves nothing behind.
    transaction(conn)
    conn.send(b"BDAT 1200\r\n" + b"z" * 1200 + b"RSET\r\n")
    assert [conn.code(), conn.code()] == [250, 250]
    transaction(conn)
    conn.send(b"BDAT 5 LAST\r\nsmall")
    assert conn.code() == 250

    # The session goes on and a message within the limit is delivered.
    transaction(conn)
    conn.send(b"DATA\r\n")
    assert conn.code() == 354
    conn.send(b"Subject: small\r\n\r\nok\r\n.\r\n")
    assert conn.code() == 250
    conn.close()


def test_recipient_limit(serve):
    conn = started(serve, "max-recipients = 2\n")
    transaction(conn, [b"bob@example.test", b"bob+a@example.test"])
    conn.send(b"RCPT TO:<bob+b@example.test>\r\n")
    conn.expect(452, b"4.5.3")
    conn.send(b"DATA\r\n")
    assert conn.code() == 354
    conn.send(b"Subject: two\r\n\r\nx\r\n.\r\n")
    assert [conn.code(), conn.code()] == [250, 250]
    conn.close()


def test_line_length_limit_answers_and_goes_on(serve):
    conn = started(serve, "max-line-length = 100\n")
    conn.send(b"NOOP " + b"x" * 5000 + b"\r\nNOOP\r\n")
    conn.expect(500, b"5.5.6")
    assert conn.code() == 250
    conn.close()


def test_idle_timeout_says_421_and_closes(serve):
    conn = started(serve, "idle-timeout = 1\n")
    conn.expect(421, b"4.4.2")
    assert conn.reply()[0] == 0
    conn.close()


def test_connection_limit_says_421(serve):
    _, address = serve("max-connections = 2\n")
    first, second = connect(address), connect(address)
    assert first.code() == 220 and second.code() == 220
    third = connect(address)
    third.expect(421, b"4.7.0")
    for conn in (first, second, third):
        conn.close()


def test_per_ip_connection_limit_says_421(serve):
    _, address = serve("max-connections-per-ip = 1\n")
    first = connect(address)
    assert first.code() == 220
    second = connect(address)
    assert second.reply()[0] == 421
    first.close()
    second.close()


def deliver(conn, message):
    """Delivers to bob; returns (mailbox, uid)."""
    transaction(conn)
    conn.send(b"DATA\r\n")
    assert conn.code() == 354
    conn.send(message + b".\r\n")
    code, text, _ = conn.reply()
    assert code == 250, text
    return delivered(text)


SPAM = [
    b"X-Spam-Flag: YES\r\nSubject: a\r\n\r\nspam\r\n",
    b"X-Spam-Status: Yes, score=9.9 required=5.0\r\nSubject: b\r\n\r\nspam\r\n",
    b"X-Rspamd-Action: add header\r\nSubject: c\r\n\r\nspam\r\n",
    b"X-Spam-Action: reject\r\nSubject: d\r\n\r\nspam\r\n",
]
HAM = b"X-Spam-Flag: NO\r\nX-Spam-Status: No, score=0.1\r\nSubject: ham\r\n\r\nham\r\n"


def test_spam_goes_to_junk(serve, cli):
    conn = started(serve)
    for message in SPAM:
        mailbox, uid = deliver(conn, message)
        assert mailbox == "Junk"
        assert split_trace(cli.export("bob", uid, mailbox="Junk"))[1] == message
    mailbox, uid = deliver(conn, HAM)
    assert mailbox == "INBOX"
    assert split_trace(cli.export("bob", uid))[1] == HAM
    conn.close()


def test_spam_filter_off_delivers_to_inbox(serve, cli):
    conn = started(serve, 'spam-filter = "off"\n')
    mailbox, uid = deliver(conn, SPAM[0])
    assert mailbox == "INBOX"
    assert split_trace(cli.export("bob", uid))[1] == SPAM[0]
    conn.close()


def test_unix_socket_listener(serve, tmp_path, cli):
    path = str(tmp_path / "lmtp.sock")
    srv, address = serve(lmtp=f"unix:{path}")
    assert stat.S_ISSOCK(os.stat(path).st_mode)
    assert os.stat(path).st_mode & 0o777 == 0o666
    conn = connect(address)
    conn.start()
    _, uid = deliver(conn, b"Subject: via unix\r\n\r\nhi\r\n")
    trace, _ = split_trace(cli.export("bob", uid))
    assert b"(unix socket)" in trace
    conn.close()
    assert srv.stop(signal.SIGTERM) == 0
    assert not os.path.exists(path)


def test_sigterm_during_sessions_exits_zero(serve, cli):
    srv, address = serve()
    idle = connect(address)
    idle.start()
    busy = connect(address)
    busy.start()
    transaction(busy)
    busy.send(b"DATA\r\n")
    assert busy.code() == 354
    busy.send(b"Subject: unfinished\r\n\r\npart")
    time.sleep(0.2)
    assert srv.stop(signal.SIGTERM) == 0
    for conn in (idle, busy):
        conn.expect(421, b"4.3.2")
        conn.close()
    # The unfinished message was never acknowledged and is not stored.
    assert cli.run("export", "--user", "bob", "--mailbox", "INBOX", "--uid", "1").returncode != 0


def test_unknown_spam_filter_value_stops_start_up(eider_bin, data_dir, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('spam-filter = "maybe"\n')
    result = run_server_until_exit(eider_bin, ["--data", data_dir, "--config", config])
    assert "spam-filter" in assert_one_line_error(result)

