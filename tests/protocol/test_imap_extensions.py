"""IMAP extensions of issue 5 over the wire: ESEARCH (RFC 4731) return
options for SEARCH and UID SEARCH, LIST-EXTENDED (RFC 5258) with
LIST-STATUS (RFC 5819), and APPENDLIMIT (RFC 7889) in CAPABILITY and
STATUS; with Python's imaplib, and a raw client where the order of lines
matters."""

import imaplib
import re

import pytest

from eider_harness import Server
from imap_support import PASSWORD, USER, Raw, login, message, ok, port_of

DEFAULT_APPEND_LIMIT = 64 * 1024 * 1024


def esearch(imap, *criteria, uid=False):
    """Runs [UID] SEARCH with the given arguments; returns the ESEARCH data
    after the tag correlator, and checks the correlator names the command."""
    typ, data = imap.uid("SEARCH", *criteria) if uid else imap.search(None, *criteria)
    assert typ == "OK", (typ, data)
    # imaplib files the untagged ESEARCH apart from SEARCH.
    _, lines = imap.response("ESEARCH")
    assert len(lines) == 1 and lines[0] is not None, lines
    m = re.fullmatch(rb'\(TAG "([^"]+)"\)(.*)', lines[0])
    assert m, lines[0]
    assert m.group(1).startswith(imap.tagpre), m.group(1)
    return m.group(2).strip().decode()


@pytest.fixture
def flagged(account, imap_port):
    """Seven messages; the first expunged, so UIDs 2..7 are sequence numbers
    1..6, and UIDs 3, 4, 5, 7 (sequence numbers 2, 3, 4, 6) flagged."""
    for n in range(1, 8):
        account.deliver(USER, message(n))
    imap = login(imap_port)
    ok(imap.select("INBOX"))
    ok(imap.store("1", "+FLAGS", "\\Deleted"))
    ok(imap.expunge())
    ok(imap.uid("STORE", "3:5,7", "+FLAGS", "(\\Flagged)"))
    return imap


# --- ESEARCH ----------------------------------------------------------------


def test_capability_advertises_the_new_extensions(account, imap_port):
    raw = Raw(imap_port)
    for cap in (b"ESEARCH", b"LIST-EXTENDED", b"LIST-STATUS",
                b"APPENDLIMIT=%d" % DEFAULT_APPEND_LIMIT):
        assert cap in raw.greeting.split(), (cap, raw.greeting)
    imap = login(imap_port)
    caps = ok(imap.capability())[0].split()
    for cap in (b"ESEARCH", b"LIST-EXTENDED", b"LIST-STATUS"):
        assert cap in caps, cap


def test_esearch_min_max_count_all_by_sequence_number(flagged):
    assert esearch(flagged, "RETURN", "(MIN MAX ALL COUNT)", "FLAGGED") == \
        "MIN 2 MAX 6 COUNT 4 ALL 2:4,6"
    assert esearch(flagged, "RETURN", "(MIN)", "FLAGGED") == "MIN 2"
    assert esearch(flagged, "RETURN", "(MAX)", "FLAGGED") == "MAX 6"
    assert esearch(flagged, "RETURN", "(COUNT)", "UNFLAGGED") == "COUNT 2"
    assert esearch(flagged, "RETURN", "(ALL)", "ALL") == "ALL 1:6"


def test_esearch_min_max_count_all_by_uid(flagged):
    assert esearch(flagged, "RETURN", "(MIN MAX ALL COUNT)", "FLAGGED", uid=True) == \
        "UID MIN 3 MAX 7 COUNT 4 ALL 3:5,7"
    assert esearch(flagged, "RETURN", "(COUNT MIN)", "UID", "4:*", uid=True) == \
        "UID MIN 4 COUNT 4"
    assert esearch(flagged, "RETURN", "(ALL)", "UNFLAGGED", uid=True) == "UID ALL 2,6"


def test_esearch_empty_return_list_means_all(flagged):
    assert esearch(flagged, "RETURN", "()", "FLAGGED") == "ALL 2:4,6"
    assert esearch(flagged, "RETURN", "()", "FLAGGED", uid=True) == "UID ALL 3:5,7"


def test_esearch_without_a_match_gives_only_count(flagged):
    assert esearch(flagged, "RETURN", "(MIN MAX ALL COUNT)", "SUBJECT", "nowhere") == "COUNT 0"
    assert esearch(flagged, "RETURN", "(MIN MAX ALL COUNT)", "SUBJECT", "nowhere",
                   uid=True) == "UID COUNT 0"
    assert esearch(flagged, "RETURN", "(MIN MAX)", "DRAFT") == ""
    assert esearch(flagged, "RETURN", "()", "DRAFT", uid=True) == "UID"


def test_esearch_with_charset_and_content_keys(flagged):
    assert esearch(flagged, "RETURN", "(COUNT ALL)", "CHARSET", "UTF-8", "SUBJECT",
                   '"message 5"') == "COUNT 1 ALL 4"
    assert esearch(flagged, "RETURN", "(MIN MAX)", "BODY", '"of message"', uid=True) == \
        "UID MIN 2 MAX 7"


def test_plain_search_is_unchanged(flagged):
    assert ok(flagged.search(None, "FLAGGED")) == [b"2 3 4 6"]
    assert ok(flagged.uid("SEARCH", "FLAGGED")) == [b"3 4 5 7"]
    assert flagged.response("ESEARCH")[1] == [None]


def test_esearch_bad_return_options(flagged):
    for criteria in (("RETURN", "(BOGUS)", "ALL"), ("RETURN", "(SAVE)", "ALL"),
                     ("RETURN", "(MIN", "ALL"), ("RETURN", "MIN", "ALL")):
        with pytest.raises(imaplib.IMAP4.error):
            flagged.search(None, *criteria)
    # The connection goes on.
    assert esearch(flagged, "RETURN", "(COUNT)", "ALL") == "COUNT 6"


# --- LIST-EXTENDED and LIST-STATUS ------------------------------------------


@pytest.fixture
def hierarchy(account, imap_port):
    """Work/Notes (two messages, one seen) and Work/Projects/A (one), with
    "Work" deleted so it stands as a \\NonExistent parent; INBOX has three."""
    for n in range(1, 4):
        account.deliver(USER, message(n))
    imap = login(imap_port)
    ok(imap.create("Work/Notes"))
    ok(imap.create("Work/Projects/A"))
    # CREATE makes Work and Work/Projects unsubscribed; Work goes unsubscribed,
    # leaving no subscription behind.
    ok(imap.subscribe("Work/Projects"))
    ok(imap.delete("Work"))
    account.deliver(USER, message(10), mailbox="Work/Notes")
    account.deliver(USER, message(11), mailbox="Work/Notes")
    account.deliver(USER, message(12), mailbox="Work/Projects/A")
    ok(imap.select("Work/Notes"))
    ok(imap.store("1", "+FLAGS", "\\Seen"))
    ok(imap.close())
    return imap


def list_status(raw, command):
    """The LIST and STATUS lines of `command`, in the order sent."""
    untagged, done = raw.command(command)
    assert done.split()[1] == b"OK", done
    return [line.rstrip(b"\r\n") for line in untagged]


def status_of(raw, name, items):
    untagged, done = raw.command(f'STATUS "{name}" ({items})')
    assert done.split()[1] == b"OK", done
    return untagged[0].rstrip(b"\r\n")


def test_list_status_follows_each_selectable_mailbox(hierarchy, imap_port):
    raw = Raw(imap_port).login()
    items = "MESSAGES UIDNEXT UNSEEN"
    lines = list_status(raw, f'LIST "" "*" RETURN (STATUS ({items}))')
    names = []
    for i, line in enumerate(lines):
        if not line.startswith(b"* LIST "):
            continue
        name = re.search(rb'"/" "(.*)"$', line).group(1).decode()
        names.append(name)
        # Each LIST line is followed by its STATUS, as the STATUS command answers it.
        assert lines[i + 1] == status_of(raw, name, items), (line, lines[i + 1])
    assert names == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash", "Work/Notes",
                     "Work/Projects", "Work/Projects/A"]
    assert len(lines) == 2 * len(names)
    assert b'* STATUS "INBOX" (MESSAGES 3 UIDNEXT 4 UNSEEN 3)' in lines
    assert b'* STATUS "Work/Notes" (MESSAGES 2 UIDNEXT 3 UNSEEN 1)' in lines
    assert b'* STATUS "Work/Projects" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)' in lines


def test_list_status_skips_nonexistent_parents(hierarchy, imap_port):
    raw = Raw(imap_port).login()
    lines = list_status(raw, 'LIST "" "%" RETURN (CHILDREN STATUS (MESSAGES RECENT UIDVALIDITY '
                             'HIGHESTMODSEQ APPENDLIMIT))')
    work = lines.index(b'* LIST (\\NonExistent \\Noselect \\HasChildren) "/" "Work"')
    # No STATUS for "Work": the next line is another mailbox's LIST, or the end.
    assert work == len(lines) - 1 or lines[work + 1].startswith(b"* LIST "), lines
    assert not any(line.startswith(b'* STATUS "Work"') for line in lines)
    inbox = lines.index(b'* LIST (\\HasNoChildren) "/" "INBOX"')
    assert re.fullmatch(rb'\* STATUS "INBOX" \(MESSAGES 3 RECENT 3 UIDVALIDITY \d+ '
                        rb'HIGHESTMODSEQ \d+ APPENDLIMIT %d\)' % DEFAULT_APPEND_LIMIT,
                        lines[inbox + 1]), lines[inbox + 1]
    statuses = [line for line in lines if line.startswith(b"* STATUS")]
    assert len(statuses) == 6, lines  # INBOX and the five special-use mailboxes


def test_list_status_with_imaplib(hierarchy):
    typ, data = hierarchy._simple_command("LIST", '""', "Work/*", "RETURN",
                                          "(STATUS (MESSAGES UNSEEN))")
    assert typ == "OK", data
    _, lists = hierarchy.response("LIST")
    _, statuses = hierarchy.response("STATUS")
    assert lists == [b'(\\HasNoChildren) "/" "Work/Notes"', b'(\\HasChildren) "/" "Work/Projects"',
                     b'(\\HasNoChildren) "/" "Work/Projects/A"']
    assert statuses == [b'"Work/Notes" (MESSAGES 2 UNSEEN 1)',
                        b'"Work/Projects" (MESSAGES 0 UNSEEN 0)',
                        b'"Work/Projects/A" (MESSAGES 1 UNSEEN 1)']


def test_list_extended_return_options_and_multiple_patterns(hierarchy, imap_port):
    raw = Raw(imap_port).login()
    ok_untagged = lambda command: list_status(raw, command)  # noqa: E731
    assert ok_untagged('LIST "" ("INBOX" "Sent" "Work/%")') == [
        b'* LIST (\\HasNoChildren) "/" "INBOX"',
        b'* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
        b'* LIST (\\HasNoChildren) "/" "Work/Notes"',
        b'* LIST (\\HasChildren) "/" "Work/Projects"',
    ]
    ok(hierarchy.unsubscribe("Work/Notes"))
    assert ok_untagged('LIST "" "Work/%" RETURN (SUBSCRIBED CHILDREN)') == [
        b'* LIST (\\HasNoChildren) "/" "Work/Notes"',
        b'* LIST (\\Subscribed \\HasChildren) "/" "Work/Projects"',
    ]
    # No remote mailboxes exist, so REMOTE changes nothing.
    assert ok_untagged('LIST (REMOTE) "" "Work/%"') == ok_untagged('LIST "" "Work/%"')
    assert ok_untagged('LIST (SUBSCRIBED) "" "Work/*"') == [
        b'* LIST (\\Subscribed \\HasChildren) "/" "Work/Projects"',
        b'* LIST (\\Subscribed \\HasNoChildren) "/" "Work/Projects/A"',
    ]


def test_recursivematch_gives_childinfo(hierarchy, imap_port):
    raw = Raw(imap_port).login()
    ok(hierarchy.unsubscribe("Work/Projects"))
    lines = list_status(raw, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    assert b'* LIST (\\NonExistent \\Noselect \\HasChildren) "/" "Work" ' \
           b'("CHILDINFO" ("SUBSCRIBED"))' in lines, lines
    assert b'* LIST (\\Subscribed \\HasNoChildren) "/" "INBOX"' in lines
    lines = list_status(raw, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Work/%" '
                             'RETURN (STATUS (MESSAGES))')
    # Work/Projects is not subscribed but its child is: listed, with CHILDINFO
    # and (it exists) its STATUS.
    assert lines == [
        b'* LIST (\\Subscribed \\HasNoChildren) "/" "Work/Notes"',
        b'* STATUS "Work/Notes" (MESSAGES 2)',
        b'* LIST (\\HasChildren) "/" "Work/Projects" ("CHILDINFO" ("SUBSCRIBED"))',
        b'* STATUS "Work/Projects" (MESSAGES 0)',
    ]


def test_list_extended_bad_options(hierarchy, imap_port):
    raw = Raw(imap_port).login()
    for command in ('LIST (RECURSIVEMATCH) "" "*"', 'LIST (REMOTE RECURSIVEMATCH) "" "*"',
                    'LIST (BOGUS) "" "*"', 'LIST "" "*" RETURN (BOGUS)',
                    'LIST "" "*" RETURN (STATUS (MESSAGES BOGUS))',
                    'LIST "" "*" RETURN (STATUS (MESSAGES)'):
        _, done = raw.command(command)
        assert done.split()[1] == b"BAD", (command, done)
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


# --- APPENDLIMIT ------------------------------------------------------------


def test_appendlimit_in_status(hierarchy):
    data = ok(hierarchy.status("INBOX", "(APPENDLIMIT MESSAGES)"))
    assert data == [b'"INBOX" (APPENDLIMIT %d MESSAGES 3)' % DEFAULT_APPEND_LIMIT]
    data = ok(hierarchy.status("Work/Notes", "(APPENDLIMIT)"))
    assert data == [b'"Work/Notes" (APPENDLIMIT %d)' % DEFAULT_APPEND_LIMIT]


def test_appendlimit_is_the_configured_message_size(eider_bin, data_dir, tmp_path, listener_args,
                                                    cli):
    cli.add_user(USER, PASSWORD)
    config = tmp_path / "eider.toml"
    config.write_text("max-message-size = 1000\n")
    srv = Server(eider_bin, ["--config", config, "--data", data_dir, *listener_args],
                 cwd=tmp_path)
    try:
        assert srv.start()
        imap = login(port_of(listener_args, "imap"))
        assert b"APPENDLIMIT=1000" in ok(imap.capability())[0].split()
        assert ok(imap.status("INBOX", "(APPENDLIMIT)")) == [b'"INBOX" (APPENDLIMIT 1000)']
        # What is advertised is what APPEND takes.
        small = message(1)
        ok(imap.append("INBOX", None, None, small))
        typ, data = imap.append("INBOX", None, None, small + b"x" * 1000)
        assert typ == "NO" and b"TOOBIG" in data[0], (typ, data)
    finally:
        srv.stop()
