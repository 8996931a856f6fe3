"""Several IMAP sessions on one mailbox (issue 4, docs/architecture.md, ideas 3 and 4):
changes reach the other sessions through the journal, only where RFC 3501
lets a server tell them, and sequence numbers never drift."""

import random

import pytest

from imap_support import (ADDRESS, PASSWORD, USER, crlf, lmtp_deliver, message, port_of,
                          selected)


@pytest.fixture
def ports(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    for n in range(1, 6):
        cli.deliver(USER, message(n))
    return port_of(listener_args, "imap"), port_of(listener_args, "lmtp")


def test_expunge_in_one_session_then_fetch_and_noop_in_the_others(ports):
    imap_port, _ = ports
    a, b, c = selected(imap_port), selected(imap_port), selected(imap_port)
    a.command("STORE 2 +FLAGS.SILENT (\\Deleted)")
    untagged, _ = a.command("EXPUNGE")
    assert untagged == [b"* 2 EXPUNGE\r\n"]
    # b still numbers the old way during FETCH: message 2 is gone, 3 is still 3.
    untagged, done = b.command("FETCH 3 (UID)")
    assert b"* 3 FETCH (UID 3)\r\n" in untagged and done.split()[1] == b"OK", done
    assert b"EXPUNGE" not in b"".join(untagged)
    untagged, done = b.command("FETCH 2 (UID BODY.PEEK[])")
    assert b"* 2 EXPUNGE" not in b"".join(untagged)
    assert done.split(b" ")[1] in (b"NO", b"OK")
    untagged, done = b.command("NOOP")
    assert untagged == [b"* 2 EXPUNGE\r\n"] and done.split()[1] == b"OK", done
    untagged, _ = b.command("FETCH 2 (UID)")
    assert untagged == [b"* 2 FETCH (UID 3)\r\n"]
    # c learns on its next command that may carry EXPUNGE.
    untagged, done = c.command("UID FETCH 4 (UID)")
    assert untagged == [b"* 4 FETCH (UID 4)\r\n", b"* 2 EXPUNGE\r\n"]


def test_search_and_store_keep_the_old_numbering(ports):
    imap_port, _ = ports
    a, b = selected(imap_port), selected(imap_port)
    a.command("STORE 1 +FLAGS.SILENT (\\Deleted)")
    a.command("EXPUNGE")
    untagged, _ = b.command("SEARCH ALL")
    search = [line for line in untagged if line.startswith(b"* SEARCH")]
    assert search in ([b"* SEARCH 1 2 3 4 5\r\n"], [b"* SEARCH 2 3 4 5\r\n"]), untagged
    assert b"EXPUNGE" not in b"".join(untagged)
    untagged, _ = b.command("STORE 5 +FLAGS (\\Flagged)")
    assert b"EXPUNGE" not in b"".join(untagged)
    assert any(line.startswith(b"* 5 FETCH (FLAGS (") for line in untagged)  # UID 5 is still 5
    untagged, _ = b.command("CHECK")
    assert b"* 1 EXPUNGE\r\n" in untagged


def test_store_in_one_session_seen_by_the_others_at_the_right_moment(ports):
    imap_port, _ = ports
    a, b, c = selected(imap_port), selected(imap_port), selected(imap_port)
    a.command("STORE 3 +FLAGS (\\Answered)")
    untagged, _ = b.command("NOOP")
    assert untagged == [b"* 3 FETCH (FLAGS (\\Answered) UID 3)\r\n"]
    untagged, _ = b.command("NOOP")
    assert untagged == []
    # Flag updates may come with FETCH; c gets it with its own data.
    untagged, _ = c.command("FETCH 1 (UID)")
    assert b"* 1 FETCH (UID 1)\r\n" in untagged
    assert b"* 3 FETCH (FLAGS (\\Answered) UID 3)\r\n" in untagged
    # a's own STORE is not told to it twice.
    untagged, _ = a.command("NOOP")
    assert untagged == []


def test_new_mail_reaches_all_sessions_and_recent_goes_to_one(ports):
    imap_port, lmtp_port = ports
    a, b = selected(imap_port), selected(imap_port)
    lmtp_deliver(lmtp_port, [crlf(message(6))])
    ua, _ = a.command("NOOP")
    ub, _ = b.command("NOOP")
    assert b"* 6 EXISTS\r\n" in ua and b"* 6 EXISTS\r\n" in ub
    # a selected first, so 1..5 were already recent there; 6 goes to one session.
    assert sorted([b"* 6 RECENT\r\n" in ua, b"* 0 RECENT\r\n" in ub]) == [True, True] or \
        sorted([b"* 5 RECENT\r\n" in ua, b"* 1 RECENT\r\n" in ub]) == [True, True], (ua, ub)


def test_random_operations_never_drift_sequence_numbers(ports):
    """Three sessions apply random STOREs, EXPUNGEs and deliveries; each
    keeps a model of its own view from the untagged responses, and after a
    NOOP every model equals what a fresh SELECT shows."""
    imap_port, lmtp_port = ports
    rng = random.Random(4)
    sessions = [selected(imap_port) for _ in range(3)]
    views = []
    for raw in sessions:
        untagged, _ = raw.command("UID SEARCH ALL")
        views.append([int(x) for x in untagged[-1].split()[2:]])

    def apply(view, lines):
        for line in lines:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == b"EXPUNGE":
                del view[int(parts[1]) - 1]
            elif len(parts) >= 3 and parts[2] == b"EXISTS":
                count = int(parts[1])
                if count > len(view):
                    view.extend([None] * (count - len(view)))
            elif len(parts) >= 3 and parts[2] == b"FETCH" and b"UID " in line:
                uid = int(line.split(b"UID ")[1].split(b")")[0].split()[0])
                seq = int(parts[1])
                if view[seq - 1] is None:
                    view[seq - 1] = uid
                assert view[seq - 1] == uid, ("drift", seq, uid, view)

    delivered = 5
    for _ in range(60):
        i = rng.randrange(3)
        raw, view = sessions[i], views[i]
        op = rng.random()
        if op < 0.3 and view:
            seq = rng.randrange(1, len(view) + 1)
            untagged, _ = raw.command(f"STORE {seq} +FLAGS (\\Deleted)")
            apply(view, untagged)
        elif op < 0.5:
            untagged, _ = raw.command("EXPUNGE")
            apply(view, untagged)
        elif op < 0.65:
            delivered += 1
            lmtp_deliver(lmtp_port, [crlf(message(delivered))])
        elif op < 0.85 and view:
            seq = rng.randrange(1, len(view) + 1)
            untagged, _ = raw.command(f"FETCH {seq} (UID)")
            apply(view, untagged)
        else:
            untagged, _ = raw.command("NOOP")
            apply(view, untagged)
    for raw, view in zip(sessions, views):
        untagged, _ = raw.command("NOOP")
        apply(view, untagged)
        untagged, _ = raw.command("UID SEARCH ALL")
        fresh = [int(x) for x in untagged[-1].split()[2:]]
        # New arrivals are known by count only until fetched.
        known = [uid if uid is not None else fresh[k] for k, uid in enumerate(view)]
        assert known == fresh, (view, fresh)
