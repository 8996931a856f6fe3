"""Password guessing across connections (docs/config.md:
max-auth-failures-per-user, max-auth-failures-per-ip, auth-failure-window):
guesses are counted per user and per IP over every connection and protocol,
a locked-out user is refused without the password being checked, and a
success forgives only that user's failures from that IP.

Connections come from different loopback addresses (127.0.0.x) to stand
for different client IPs."""

import base64
import subprocess
import threading

import pytest

from eider_harness import port_of
from line_client import LineClient
from imap_support import PASSWORD, USER

FAILED = b"a NO [AUTHENTICATIONFAILED]"  # the tagged reply to a wrong password


@pytest.fixture
def guarded_server(custom_server, cli):
    """Starts `eider serve` with extra flags; alice and bob exist."""
    cli.add_user(USER, PASSWORD)
    cli.add_user("bob", "bobs-secret")
    return lambda *extra: custom_server("--auth-failure-delay", "20", *extra)


def imap_login(port, source, user, password, tag=b"a"):
    client = LineClient(port, source)
    client.send(tag + b" LOGIN " + user.encode() + b" " + password.encode() + b"\r\n")
    reply = client.until(tag)
    client.close()
    return reply


def test_parallel_guessers_get_at_most_the_maximum(guarded_server, listener_args):
    guarded_server("--max-auth-failures-per-user", "10", "--max-auth-failures-per-ip", "0",
                   "--auth-failure-window", "600")
    imap_port = port_of(listener_args, "imap")
    checked, refused, other = [], [], []
    lock = threading.Lock()

    def guesser(n):
        client = LineClient(imap_port, f"127.0.0.{10 + n}")
        for i in range(5):  # max-auth-failures per connection
            client.send(b"g%d LOGIN %s wrong-%d-%d\r\n" % (i, USER.encode(), n, i))
            reply = client.until(b"g%d" % i)
            with lock:
                if b"NO [AUTHENTICATIONFAILED]" in reply:
                    checked.append(reply)
                elif b"NO [UNAVAILABLE] Too many failed logins for this user" in reply:
                    refused.append(reply)
                else:
                    other.append(reply)
        client.close()

    threads = [threading.Thread(target=guesser, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert other == []
    assert len(checked) <= 10, len(checked)
    assert len(checked) + len(refused) == 200
    # During the lockout the right password is refused too, by LOGIN, both
    # SASL mechanisms and POP3, from an address that never guessed.
    assert imap_login(imap_port, "127.0.0.99", USER, PASSWORD).startswith(b"a NO [UNAVAILABLE]")
    client = LineClient(imap_port, "127.0.0.99")
    plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode())
    client.send(b"p AUTHENTICATE PLAIN " + plain + b"\r\n")
    assert b"p NO [UNAVAILABLE]" in client.until(b"p")
    client.send(b"l AUTHENTICATE LOGIN\r\n")
    client.line()
    client.send(base64.b64encode(USER.encode()) + b"\r\n")
    client.line()
    client.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
    assert b"l NO [UNAVAILABLE]" in client.until(b"l")
    client.close()
    pop = LineClient(port_of(listener_args, "pop3"), "127.0.0.99")
    pop.send(f"USER {USER}\r\nPASS {PASSWORD}\r\n".encode())
    assert pop.line().startswith(b"+OK")
    assert pop.line().startswith(b"-ERR [AUTH] Too many failed logins for this user")
    pop.send(b"AUTH PLAIN " + plain + b"\r\n")
    assert pop.line().startswith(b"-ERR [AUTH] Too many failed logins for this user")
    pop.close()
    # Other users are not locked out.
    assert imap_login(imap_port, "127.0.0.10", "bob", "bobs-secret").startswith(b"a OK ")


def test_many_parallel_logins_with_the_right_password_all_get_in(guarded_server, listener_args):
    # Checks under way count against the maximum, so the parallel logins
    # beyond it wait for the others rather than being refused.
    # (24 sessions of one user may overlap: no session limit here.)
    guarded_server("--max-auth-failures-per-user", "3", "--auth-failure-window", "600",
                   "--max-connections-per-user", "0")
    imap_port = port_of(listener_args, "imap")
    replies = []

    def log_in(n):
        replies.append(imap_login(imap_port, "127.0.0.2", USER, PASSWORD, tag=b"a"))

    threads = [threading.Thread(target=log_in, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 24
    assert all(reply.startswith(b"a OK") for reply in replies), replies


def test_success_forgives_only_that_ips_failures(guarded_server, listener_args):
    guarded_server("--max-auth-failures-per-user", "4", "--max-auth-failures-per-ip", "0",
                   "--auth-failure-window", "600")
    imap_port = port_of(listener_args, "imap")
    guesser, owner = "127.0.0.3", "127.0.0.2"
    for _ in range(2):
        assert imap_login(imap_port, guesser, USER, "guess").startswith(FAILED)
    assert imap_login(imap_port, owner, USER, "typo").startswith(FAILED)
    assert imap_login(imap_port, owner, USER, PASSWORD).startswith(b"a OK ")
    # The owner's typo is forgiven, the guesser's two failures are not: two
    # more guesses reach the maximum of four.
    for _ in range(2):
        assert imap_login(imap_port, guesser, USER, "guess").startswith(FAILED)
    assert imap_login(imap_port, guesser, USER, PASSWORD).startswith(b"a NO [UNAVAILABLE]")


def test_an_ip_guessing_many_users_is_locked_out(guarded_server, listener_args):
    guarded_server("--max-auth-failures-per-ip", "6", "--auth-failure-window", "600")
    imap_port = port_of(listener_args, "imap")
    sprayer = "127.0.0.5"
    for n in range(6):
        assert imap_login(imap_port, sprayer, f"user{n}", "123456").startswith(FAILED)
    reply = imap_login(imap_port, sprayer, "bob", "bobs-secret")
    assert b"NO [UNAVAILABLE] Too many failed logins from your address" in reply
    pop = LineClient(port_of(listener_args, "pop3"), sprayer)
    pop.send(b"USER bob\r\nPASS bobs-secret\r\n")
    assert pop.line().startswith(b"+OK")
    assert pop.line().startswith(b"-ERR [AUTH] Too many failed logins from your address")
    pop.close()
    assert imap_login(imap_port, "127.0.0.6", "bob", "bobs-secret").startswith(b"a OK ")


def test_lockout_keys_have_flags(eider_bin):
    result = subprocess.run([eider_bin, "serve", "--help"], capture_output=True, text=True)
    for flag in ("--max-auth-failures-per-user", "--max-auth-failures-per-ip",
                 "--auth-failure-window"):
        assert flag in result.stdout, result.stdout
