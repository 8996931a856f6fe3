"""max-connections-per-user (docs/config.md): logged-in IMAP and POP3
sessions of one user beyond the maximum are refused after a correct login
(IMAP `NO [LIMIT]`, RFC 5530; POP3 `-ERR [IN-USE]`, RFC 2449/3206), other
users are not affected, and a session that ends frees its place. One node:
the in-memory count (the Redis count is unit-tested across two nodes)."""

import time

from eider_harness import port_of
from line_client import LineClient
from imap_support import PASSWORD, USER



def imap_session(port, user=USER, password=PASSWORD):
    client = LineClient(port)
    client.send(f"a LOGIN {user} {password}\r\n".encode())
    return client, client.until(b"a")


def pop3_session(port, user=USER, password=PASSWORD):
    client = LineClient(port)
    client.send(f"USER {user}\r\nPASS {password}\r\n".encode())
    assert client.line().startswith(b"+OK")
    return client, client.line()


def test_sessions_beyond_the_maximum_are_refused_until_one_ends(custom_server, cli,
                                                                 listener_args):
    cli.add_user(USER, PASSWORD)
    cli.add_user("bob", "bobs-secret")
    custom_server("--max-connections-per-user", "3")
    imap_port, pop3_port = port_of(listener_args, "imap"), port_of(listener_args, "pop3")

    first, reply = imap_session(imap_port)
    assert reply.startswith(b"a OK")
    second, reply = imap_session(imap_port)
    assert reply.startswith(b"a OK")
    pop, reply = pop3_session(pop3_port)  # POP3 and IMAP count together
    assert reply.startswith(b"+OK")

    refused, reply = imap_session(imap_port)
    assert reply.startswith(b"a NO [LIMIT]"), reply
    # The session stays usable: not logged in, but it may try again.
    refused.send(b"b NOOP\r\n")
    assert refused.until(b"b").startswith(b"b OK")
    refused.close()
    refused_pop, reply = pop3_session(pop3_port)
    assert reply.startswith(b"-ERR [IN-USE]"), reply
    refused_pop.close()

    other, reply = imap_session(imap_port, "bob", "bobs-secret")
    assert reply.startswith(b"a OK")  # another user's count

    # A session that logs out frees its place.
    first.send(b"z LOGOUT\r\n")
    first.until(b"z")
    first.close()
    for _ in range(50):
        again, reply = imap_session(imap_port)
        if reply.startswith(b"a OK"):
            break
        again.close()
        time.sleep(0.05)
    assert reply.startswith(b"a OK"), reply
    for client in (again, second, pop, other):
        client.close()


def test_zero_means_no_limit(custom_server, cli, listener_args):
    cli.add_user(USER, PASSWORD)
    custom_server("--max-connections-per-user", "0")
    imap_port = port_of(listener_args, "imap")
    sessions = []
    for _ in range(25):
        client, reply = imap_session(imap_port)
        assert reply.startswith(b"a OK"), reply
        sessions.append(client)
    for client in sessions:
        client.close()
