"""Deadlines a slow client cannot push back (docs/config.md: login-timeout,
command-timeout, min-data-rate): a client trickling a byte a second is cut
off with the protocol's closing reply, before login and after, in a command
line, an IMAP literal and LMTP DATA; a client that is slow but live (IDLE,
commands far apart, a literal at a modest rate) is not."""

import select
import socket
import subprocess
import time

import pytest

from eider_harness import port_of
from imap_support import ADDRESS, PASSWORD, USER, Raw, lmtp_deliver, message

# Every trickle gives up after this long: a server without the deadlines
# answers nothing and the test fails on the missing close.
TRICKLE_LIMIT = 20.0


@pytest.fixture
def slow_server(custom_server, cli):
    """Starts `eider serve` with extra flags; alice exists."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    return custom_server


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def read_until(sock, needle):
    data = b""
    while needle not in data:
        chunk = sock.recv(4096)
        assert chunk, data
        data += chunk
    return data


def trickle(sock, data, interval=1.0):
    """Sends `data` a byte every `interval` s until the server closes.

    Returns (what the server sent meanwhile, seconds until it closed); the
    seconds are None when it was still open after TRICKLE_LIMIT."""
    start = time.monotonic()
    received = b""
    sent = 0
    next_send = start
    while (now := time.monotonic()) - start < TRICKLE_LIMIT:
        if sent < len(data) and now >= next_send:
            try:
                sock.sendall(data[sent:sent + 1])
            except OSError:
                pass  # closed under us: the reply is still to be read
            sent += 1
            next_send += interval
        wait = min(next_send, start + TRICKLE_LIMIT) - time.monotonic()
        readable, _, _ = select.select([sock], [], [], max(0.0, wait))
        if readable:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return received, time.monotonic() - start
            received += chunk
    return received, None


def assert_cut_off(result, reply):
    received, closed_after = result
    assert closed_after is not None, f"still open after {TRICKLE_LIMIT} s: {received!r}"
    assert reply in received, received
    # The deadlines in these tests are 3 s; well before the trickle's end.
    assert closed_after < 12, closed_after


# --- IMAP ---

def test_imap_login_deadline_is_not_restarted_by_commands(slow_server, listener_args):
    slow_server("--login-timeout", "3", "--idle-timeout", "5")
    sock = connect(port_of(listener_args, "imap"))
    read_until(sock, b"\r\n")
    # A complete, answered command every second keeps the idle timer at
    # bay, not the login deadline.
    commands = b"".join(b"n%d NOOP\r\n" % i for i in range(20))
    started = time.monotonic()
    received, closed_after = b"", None
    for line in commands.split(b"\r\n")[:-1]:
        try:
            sock.sendall(line + b"\r\n")
        except OSError:
            break
        time.sleep(1)
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            chunk = sock.recv(4096)
            received += chunk
            if not chunk or b"* BYE" in received:
                closed_after = time.monotonic() - started
                break
    assert b"* BYE Autologout; not logged in within 3 seconds" in received, received
    assert closed_after is not None and closed_after < 12


def test_imap_trickled_login_is_cut_off_before_login(slow_server, listener_args):
    slow_server("--login-timeout", "3", "--idle-timeout", "5")
    sock = connect(port_of(listener_args, "imap"))
    read_until(sock, b"\r\n")
    result = trickle(sock, f"a LOGIN {USER} {PASSWORD}\r\n".encode())
    assert_cut_off(result, b"* BYE Autologout; not logged in")


def test_imap_trickled_command_line_is_cut_off_after_login(slow_server, listener_args):
    slow_server("--command-timeout", "3", "--idle-timeout", "5")
    raw = Raw(port_of(listener_args, "imap")).login()
    result = trickle(raw.sock, b"a SELECT INBOX\r\n" + b"b NOOP\r\n" * 4)
    assert_cut_off(result, b"* BYE Autologout; command arriving too slowly")


def test_imap_trickled_literal_is_cut_off(slow_server, listener_args):
    slow_server("--command-timeout", "3", "--idle-timeout", "5")
    raw = Raw(port_of(listener_args, "imap")).login()
    raw.send(b"a APPEND INBOX {200}\r\n")
    assert raw.line().startswith(b"+ ")
    result = trickle(raw.sock, b"x" * 200)
    assert_cut_off(result, b"* BYE Autologout; command arriving too slowly")
    imap = Raw(port_of(listener_args, "imap")).login()
    lines, done = imap.command("STATUS INBOX (MESSAGES)")
    assert b"(MESSAGES 0)" in b"".join(lines), lines


def test_imap_idle_longer_than_the_command_deadline_stays(slow_server, listener_args):
    slow_server("--command-timeout", "2", "--login-timeout", "2", "--idle-timeout", "5")
    imap_port = port_of(listener_args, "imap")
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    raw.send(b"i IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    # Past both deadlines: waiting in IDLE is not a command arriving.
    time.sleep(4.5)
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)])
    assert raw.line() == b"* 1 EXISTS\r\n"
    time.sleep(1)
    raw.send(b"DONE\r\n")
    assert raw.until("i")[1].startswith(b"i OK")
    # Commands a few seconds apart, each sent whole, are not cut off either.
    for _ in range(3):
        time.sleep(1.5)
        assert raw.command("NOOP")[1].startswith(b"t")
    raw.close()


def test_imap_literal_at_a_modest_rate_is_taken(slow_server, listener_args):
    # 4 KB at about 2 KB/s takes longer than command-timeout, but keeps
    # above min-data-rate.
    slow_server("--command-timeout", "1", "--min-data-rate", "500", "--idle-timeout", "5")
    raw = Raw(port_of(listener_args, "imap")).login()
    body = message(1, body_lines=100)[:4000]
    raw.send(b"a APPEND INBOX {%d}\r\n" % len(body))
    assert raw.line().startswith(b"+ ")
    for i in range(0, len(body), 100):
        raw.send(body[i:i + 100])
        time.sleep(0.05)
    raw.send(b"\r\n")
    _, done = raw.until("a")
    assert done.startswith(b"a OK"), done


# --- POP3 ---

def test_pop3_trickled_login_is_cut_off(slow_server, listener_args):
    slow_server("--login-timeout", "3", "--idle-timeout", "5")
    sock = connect(port_of(listener_args, "pop3"))
    read_until(sock, b"\r\n")
    result = trickle(sock, f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert_cut_off(result, b"-ERR Autologout; not logged in within 3 seconds")


def test_pop3_trickled_command_is_cut_off_after_login(slow_server, listener_args):
    slow_server("--command-timeout", "3", "--idle-timeout", "5")
    sock = connect(port_of(listener_args, "pop3"))
    read_until(sock, b"\r\n")
    sock.sendall(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert b"Logged in" in read_until(sock, b"Logged in")
    result = trickle(sock, b"STAT\r\n" * 4)
    assert_cut_off(result, b"-ERR Autologout; command arriving too slowly")


# --- LMTP ---

def lmtp_session(port):
    sock = connect(port)
    read_until(sock, b"220 ")
    sock.sendall(b"LHLO client.example\r\n")
    read_until(sock, b"250 ")
    return sock


def test_lmtp_trickled_command_is_cut_off(slow_server, listener_args):
    slow_server("--command-timeout", "3", "--idle-timeout", "5")
    sock = lmtp_session(port_of(listener_args, "lmtp"))
    result = trickle(sock, b"MAIL FROM:<sender@example.com>\r\n")
    assert_cut_off(result, b"421 4.4.2")
    assert b"Command arriving too slowly" in result[0]


def test_lmtp_trickled_data_is_cut_off_and_not_delivered(slow_server, listener_args, cli):
    slow_server("--command-timeout", "3", "--idle-timeout", "5")
    sock = lmtp_session(port_of(listener_args, "lmtp"))
    sock.sendall(b"MAIL FROM:<sender@example.com>\r\nRCPT TO:<" + ADDRESS + b">\r\nDATA\r\n")
    read_until(sock, b"354 ")
    result = trickle(sock, message(1) + b".\r\n")
    assert_cut_off(result, b"421 4.4.2")
    assert b"Message data arriving too slowly" in result[0]
    imap = Raw(port_of(listener_args, "imap")).login()
    lines, _ = imap.command("STATUS INBOX (MESSAGES)")
    assert b"(MESSAGES 0)" in b"".join(lines), lines


def test_lmtp_pauses_between_whole_commands_are_idling(slow_server, listener_args):
    slow_server("--command-timeout", "1", "--idle-timeout", "5")
    sock = lmtp_session(port_of(listener_args, "lmtp"))
    for _ in range(3):
        time.sleep(1.5)
        sock.sendall(b"NOOP\r\n")
        assert read_until(sock, b"\r\n").startswith(b"250 ")
    sock.close()


def test_deadline_keys_have_flags(eider_bin):
    result = subprocess.run([eider_bin, "serve", "--help"], capture_output=True, text=True)
    for flag in ("--login-timeout", "--command-timeout", "--min-data-rate"):
        assert flag in result.stdout, result.stdout

