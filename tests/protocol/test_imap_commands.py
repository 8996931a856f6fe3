"""IMAP commands at the edges a conformance suite probes (issue 14): MOVE
and COPY into the selected mailbox, EXAMINE's RECENT, LIST-EXTENDED and
LSUB details (RFC 5258), address SEARCH against parsed addresses, and
mailbox names that are not valid modified UTF-7."""

import re

import pytest

from imap_support import ADDRESS, PASSWORD, USER, Raw, message


@pytest.fixture
def inbox(cli, server):
    """alice with three messages in INBOX; returns the CLI."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    for n in range(1, 4):
        cli.deliver(USER, message(n))
    return cli


def select(imap_port, *enable):
    raw = Raw(imap_port).login()
    for extension in enable:
        raw.command(f"ENABLE {extension}")
    raw.command("SELECT INBOX")
    return raw


def uids_of(raw):
    untagged, _ = raw.command("UID SEARCH ALL")
    return [int(u) for u in untagged[0].split()[2:]]


# --- MOVE and COPY into the selected mailbox (RFC 6851, RFC 4315) ----------


def test_move_into_the_selected_mailbox_gives_a_new_uid_and_expunges_the_old(inbox, imap_port):
    raw = select(imap_port)
    untagged, done = raw.command("MOVE 1 INBOX")
    assert done.split()[1] == b"OK", done
    # RFC 6851 4.3: COPYUID in an untagged OK, then the expunge, then the new copy.
    assert re.match(rb"\* OK \[COPYUID \d+ 1 4\]", untagged[0]), untagged
    assert untagged[1:3] == [b"* 1 EXPUNGE\r\n", b"* 3 EXISTS\r\n"], untagged
    assert uids_of(raw) == [2, 3, 4]
    untagged, done = raw.command("UID MOVE 2 INBOX")
    assert re.match(rb"\* OK \[COPYUID \d+ 2 5\]", untagged[0]), untagged
    assert untagged[1:3] == [b"* 1 EXPUNGE\r\n", b"* 3 EXISTS\r\n"], untagged
    assert uids_of(raw) == [3, 4, 5]
    # The moved message is the same message.
    untagged, _ = raw.command("UID FETCH 5 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert b"Subject: message 2" in untagged[0]


def test_move_into_the_selected_mailbox_under_qresync_says_vanished(inbox, imap_port):
    raw = select(imap_port, "QRESYNC")
    untagged, done = raw.command("UID MOVE 1:2 INBOX")
    assert done.split()[1] == b"OK", done
    assert re.match(rb"\* OK \[COPYUID \d+ 1:2 4:5\]", untagged[0]), untagged
    assert untagged[1] == b"* VANISHED 1:2\r\n", untagged
    assert b"* 3 EXISTS\r\n" in untagged[2:], untagged
    assert uids_of(raw) == [3, 4, 5]


def test_copy_into_the_selected_mailbox_adds_new_uids(inbox, imap_port):
    raw = select(imap_port)
    untagged, done = raw.command("COPY 1:2 INBOX")
    assert re.search(rb"OK \[COPYUID \d+ 1:2 4:5\]", done), done
    assert b"* 5 EXISTS\r\n" in untagged, untagged
    assert uids_of(raw) == [1, 2, 3, 4, 5]


# --- EXAMINE and \Recent (RFC 3501 6.3.2) ----------------------------------


def test_examine_reports_recent_messages_without_taking_them(inbox, imap_port):
    raw = Raw(imap_port).login()
    for _ in range(2):
        untagged, done = raw.command("EXAMINE INBOX")
        assert b"[READ-ONLY]" in done
        assert b"* 3 RECENT\r\n" in untagged, untagged
        untagged, _ = raw.command("FETCH 1 FLAGS")
        assert b"\\Recent" in untagged[0], untagged
    # SELECT still gets them, and after it they are no longer recent to anyone.
    untagged, _ = Raw(imap_port).login().command("SELECT INBOX")
    assert b"* 3 RECENT\r\n" in untagged, untagged
    untagged, _ = raw.command("EXAMINE INBOX")
    assert b"* 0 RECENT\r\n" in untagged, untagged
    inbox.deliver(USER, message(4))
    untagged, _ = raw.command("EXAMINE INBOX")
    assert b"* 1 RECENT\r\n" in untagged and b"* 4 EXISTS\r\n" in untagged, untagged


# --- names that are not modified UTF-7 (RFC 3501 5.1.3) --------------------

ODD = ["&Jjo", "&AGE-", "a&", "&AOQ-&AOQ-"]


def test_odd_mailbox_names_are_no_such_mailbox_not_bad(inbox, imap_port):
    raw = Raw(imap_port).login()
    for name in ODD:
        for command in (f"SELECT {name}", f"EXAMINE {name}", f"STATUS {name} (MESSAGES)",
                        f"DELETE {name}", f"RENAME {name} Other", f"UNSUBSCRIBE {name}",
                        f"GETQUOTAROOT {name}", f"APPEND {name} {{1+}}\r\nx"):
            untagged, done = raw.command(command)
            assert done.split()[1:3] == [b"NO", b"[NONEXISTENT]"], (command, done)
        # Where the name would be made, it cannot be.
        for command in (f"CREATE {name}", f"RENAME Sent {name}", f"SUBSCRIBE {name}"):
            _, done = raw.command(command)
            assert done.split()[1:3] == [b"NO", b"[CANNOT]"], (command, done)
        raw.command("SELECT INBOX")
        for command in (f"COPY 1 {name}", f"MOVE 1 {name}", f"UID COPY 1 {name}"):
            _, done = raw.command(command)
            assert done.split()[1:3] == [b"NO", b"[NONEXISTENT]"], (command, done)
        # A pattern or reference that is no name matches nothing.
        for command in (f'LIST "" {name}', f'LIST "" {name}*', f"LIST {name} *",
                        f'LSUB "" {name}', f'LIST (SUBSCRIBED) "" {name}'):
            untagged, done = raw.command(command)
            assert done.split()[1] == b"OK" and untagged == [], (command, untagged, done)
        untagged, done = raw.command(f'LIST "" ("{name}" "INBOX")')
        assert untagged == [b'* LIST (\\HasNoChildren) "/" "INBOX"\r\n'], untagged
    # Nothing was made, nothing was lost, and the session goes on.
    untagged, _ = raw.command('LIST "" *')
    assert len(untagged) == 6, untagged
    untagged, done = raw.command("SELECT INBOX")
    assert b"* 3 EXISTS\r\n" in untagged and done.split()[1] == b"OK", done


def test_a_run_of_odd_names_does_not_end_the_session(inbox, imap_port):
    raw = Raw(imap_port).login()
    for _ in range(50):
        _, done = raw.command("SELECT &Jjo")
        assert done.split()[1] == b"NO", done
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


# --- LIST-EXTENDED and LSUB (RFC 5258, RFC 3501 6.3.9) ---------------------

# CREATE makes the missing parents Deep and Deep/A too.
GARDEN = ["Fruit", "Fruit/Apple", "Fruit/Banana", "Tofu", "Vegetable", "Vegetable/Broccoli",
          "Vegetable/Corn", "Deep/A/B"]
# RFC 5258 5's example subscriptions, Fruit/Peach without a mailbox, and a
# subscribed mailbox two levels below unsubscribed ones.
SUBSCRIBED = ["Fruit/Banana", "Fruit/Peach", "Vegetable", "Vegetable/Broccoli", "Deep/A/B"]


@pytest.fixture
def garden(inbox, imap_port):
    raw = Raw(imap_port).login()
    for name in GARDEN:
        _, done = raw.command(f"CREATE {name}")
        assert done.split()[1] == b"OK", done
    untagged, _ = raw.command('LIST "" *')
    for line in untagged:  # a new mailbox is subscribed: start from none
        name = line.rsplit(b" ", 1)[1].strip().decode()
        raw.command(f"UNSUBSCRIBE {name}")
    for name in SUBSCRIBED:
        _, done = raw.command(f"SUBSCRIBE {name}")
        assert done.split()[1] == b"OK", done
    return raw


def lines(raw, command):
    untagged, done = raw.command(command)
    assert done.split()[1] == b"OK", (command, done)
    return [line.rstrip(b"\r\n").decode() for line in untagged]


def test_list_subscribed_shows_a_subscription_without_a_mailbox_as_nonexistent(garden):
    assert lines(garden, 'LIST (SUBSCRIBED) "" "Fruit/*"') == [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Fruit/Banana"',
        '* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) "/" "Fruit/Peach"',
    ]
    # Deleting a subscribed mailbox keeps its subscription (RFC 3501 6.3.6).
    garden.command("DELETE Vegetable/Broccoli")
    assert lines(garden, 'LIST (SUBSCRIBED) "" "Vegetable/*"') == [
        '* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) "/" "Vegetable/Broccoli"',
    ]
    # Plain LIST lists only what exists; RETURN (SUBSCRIBED) marks it.
    assert lines(garden, 'LIST "" "Fruit/*" RETURN (SUBSCRIBED)') == [
        '* LIST (\\HasNoChildren) "/" "Fruit/Apple"',
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Fruit/Banana"',
    ]
    # Creating it again makes it a subscribed mailbox, listed once.
    garden.command("CREATE Fruit/Peach")
    assert lines(garden, 'LIST (SUBSCRIBED) "" "Fruit/Peach"') == [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Fruit/Peach"',
    ]
    garden.command("UNSUBSCRIBE Vegetable/Broccoli")
    assert lines(garden, 'LIST (SUBSCRIBED) "" "Vegetable/*"') == []


def test_recursivematch_follows_rfc_5258_examples(garden):
    # RFC 5258 5, example 6 (D03, D04), with the CHILDREN attributes Eider adds.
    assert lines(garden, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" "*"') == [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Deep/A/B"',
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Fruit/Banana"',
        '* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) "/" "Fruit/Peach"',
        '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable"',
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Vegetable/Broccoli"',
    ]
    assert lines(garden, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" "%"') == [
        '* LIST (\\HasChildren) "/" "Deep" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\HasChildren) "/" "Fruit" ("CHILDINFO" ("SUBSCRIBED"))',
        '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable" ("CHILDINFO" ("SUBSCRIBED"))',
    ]
    # CHILDINFO only for a descendant the answer leaves out (RFC 5258 4):
    # with "Fruit/*" too, Fruit's subscribed children are listed themselves.
    assert lines(garden, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" ("Fruit" "Fruit/*")') == [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Fruit/Banana"',
        '* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) "/" "Fruit/Peach"',
    ]
    assert lines(garden, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" ("Vegetable" "Vegetable/%")') == [
        '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable"',
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Vegetable/Broccoli"',
    ]
    # Without RECURSIVEMATCH no parent stands in.
    assert lines(garden, 'LIST (SUBSCRIBED) "" "%"') == [
        '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable"',
    ]


def test_return_children_and_subscribed_together(garden):
    for returns in ("(CHILDREN SUBSCRIBED)", "(SUBSCRIBED CHILDREN)"):
        assert lines(garden, f'LIST "" "%" RETURN {returns}') == [
            '* LIST (\\HasNoChildren) "/" "INBOX"',
            '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
            '* LIST (\\HasChildren) "/" "Deep"',
            '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
            '* LIST (\\HasChildren) "/" "Fruit"',
            '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
            '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
            '* LIST (\\HasNoChildren) "/" "Tofu"',
            '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
            '* LIST (\\Subscribed \\HasChildren) "/" "Vegetable"',
        ], returns


def test_lsub_lists_a_noselect_parent_for_a_subscribed_child_below_it(garden):
    assert lines(garden, 'LSUB "" "Deep/%"') == ['* LSUB (\\Noselect) "/" "Deep/A"']
    assert lines(garden, 'LSUB "" "Deep/*"') == ['* LSUB () "/" "Deep/A/B"']
    assert lines(garden, 'LSUB "" "%"') == [
        '* LSUB (\\Noselect) "/" "Deep"',
        '* LSUB (\\Noselect) "/" "Fruit"',
        '* LSUB () "/" "Vegetable"',
    ]
    # A subscription without a mailbox cannot be selected.
    assert lines(garden, 'LSUB "" "Fruit/%"') == [
        '* LSUB () "/" "Fruit/Banana"',
        '* LSUB (\\Noselect) "/" "Fruit/Peach"',
    ]


# --- address SEARCH (RFC 3501 6.4.4) ---------------------------------------


def addressed(n, from_field, to_field="alice@example.test"):
    return (f"From: {from_field}\r\nTo: {to_field}\r\nSubject: address {n}\r\n"
            f"Message-ID: <addr{n}@example.com>\r\n\r\nbody\r\n").encode()


def test_address_search_matches_the_parsed_address(cli, server, imap_port):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    cli.deliver(USER, addressed(1, "<user-from (comment)@ (comment) domain.org>"))
    cli.deliver(USER, addressed(2, '"Quoted Name" <other@domain.org>',
                                "Someone <user-to@\r\n example.com (work)>"))
    cli.deliver(USER, addressed(3, "user-from . x @ domain . org"))
    cli.deliver(USER, addressed(4, "=?utf-8?q?J=C3=B6rg?= <joerg@example.org>",
                                "team: a@b.example, c (d) @ e.example;"))
    raw = select(imap_port)
    cases = {
        "FROM user-from@domain.org": [1],
        "FROM USER-FROM@DOMAIN.ORG": [1],
        "FROM user-from.x@domain.org": [3],
        "FROM comment": [1],  # the raw text still counts
        'FROM "Quoted Name <other@"': [2],
        "TO user-to@example.com": [2],
        "TO work": [2],
        "FROM domain.org": [1, 2, 3],
        "FROM {%d+}\r\nJörg <joerg@example.org>" % len("Jörg <joerg@example.org>".encode()): [4],
        "TO c@e.example": [4],
        "TO team": [4],
        "CC user-from@domain.org": [],
        "OR FROM user-from@domain.org TO user-to@example.com": [1, 2],
    }
    for criteria, expected in cases.items():
        untagged, done = raw.command(f"SEARCH CHARSET UTF-8 {criteria}".encode())
        assert done.split()[1] == b"OK", (criteria, done)
        found = [int(n) for n in untagged[0].split()[2:]]
        assert found == expected, (criteria, found)


def test_create_leaves_the_parents_it_makes_unsubscribed(inbox, imap_port):
    raw = Raw(imap_port).login()
    raw.command("CREATE Deep/A/B")
    assert lines(raw, 'LSUB "" "Deep/%"') == ['* LSUB (\\Noselect) "/" "Deep/A"']
    assert lines(raw, 'LSUB "" "Deep/*"') == ['* LSUB () "/" "Deep/A/B"']
    assert lines(raw, 'LIST (SUBSCRIBED) "" "Deep*"') == [
        '* LIST (\\Subscribed \\HasNoChildren) "/" "Deep/A/B"',
    ]
    # A parent that already existed keeps its subscription.
    raw.command("CREATE Deep/A/C")
    raw.command("SUBSCRIBE Deep/A")
    raw.command("CREATE Deep/A/D/E")
    assert lines(raw, 'LSUB "" "Deep/%/%"') == [
        '* LSUB () "/" "Deep/A/B"',
        '* LSUB () "/" "Deep/A/C"',
        '* LSUB (\\Noselect) "/" "Deep/A/D"',
    ]
    assert lines(raw, 'LSUB "" "Deep/%"') == ['* LSUB () "/" "Deep/A"']
