"""POP3 (issue 6): every command and state, pipelining, AUTH, STLS, POP3S,
exact RETR bytes over the corpus, and what DELE does (or does not) at QUIT.

Mail gets in with `eider deliver`, whose bytes `eider export` gives back
exactly; POP3 must send those bytes with every line ending CRLF.
"""

import base64
import poplib
import re
import socket
import ssl
import time

import pytest

import imap_support
from eider_harness import corpus_messages, port_of

TIMEOUT = 30
USER = "alice"
PASSWORD = "secret"


def crlf(data):
    """What POP3 sends for stored bytes: bare LF becomes CRLF."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def message(n, body_lines=3):
    body = "".join(f"line {i} of message {n}\n" for i in range(body_lines))
    return f"From: a@example.com\nSubject: message {n}\n\n{body}".encode()


def unverified():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@pytest.fixture
def pop_port(listener_args):
    return port_of(listener_args, "pop3")


@pytest.fixture
def mailbox(cli, server):
    """alice with three messages; returns their UIDs."""
    cli.add_user(USER, PASSWORD)
    return [cli.deliver(USER, message(n)) for n in range(1, 4)]


def login(port):
    pop = poplib.POP3("127.0.0.1", port, timeout=TIMEOUT)
    pop.user(USER)
    pop.pass_(PASSWORD)
    return pop


def inbox_uids(cli):
    """The UIDs export still finds, probing 1..20."""
    found = []
    for uid in range(1, 21):
        result = cli.run("export", "--user", USER, "--mailbox", "INBOX", "--uid", str(uid))
        if result.returncode == 0:
            found.append(uid)
    return found


class Raw:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        assert self.line().startswith(b"+OK")

    def line(self):
        return self.file.readline()

    def multiline(self):
        lines = []
        while (line := self.line()) != b".\r\n":
            assert line, "connection closed inside a multiline answer"
            lines.append(line)
        return lines

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.file.close()
        self.sock.close()


def test_greeting_and_capa_before_and_after_login(mailbox, pop_port):
    pop = poplib.POP3("127.0.0.1", pop_port, timeout=TIMEOUT)
    assert pop.getwelcome().startswith(b"+OK")
    caps = pop.capa()
    for name in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS"):
        assert name in caps, caps
    assert caps["SASL"] == ["PLAIN", "LOGIN"]
    assert caps["IMPLEMENTATION"] == ["Eider"]
    pop.user(USER)
    pop.pass_(PASSWORD)
    caps = pop.capa()
    assert "STLS" not in caps and "USER" not in caps and "TOP" in caps
    assert pop.quit().startswith(b"+OK")


def test_stat_list_uidl(mailbox, pop_port):
    pop = login(pop_port)
    sizes = [len(crlf(message(n))) for n in range(1, 4)]
    assert pop.stat() == (3, sum(sizes))
    _, lines, _ = pop.list()
    assert lines == [f"{i + 1} {size}".encode() for i, size in enumerate(sizes)]
    assert pop.list(2).split() == [b"+OK", b"2", str(sizes[1]).encode()]
    _, uidls, _ = pop.uidl()
    values = [line.split()[1] for line in uidls]
    assert len(set(values)) == 3
    for value, uid in zip(values, mailbox):
        assert value.endswith(f".{uid}".encode())
        assert 1 <= len(value) <= 70 and all(0x21 <= c <= 0x7E for c in value)
    assert pop.uidl(3).split()[2] == values[2]
    pop.quit()
    # Stable across sessions.
    pop = login(pop_port)
    assert [line.split()[1] for line in pop.uidl()[1]] == values
    pop.quit()


def test_retr_every_corpus_message_is_exact(cli, server, pop_port):
    cli.add_user(USER, PASSWORD)
    paths = corpus_messages()
    assert paths
    raws = [path.read_bytes() for path in paths]
    for raw in raws:
        cli.deliver(USER, raw)
    raw_sock = Raw(pop_port)
    raw_sock.send(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert raw_sock.line().startswith(b"+OK")
    assert raw_sock.line().startswith(b"+OK")
    for number, raw in enumerate(raws, start=1):
        expected = crlf(raw)
        if not expected.endswith(b"\r\n"):
            expected += b"\r\n"
        raw_sock.send(f"LIST {number}\r\n".encode())
        size = int(raw_sock.line().split()[2])
        assert size == len(crlf(raw)), paths[number - 1].name
        raw_sock.send(f"RETR {number}\r\n".encode())
        assert raw_sock.line().startswith(b"+OK")
        lines = raw_sock.multiline()
        unstuffed = b"".join(line[1:] if line.startswith(b".") else line for line in lines)
        assert unstuffed == expected, paths[number - 1].name
    raw_sock.send(b"QUIT\r\n")
    assert raw_sock.line().startswith(b"+OK")
    raw_sock.close()


def test_retr_dot_stuffs_and_converts_bare_lf(cli, server, pop_port):
    cli.add_user(USER, PASSWORD)
    cli.deliver(USER, b"Subject: dots\n\n.starts with a dot\n..two\n.\nlast line without LF")
    pop = login(pop_port)
    _, lines, octets = pop.retr(1)
    # poplib undoes the dot-stuffing.
    assert lines == [b"Subject: dots", b"", b".starts with a dot", b"..two", b".",
                     b"last line without LF"]
    pop.quit()


def test_top_zero_and_n_lines(mailbox, pop_port):
    pop = login(pop_port)
    _, lines, _ = pop.top(1, 0)
    assert lines == [b"From: a@example.com", b"Subject: message 1", b""]
    _, lines, _ = pop.top(1, 2)
    assert lines[3:] == [b"line 0 of message 1", b"line 1 of message 1"]
    _, lines, _ = pop.top(1, 100)
    assert len(lines) == 6
    pop.quit()


def test_dele_quit_deletes_and_rset_undeletes(cli, mailbox, pop_port):
    pop = login(pop_port)
    assert pop.dele(1).startswith(b"+OK")
    with pytest.raises(poplib.error_proto, match="already deleted"):
        pop.retr(1)
    with pytest.raises(poplib.error_proto):
        pop.dele(1)
    assert pop.stat()[0] == 2
    assert len(pop.list()[1]) == 2
    pop.rset()
    assert pop.stat()[0] == 3
    pop.dele(2)
    pop.dele(3)
    assert b"2 messages deleted" in pop.quit()
    assert inbox_uids(cli) == [mailbox[0]]
    pop = login(pop_port)
    assert pop.stat()[0] == 1
    pop.quit()


def test_dropped_connection_deletes_nothing(cli, mailbox, pop_port):
    pop = login(pop_port)
    pop.dele(1)
    pop.dele(2)
    pop.sock.close()
    pop = login(pop_port)
    assert pop.stat()[0] == 3
    pop.quit()
    assert inbox_uids(cli) == mailbox


def inbox_flags(imap_port):
    """uid -> flags of alice's INBOX, read over IMAP (a read-only SELECT changes none)."""
    imap = imap_support.login(imap_port, USER, PASSWORD)
    try:
        imap_support.ok(imap.select("INBOX", readonly=True))
        data = imap_support.ok(imap.uid("FETCH", "1:*", "(FLAGS)"))
    finally:
        imap.logout()
    flags = {}
    for line in data:
        found = re.search(rb"UID (\d+)", line)
        listed = re.search(rb"FLAGS \(([^)]*)\)", line)
        flags[int(found[1])] = listed[1].decode().split()
    return flags


def test_retr_sets_seen_at_quit_and_top_or_a_drop_sets_nothing(mailbox, pop_port, imap_port):
    pop = login(pop_port)
    pop.retr(1)
    pop.top(2, 0)
    pop.sock.close()
    flags = inbox_flags(imap_port)
    assert sorted(flags) == sorted(mailbox), flags
    assert not any("\\Seen" in each for each in flags.values()), flags

    pop = login(pop_port)
    pop.retr(1)
    pop.retr(3)
    pop.top(2, 0)
    pop.quit()
    flags = inbox_flags(imap_port)
    assert "\\Seen" in flags[mailbox[0]]
    assert "\\Seen" not in flags[mailbox[1]]
    assert "\\Seen" in flags[mailbox[2]]


def test_message_deleted_by_another_session_gives_err(cli, mailbox, pop_port):
    holder = login(pop_port)
    other = login(pop_port)
    other.dele(2)
    other.quit()
    with pytest.raises(poplib.error_proto, match="deleted by another session"):
        holder.retr(2)
    with pytest.raises(poplib.error_proto):
        holder.top(2, 0)
    assert holder.retr(1)[0].startswith(b"+OK")
    holder.dele(2)
    assert holder.quit().startswith(b"+OK")
    assert inbox_uids(cli) == [mailbox[0], mailbox[2]]


def test_pipelining_in_one_send(mailbox, pop_port):
    raw = Raw(pop_port)
    raw.send(f"CAPA\r\nUSER {USER}\r\nPASS {PASSWORD}\r\nSTAT\r\nLIST\r\nUIDL 1\r\n"
             "RETR 1\r\nTOP 2 0\r\nDELE 3\r\nNOOP\r\nRSET\r\nQUIT\r\n".encode())
    assert raw.line().startswith(b"+OK")
    assert b"PIPELINING\r\n" in raw.multiline()
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"+OK 3 ")
    assert raw.line().startswith(b"+OK") and len(raw.multiline()) == 3
    assert raw.line().startswith(b"+OK 1 ")
    assert raw.line().startswith(b"+OK") and raw.multiline()[-1] == b"line 2 of message 1\r\n"
    assert raw.line().startswith(b"+OK") and raw.multiline()[-1] == b"\r\n"
    for _ in range(4):
        assert raw.line().startswith(b"+OK")
    assert raw.line() == b""
    raw.close()


def test_auth_plain_with_initial_response_and_login(mailbox, pop_port):
    raw = Raw(pop_port)
    token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    raw.send(f"AUTH PLAIN {token}\r\nSTAT\r\nQUIT\r\n".encode())
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"+OK 3 ")
    assert raw.line().startswith(b"+OK")
    raw.close()

    raw = Raw(pop_port)
    raw.send(b"AUTH PLAIN\r\n")
    assert raw.line() == b"+ \r\n"
    raw.send(token.encode() + b"\r\n")
    assert raw.line().startswith(b"+OK")
    raw.close()

    raw = Raw(pop_port)
    raw.send(b"AUTH LOGIN " + base64.b64encode(USER.encode()) + b"\r\n")
    assert raw.line() == b"+ UGFzc3dvcmQ6\r\n"
    raw.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
    assert raw.line().startswith(b"+OK")
    raw.close()

    raw = Raw(pop_port)
    raw.send(b"AUTH\r\n")
    assert raw.line().startswith(b"+OK")
    assert raw.multiline() == [b"PLAIN\r\n", b"LOGIN\r\n"]
    raw.send(b"AUTH PLAIN\r\n")
    assert raw.line() == b"+ \r\n"
    raw.send(b"*\r\n")
    assert raw.line().startswith(b"-ERR")
    raw.send(b"AUTH CRAM-MD5\r\n")
    assert raw.line().startswith(b"-ERR")
    raw.close()


def test_auth_failures_are_delayed_and_close_the_connection(cli, custom_server, pop_port):
    cli.add_user(USER, PASSWORD)
    custom_server("--auth-failure-delay", "200", "--max-auth-failures", "3")
    raw = Raw(pop_port)
    started = time.monotonic()
    raw.send(b"USER alice\r\nPASS wrong\r\n")
    assert raw.line().startswith(b"+OK")
    assert raw.line() == b"-ERR [AUTH] Authentication failed\r\n"
    first = time.monotonic() - started
    assert first >= 0.2
    raw.send(b"AUTH PLAIN " + base64.b64encode(b"\0alice\0wrong") + b"\r\n")
    assert raw.line().startswith(b"-ERR [AUTH]")
    raw.send(b"USER nobody\r\nPASS wrong\r\n")
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"-ERR [AUTH]")
    # The third failure closes the connection.
    assert raw.line().startswith(b"-ERR [AUTH] Too many")
    assert raw.line() == b""
    # Failures for this user and IP are remembered: the next wait is longer.
    raw = Raw(pop_port)
    started = time.monotonic()
    raw.send(b"USER alice\r\nPASS wrong\r\n")
    raw.line()
    assert raw.line().startswith(b"-ERR [AUTH]")
    assert time.monotonic() - started >= 0.4
    raw.send(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    raw.line()
    assert raw.line().startswith(b"+OK")
    raw.close()


def test_delete_to_trash_newest_n_and_plaintext_refused(cli, custom_server, pop_port,
                                                         listener_args):
    cli.add_user(USER, PASSWORD)
    uids = [cli.deliver(USER, message(n)) for n in range(1, 5)]
    custom_server("--pop3-max-messages", "2", "--pop3-delete-mode", "trash",
                  "--allow-plaintext-auth", "no")
    raw = Raw(pop_port)
    raw.send(b"CAPA\r\n")
    raw.line()
    caps = raw.multiline()
    assert b"STLS\r\n" in caps and b"USER\r\n" not in caps
    raw.send(f"USER {USER}\r\n".encode())
    assert raw.line().startswith(b"-ERR [AUTH]")
    raw.close()
    pop = poplib.POP3_SSL("127.0.0.1", port_of(listener_args, "pop3s"), timeout=TIMEOUT,
                          context=unverified())
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 2
    assert pop.retr(1)[1][1] == b"Subject: message 3"
    pop.dele(1)
    pop.quit()
    assert inbox_uids(cli) == [uids[0], uids[1], uids[3]]
    moved = cli.ok("export", "--user", USER, "--mailbox", "Trash", "--uid", "1")
    assert moved == message(3)


def test_wrong_state_and_bad_numbers(mailbox, pop_port):
    raw = Raw(pop_port)
    for command in (b"STAT", b"LIST", b"RETR 1", b"DELE 1", b"RSET", b"TOP 1 1", b"UIDL",
                    b"PASS x", b"FOO", b"", b"USER"):
        raw.send(command + b"\r\n")
        assert raw.line().startswith(b"-ERR "), command
    raw.send(b"x" * 70000 + b"\r\nNOOP\r\n")
    assert raw.line() == b"-ERR Line too long\r\n"
    assert raw.line().startswith(b"-ERR")  # NOOP before login
    raw.send(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"+OK")
    for command in (b"RETR 0", b"RETR 4", b"RETR x", b"RETR -1", b"RETR 99999999999999999999",
                    b"LIST 4", b"UIDL 0", b"TOP 1", b"TOP 1 x", b"TOP 9 0", b"DELE 4", b"DELE",
                    b"USER alice", b"STLS", b"AUTH PLAIN", b"STAT 1", b"FOO"):
        raw.send(command + b"\r\n")
        assert raw.line().startswith(b"-ERR "), command
    raw.send(b"NOOP\r\nstat\r\nQUIT\r\n")
    assert raw.line().startswith(b"+OK")
    assert raw.line().startswith(b"+OK 3 ")
    assert raw.line().startswith(b"+OK")
    raw.close()


def test_stls_and_pipelined_plaintext_is_discarded(mailbox, pop_port):
    pop = poplib.POP3("127.0.0.1", pop_port, timeout=TIMEOUT)
    pop.stls(unverified())
    assert "STLS" not in pop.capa()
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 3
    with pytest.raises(poplib.error_proto):
        pop._shortcmd("STLS")
    pop.quit()

    raw = Raw(pop_port)
    raw.send(f"STLS\r\nUSER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert raw.line().startswith(b"+OK")
    tls = unverified().wrap_socket(raw.sock, server_hostname="localhost")
    tls.sendall(b"STAT\r\n")
    reply = tls.recv(1000)
    assert reply.startswith(b"-ERR"), reply  # still in AUTHORIZATION
    tls.close()


def test_pop3s(mailbox, listener_args, data_dir):
    # No tls-cert configured: a self-signed pair was generated in the data folder.
    assert (data_dir / "tls" / "cert.pem").is_file()
    assert (data_dir / "tls" / "key.pem").stat().st_mode & 0o777 == 0o600
    pop = poplib.POP3_SSL("127.0.0.1", port_of(listener_args, "pop3s"), timeout=TIMEOUT,
                          context=unverified())
    assert pop.getwelcome().startswith(b"+OK")
    assert "STLS" not in pop.capa()
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 3
    assert pop.retr(1)[1][-1] == b"line 2 of message 1"
    pop.quit()


def test_idle_timeout_ends_the_session(cli, custom_server, pop_port):
    cli.add_user(USER, PASSWORD)
    custom_server("--idle-timeout", "1")
    raw = Raw(pop_port)
    assert raw.line() == b"-ERR Autologout; idle for too long\r\n"
    assert raw.line() == b""
    raw.close()
