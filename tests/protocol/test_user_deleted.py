"""`eider user del` while the user's sessions are open (the CLI is another
process than the server): each session ends with `* BYE` (POP3: -ERR and
close) at its next command, a session in IDLE within user-check-interval
without sending DONE, and no reply names an internal id."""

import re
import signal
import socket

import pytest

from eider_harness import Server
from imap_support import ADDRESS, PASSWORD, TIMEOUT, USER, Raw, lmtp_deliver, message, port_of

# Far below the 30 seconds the client waits: the BYE comes from the check,
# not from some other timeout.
CHECK_INTERVAL = "1"


@pytest.fixture
def alice(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)])
    return cli


def read_until_closed(raw):
    """The lines the server sends until it closes the connection."""
    lines = []
    while True:
        try:
            lines.append(raw.line())
        except (EOFError, ConnectionResetError):
            return lines


def bye_after(raw, text):
    """Sends a command and reads until the connection closes; the lines."""
    raw.count += 1
    raw.send(f"t{raw.count} {text}\r\n".encode())
    return read_until_closed(raw)


def test_imap_sessions_of_a_deleted_user_end_with_bye(alice, server, listener_args):
    port = port_of(listener_args, "imap")
    selected = Raw(port).login()
    selected.command("SELECT INBOX")
    idle_one = Raw(port).login()
    other = Raw(port).login()

    alice.ok("user", "del", USER)

    for raw, command in ((selected, "NOOP"), (idle_one, "SELECT INBOX"),
                         (other, "APPEND INBOX {3+}\r\nabc")):
        lines = bye_after(raw, command)
        text = b"".join(lines)
        assert lines and lines[-1].startswith(b"* BYE"), text
        assert not re.search(rb"\bid\b", text, re.I), text
        assert not re.search(rb"^t\d+ (OK|NO|BAD)", text, re.M), text
        raw.close()

    assert server.stop(signal.SIGTERM) == 0
    _, err = server.communicate()
    logouts = [line for line in err.decode().splitlines() if " event=logout " in line]
    assert len(logouts) == 3 and all('reason="account deleted"' in line for line in logouts), err


@pytest.mark.parametrize("listener", ["imap", "imaps"])
def test_imap_session_in_idle_gets_bye_when_its_user_is_deleted(cli, eider_bin, data_dir,
                                                                 tmp_path, listener_args,
                                                                 listener):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    srv = Server(eider_bin, ["--data", data_dir, *listener_args,
                             "--user-check-interval", CHECK_INTERVAL], cwd=tmp_path)
    try:
        assert srv.start(), srv.communicate()
        lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)])
        idling = Raw(port_of(listener_args, listener), tls=listener == "imaps").login()
        idling.command("SELECT INBOX")
        idling.send(b"i1 IDLE\r\n")
        assert idling.line().startswith(b"+ ")
        # A delivery is still pushed while the user is checked for.
        lmtp_deliver(port_of(listener_args, "lmtp"), [message(2)])
        assert idling.line() == b"* 2 EXISTS\r\n"

        cli.ok("user", "del", USER)

        # No DONE: the server ends the IDLE itself (a socket timeout here
        # would mean it waited for the client).
        lines = [line for line in read_until_closed(idling) if not line.endswith(b" RECENT\r\n")]
        assert lines == [b"* BYE Account deleted\r\n"], lines
        idling.close()

        assert srv.stop(signal.SIGTERM) == 0
        _, err = srv.communicate()
        logouts = [line for line in err.decode().splitlines() if " event=logout " in line]
        assert len(logouts) == 1 and 'reason="account deleted"' in logouts[0], err
    finally:
        srv.kill()


def test_pop3_session_of_a_deleted_user_ends(alice, server, listener_args):
    sock = socket.create_connection(("127.0.0.1", port_of(listener_args, "pop3")),
                                    timeout=TIMEOUT)
    file = sock.makefile("rb")
    assert file.readline().startswith(b"+OK")
    sock.sendall(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert file.readline().startswith(b"+OK")
    assert file.readline().startswith(b"+OK")

    alice.ok("user", "del", USER)

    sock.sendall(b"RETR 1\r\n")
    answer = file.readline()
    assert answer.startswith(b"-ERR") and b"account deleted" in answer.lower(), answer
    assert not re.search(rb"\bid\b", answer, re.I), answer
    assert file.readline() == b""  # closed
    sock.close()
