"""IMAP (issue 4): every RFC 3501 command in every state, the everyday
extensions (IDLE, NAMESPACE, UIDPLUS, UNSELECT, ENABLE, ID, MOVE,
SPECIAL-USE, CREATE-SPECIAL-USE, CHILDREN, LITERAL+, SASL-IR), TLS and
authentication, with Python's imaplib and a raw client where the exact bytes
matter."""

import base64
import imaplib
import re
import time

import pytest

from imap_support import (ADDRESS, PASSWORD, TIMEOUT, USER, Raw, crlf, lmtp_deliver, login,
                          message, ok, port_of, unverified)


@pytest.fixture
def lmtp_port(listener_args):
    return port_of(listener_args, "lmtp")


@pytest.fixture
def mailbox(cli, server):
    """alice with three messages in INBOX; returns their UIDs."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    return [cli.deliver(USER, message(n)) for n in range(1, 4)]


# --- connection, capabilities, login ---------------------------------------


def test_greeting_advertises_capabilities_and_starttls(mailbox, imap_port):
    raw = Raw(imap_port)
    assert raw.greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    untagged, done = raw.command("CAPABILITY")
    caps = untagged[0].split()
    for cap in (b"IMAP4rev1", b"STARTTLS", b"AUTH=PLAIN", b"AUTH=LOGIN", b"SASL-IR", b"LITERAL+",
                b"IDLE", b"NAMESPACE", b"UIDPLUS", b"UNSELECT", b"ENABLE", b"ID", b"MOVE",
                b"SPECIAL-USE", b"CREATE-SPECIAL-USE", b"CHILDREN"):
        assert cap in caps, cap
    assert done.startswith(b"t1 OK")
    raw.login()
    untagged, _ = raw.command("CAPABILITY")
    assert b"STARTTLS" not in untagged[0] and b"AUTH=PLAIN" not in untagged[0]


def test_login_success_and_failure(mailbox, imap_port):
    imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=TIMEOUT)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        imap.login(USER, "wrong")
    typ, data = imap.login(USER, PASSWORD)
    assert typ == "OK" and b"CAPABILITY" in data[0]
    assert imap.logout()[0] == "BYE"


def test_authenticate_plain_with_and_without_initial_response(mailbox, imap_port):
    token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    raw = Raw(imap_port)
    _, done = raw.command(f"AUTHENTICATE PLAIN {token}")
    assert done.split()[1] == b"OK", done
    raw = Raw(imap_port)
    raw.send(b"a AUTHENTICATE PLAIN\r\n")
    assert raw.line() == b"+ \r\n"
    raw.send(token.encode() + b"\r\n")
    _, done = raw.until("a")
    assert done.startswith(b"a OK"), done
    imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=TIMEOUT)
    assert imap.authenticate("PLAIN", lambda _: f"\0{USER}\0{PASSWORD}".encode())[0] == "OK"


def test_authenticate_login_and_cancel(mailbox, imap_port):
    raw = Raw(imap_port)
    raw.send(b"a AUTHENTICATE LOGIN\r\n")
    assert raw.line() == b"+ VXNlcm5hbWU6\r\n"
    raw.send(base64.b64encode(USER.encode()) + b"\r\n")
    assert raw.line() == b"+ UGFzc3dvcmQ6\r\n"
    raw.send(base64.b64encode(PASSWORD.encode()) + b"\r\n")
    _, done = raw.until("a")
    assert done.startswith(b"a OK"), done
    raw = Raw(imap_port)
    raw.send(b"b AUTHENTICATE PLAIN\r\n")
    raw.line()
    raw.send(b"*\r\n")
    _, done = raw.until("b")
    assert done.startswith(b"b BAD"), done
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


def test_commands_in_the_wrong_state(mailbox, imap_port):
    raw = Raw(imap_port)
    for command in ("SELECT INBOX", "FETCH 1 FLAGS", "LIST \"\" *", "CLOSE", "IDLE"):
        _, done = raw.command(command)
        assert done.split()[1] == b"BAD", (command, done)
    raw.login()
    for command in ("FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE", "CLOSE", "SEARCH ALL",
                    "COPY 1 Trash", "UID FETCH 1 FLAGS", "CHECK", "UNSELECT"):
        _, done = raw.command(command)
        assert done.split()[1] == b"BAD", (command, done)
    _, done = raw.command(f"LOGIN {USER} {PASSWORD}")
    assert done.split()[1] == b"BAD", done


def test_auth_failure_burst_is_delayed(cli, server, imap_port):
    cli.add_user(USER, PASSWORD)
    imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=60)
    times = []
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(imaplib.IMAP4.error):
            imap.login(USER, "wrong")
        times.append(time.monotonic() - start)
    # 1 s, then 2 s, then 4 s by default (auth-failure-delay doubles).
    assert times[0] >= 0.9 and times[1] >= 1.8 and times[2] >= 3.5, times


def test_starttls_then_login(mailbox, imap_port):
    imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=TIMEOUT)
    assert imap.starttls(unverified())[0] == "OK"
    assert "STARTTLS" not in imap.capabilities
    ok(imap.login(USER, PASSWORD))
    ok(imap.select("INBOX"))
    assert imap.logout()[0] == "BYE"


def test_starttls_discards_pipelined_commands(mailbox, imap_port):
    raw = Raw(imap_port)
    raw.send(b"a STARTTLS\r\nb LOGIN alice secret\r\n")
    assert raw.line().startswith(b"a OK")
    sock = unverified().wrap_socket(raw.sock)
    sock.settimeout(1)
    with pytest.raises((TimeoutError, OSError)):
        # Nothing answers the pipelined LOGIN: it was dropped.
        data = sock.recv(100)
        if not data:
            raise OSError("closed")
    sock.settimeout(TIMEOUT)
    sock.sendall(b"c CAPABILITY\r\n")
    reply = b""
    while not re.search(rb"(^|\r\n)c ", reply):
        data = sock.recv(4096)
        assert data, reply  # closed before the tagged reply
        reply += data
    assert re.search(rb"(^|\r\n)c OK ", reply), reply
    assert b"AUTH=PLAIN" in reply  # still not logged in


def test_imaps(mailbox, listener_args):
    imap = imaplib.IMAP4_SSL("127.0.0.1", port_of(listener_args, "imaps"),
                             ssl_context=unverified(), timeout=TIMEOUT)
    ok(imap.login(USER, PASSWORD))
    assert ok(imap.select("INBOX")) == [b"3"]


def test_logindisabled_without_tls(eider_bin, data_dir, tmp_path, listener_args, cli):
    from eider_harness import Server
    cli.add_user(USER, PASSWORD)
    srv = Server(eider_bin, ["--data", data_dir, *listener_args, "--allow-plaintext-auth", "no"],
                 cwd=tmp_path)
    try:
        assert srv.start()
        raw = Raw(port_of(listener_args, "imap"))
        assert b"LOGINDISABLED" in raw.greeting and b"AUTH=PLAIN" not in raw.greeting
        _, done = raw.command(f"LOGIN {USER} {PASSWORD}")
        assert b"NO [PRIVACYREQUIRED]" in done
        imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"), timeout=TIMEOUT)
        imap.starttls(unverified())
        ok(imap.login(USER, PASSWORD))
    finally:
        srv.stop()


def test_id_namespace_enable_noop_logout(mailbox, imap_port):
    raw = Raw(imap_port).login()
    untagged, done = raw.command('ID ("name" "pytest")')
    assert untagged[0].startswith(b'* ID ("name" "Eider"') and done.split()[1] == b"OK", done
    untagged, _ = raw.command("NAMESPACE")
    assert untagged == [b'* NAMESPACE (("" "/")) NIL NIL\r\n']
    untagged, done = raw.command("ENABLE FOO")
    assert untagged == [b"* ENABLED\r\n"] and done.split()[1] == b"OK", done
    _, done = raw.command("NOOP")
    assert done.startswith(b"t5 OK")
    untagged, done = raw.command("LOGOUT")
    assert untagged[0].startswith(b"* BYE") and done.startswith(b"t6 OK")


# --- mailboxes ---------------------------------------------------------------


def test_select_and_examine_responses(mailbox, imap_port):
    raw = Raw(imap_port).login()
    untagged, done = raw.command("SELECT INBOX")
    text = b"".join(untagged)
    assert b"* 3 EXISTS" in text and b"* 3 RECENT" in text
    assert b"[UIDVALIDITY " in text and b"[UIDNEXT 4]" in text and b"[UNSEEN 1]" in text
    assert b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)" in text
    assert b"[PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)]" in text
    assert b"[READ-WRITE]" in done
    # \Recent belongs to the first session only (RFC 3501 2.3.2).
    other = Raw(imap_port).login()
    untagged, done = other.command("EXAMINE INBOX")
    assert b"* 0 RECENT" in b"".join(untagged) and b"[READ-ONLY]" in done
    _, done = other.command("STORE 1 +FLAGS (\\Seen)")
    assert done.split()[1] == b"NO", done
    _, done = raw.command("SELECT Nope")
    assert b"NO [NONEXISTENT]" in done
    _, done = raw.command("FETCH 1 FLAGS")  # a failed SELECT leaves nothing selected
    assert done.split()[1] == b"BAD", done


def test_recent_flag_in_fetch_and_search(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    assert ok(imap.search(None, "RECENT")) == [b"1 2 3"]
    assert b"\\Recent" in ok(imap.fetch("1", "(FLAGS)"))[0]
    assert ok(imap.search(None, "NEW")) == [b"1 2 3"]
    other = login(imap_port)
    other.select("INBOX")
    assert ok(other.search(None, "RECENT")) == [b""]
    assert ok(other.search(None, "OLD")) == [b"1 2 3"]


def test_create_delete_rename_hierarchy(mailbox, imap_port):
    imap = login(imap_port)
    ok(imap.create("Projects/2024/Q1"))  # parents are created too
    names = [line.decode() for line in ok(imap.list())]
    assert any(n.endswith('"Projects"') and "\\HasChildren" in n for n in names), names
    assert any(n.endswith('"Projects/2024/Q1"') and "\\HasNoChildren" in n for n in names)
    typ, data = imap.create("Projects")
    assert typ == "NO" and b"ALREADYEXISTS" in data[0]
    ok(imap.rename("Projects", "Work"))
    names = b" ".join(ok(imap.list('""', "Work/*")))
    assert b'"Work/2024"' in names and b'"Work/2024/Q1"' in names
    ok(imap.delete("Work/2024/Q1"))
    typ, data = imap.delete("INBOX")
    assert typ == "NO"
    typ, data = imap.rename("Nope", "Other")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    typ, _ = imap.create("Trailing/")
    assert typ == "OK"
    assert b'"Trailing"' in b" ".join(ok(imap.list('""', "Trailing")))


def test_rename_inbox_moves_its_messages(mailbox, imap_port):
    imap = login(imap_port)
    ok(imap.rename("INBOX", "Old"))
    assert ok(imap.select("INBOX")) == [b"0"]
    assert ok(imap.select("Old")) == [b"3"]


def test_list_patterns_and_special_use(mailbox, imap_port):
    imap = login(imap_port)
    ok(imap.create("a/b/c"))
    lines = ok(imap.list('""', "%"))
    text = b"\n".join(lines)
    assert b'"INBOX"' in text and b'"a"' in text and b'"a/b"' not in text
    assert re.search(rb'\\Sent[ )].*"Sent"', text) and re.search(rb'\\Trash[ )].*"Trash"', text)
    assert b'"a/b/c"' in b"\n".join(ok(imap.list('""', "*")))
    assert ok(imap.list("a/", "%")) == [b'(\\HasChildren) "/" "a/b"']
    assert ok(imap.list('""', "inbox")) == [b'(\\HasNoChildren) "/" "INBOX"']
    assert ok(imap.list('""', '""')) == [b'(\\Noselect) "/" ""']
    typ, data = imap._simple_command("LIST", "(SPECIAL-USE)", '""', "*")
    assert typ == "OK"
    specials = imap._untagged_response(typ, data, "LIST")[1]
    assert len(specials) == 5 and all(b"\\HasNoChildren" in s for s in specials), specials


def test_create_special_use(mailbox, imap_port):
    raw = Raw(imap_port).login()
    _, done = raw.command('CREATE "Spam folder" (USE (\\Junk))')
    assert done.split()[1] == b"OK", done
    untagged, _ = raw.command('LIST "" "Spam folder"')
    assert b"\\Junk" in untagged[0]
    _, done = raw.command("CREATE Everything (USE (\\All))")
    assert b"NO [USEATTR]" in done


def test_modified_utf7_names(mailbox, imap_port):
    imap = login(imap_port)
    ok(imap.create("Entw&APw-rfe"))
    assert b'"Entw&APw-rfe"' in b" ".join(ok(imap.list()))
    # Well formed, but no mailbox can have the name: NO, not BAD.
    typ, data = imap.create("Bad&name")
    assert typ == "NO" and data[0].startswith(b"[CANNOT] Invalid mailbox name"), data
    ok(imap.select("Entw&APw-rfe"))


def test_subscribe_and_lsub(mailbox, imap_port):
    imap = login(imap_port)
    ok(imap.create("News"))
    ok(imap.unsubscribe("News"))
    assert b'"News"' not in b" ".join(ok(imap.lsub()))
    ok(imap.subscribe("News"))
    assert b'"News"' in b" ".join(ok(imap.lsub()))
    # RFC 3501 6.3.6 lets a name be subscribed before its mailbox exists.
    ok(imap.subscribe("Missing"))
    assert b'(\\Noselect) "/" "Missing"' in b" ".join(ok(imap.lsub()))
    ok(imap.unsubscribe("Missing"))
    assert b'"Missing"' not in b" ".join(ok(imap.lsub()))
    typ, data = imap.unsubscribe("Missing")
    assert typ == "NO"


def test_status(mailbox, imap_port):
    imap = login(imap_port)
    data = ok(imap.status("INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)"))
    assert re.match(rb'"INBOX" \(MESSAGES 3 RECENT 3 UIDNEXT 4 UIDVALIDITY \d+ UNSEEN 3\)',
                    data[0]), data
    imap.select("INBOX")
    imap.store("1", "+FLAGS", "\\Seen")
    data = ok(imap.status("INBOX", "(UNSEEN RECENT)"))
    # The selected session holds \Recent for all three (RFC 3501 6.3.10).
    assert data == [b'"INBOX" (UNSEEN 2 RECENT 3)']
    typ, _ = imap.status("Missing", "(MESSAGES)")
    assert typ == "NO"


def test_status_of_selected_mailbox_counts_the_sessions_recent(mailbox, imap_port, cli):
    """STATUS and LIST-STATUS of the selected mailbox count the messages that
    are \\Recent in this session, as its FETCH FLAGS and RECENT lines do; a
    second session, which sees none as \\Recent, counts none."""
    def lines(conn, command):
        untagged, done = conn.command(command)
        assert done.split()[1] == b"OK", done
        return [line.rstrip(b"\r\n") for line in untagged]

    raw = Raw(imap_port).login()
    untagged = lines(raw, "SELECT INBOX")
    assert b"* 3 RECENT" in untagged
    cli.deliver(USER, message(4))
    untagged = lines(raw, "NOOP")
    assert b"* 4 RECENT" in untagged, untagged
    untagged = lines(raw, "STATUS INBOX (MESSAGES RECENT)")
    assert untagged == [b'* STATUS "INBOX" (MESSAGES 4 RECENT 4)'], untagged
    untagged = lines(raw, 'LIST "" INBOX RETURN (STATUS (RECENT))')
    assert b'* STATUS "INBOX" (RECENT 4)' in untagged, untagged
    other = Raw(imap_port).login()
    untagged = lines(other, "STATUS INBOX (RECENT)")
    assert untagged == [b'* STATUS "INBOX" (RECENT 0)'], untagged
    raw.command("UNSELECT")
    untagged = lines(raw, "STATUS INBOX (RECENT)")
    assert untagged == [b'* STATUS "INBOX" (RECENT 0)'], untagged



def test_status_of_examined_mailbox_counts_unclaimed_recent_once(mailbox, imap_port):
    """EXAMINE claims no \\Recent: STATUS of the examined mailbox counts the
    three unclaimed messages once, whether or not the view shows them as
    \\Recent."""
    raw = Raw(imap_port).login()
    _, done = raw.command("EXAMINE INBOX")
    assert done.split()[1] == b"OK", done
    untagged, _ = raw.command("STATUS INBOX (RECENT)")
    assert untagged == [b'* STATUS "INBOX" (RECENT 3)\r\n'], untagged

def test_append_with_flags_and_date(mailbox, imap_port):
    imap = login(imap_port)
    data = message(9)
    typ, resp = imap.append("Drafts", "(\\Draft $Custom)", '"05-Jul-2024 10:11:12 +0200"', data)
    assert typ == "OK" and re.search(rb"\[APPENDUID \d+ 1\]", resp[0]), resp
    imap.select("Drafts")
    fetched = ok(imap.fetch("1", "(FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])"))
    head = fetched[0][0]
    assert b"\\Draft" in head and b"$Custom" in head
    assert b'INTERNALDATE "05-Jul-2024 08:11:12 +0000"' in head
    assert f"RFC822.SIZE {len(data)}".encode() in head
    assert fetched[0][1] == data
    typ, resp = imap.append("Missing", None, None, data)
    assert typ == "NO" and b"TRYCREATE" in resp[0]
    with pytest.raises(imaplib.IMAP4.error, match="Invalid system flag"):
        imap.append("INBOX", "(\\Recent)", None, data)


def test_append_literal_plus_and_sync_literal(mailbox, imap_port):
    raw = Raw(imap_port).login()
    data = crlf(message(5))
    raw.send(b"a APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
    _, done = raw.until("a")
    assert b"OK [APPENDUID" in done
    raw.send(b"b APPEND INBOX {%d}\r\n" % len(data))
    assert raw.line().startswith(b"+ ")
    raw.send(data + b"\r\n")
    _, done = raw.until("b")
    assert b"OK [APPENDUID" in done


def test_append_to_selected_mailbox_announces_exists(mailbox, imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    data = crlf(message(7))
    raw.send(b"a APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
    untagged, done = raw.until("a")
    assert b"* 4 EXISTS\r\n" in untagged and done.split()[1] == b"OK", done


# --- messages ---------------------------------------------------------------


def test_fetch_items_and_macros(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    data = message(1)
    fetched = ok(imap.fetch("1", "(UID FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODY BODYSTRUCTURE)"))
    text = fetched[0] if isinstance(fetched[0], bytes) else fetched[0][0]
    assert text.startswith(b"1 (UID 1 FLAGS (\\Recent) RFC822.SIZE %d " % len(data))
    assert b'ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" "message 1"' in text
    assert b'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit"' in text
    for macro, items in (("ALL", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"ENVELOPE"]),
                         ("FAST", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]),
                         ("FULL", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"ENVELOPE",
                                   b"BODY ("])):
        fetched = ok(imap.fetch("2", macro))
        text = fetched[0] if isinstance(fetched[0], bytes) else fetched[0][0]
        for item in items:
            assert item in text, (macro, item, text)


def test_fetch_body_sections(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    data = message(2)
    header, body = data.split(b"\r\n\r\n", 1)
    assert ok(imap.fetch("2", "(BODY.PEEK[])"))[0][1] == data
    assert ok(imap.fetch("2", "(BODY.PEEK[HEADER])"))[0][1] == header + b"\r\n\r\n"
    assert ok(imap.fetch("2", "(BODY.PEEK[TEXT])"))[0][1] == body
    assert ok(imap.fetch("2", "(BODY.PEEK[1])"))[0][1] == body
    fields = ok(imap.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))[0]
    assert b"BODY[HEADER.FIELDS (SUBJECT FROM)]" in fields[0]
    assert fields[1] == b"From: a@example.com\r\nSubject: message 2\r\n\r\n"
    fields = ok(imap.fetch("2", "(BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT FROM DATE MESSAGE-ID)])"))
    assert fields[0][1] == b"To: alice@example.test\r\n\r\n"
    partial = ok(imap.fetch("2", "(BODY.PEEK[]<5.10>)"))[0]
    assert b"BODY[]<5>" in partial[0] and partial[1] == data[5:15]
    assert ok(imap.fetch("2", "(RFC822.HEADER)"))[0][1] == header + b"\r\n\r\n"
    assert ok(imap.fetch("2", "(RFC822.TEXT)"))[0][1] == body
    assert ok(imap.fetch("2", "(BODY.PEEK[9])")) == [b'2 (BODY[9] "")']


def test_fetch_body_sets_seen_and_peek_does_not(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    imap.fetch("1", "(BODY.PEEK[])")
    assert b"\\Seen" not in ok(imap.fetch("1", "(FLAGS)"))[0]
    fetched = ok(imap.fetch("1", "(BODY[])"))
    assert b"\\Seen" in fetched[0][0] or b"\\Seen" in b"".join(
        x if isinstance(x, bytes) else x[0] for x in fetched)
    assert b"\\Seen" in ok(imap.fetch("1", "(FLAGS)"))[0]
    imap.fetch("2", "(RFC822)")
    assert b"\\Seen" in ok(imap.fetch("2", "(FLAGS)"))[0]
    examine = login(imap_port)
    examine.select("INBOX", readonly=True)
    examine.fetch("3", "(BODY[])")
    assert b"\\Seen" not in ok(examine.fetch("3", "(FLAGS)"))[0]


def test_fetch_lf_message_is_sent_with_crlf(cli, server, imap_port):
    cli.add_user(USER, PASSWORD)
    data = b"From: a@example.com\nSubject: lf\n\nline one\nline two\n"
    cli.deliver(USER, data)
    imap = login(imap_port)
    imap.select("INBOX")
    fetched = ok(imap.fetch("1", "(RFC822.SIZE BODY.PEEK[])"))
    assert fetched[0][1] == crlf(data)
    assert f"RFC822.SIZE {len(crlf(data))}".encode() in fetched[0][0]


def test_fetch_invalid_sequence_numbers(mailbox, imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    _, done = raw.command("FETCH 4 FLAGS")
    assert done.split()[1] == b"BAD", done
    _, done = raw.command("FETCH 1:4294967295 FLAGS")
    assert done.split()[1] == b"BAD", done
    untagged, done = raw.command("UID FETCH 1:4294967295 FLAGS")
    assert len(untagged) == 3 and done.split()[1] == b"OK", done
    untagged, done = raw.command("UID FETCH 100:* FLAGS")  # always the last message
    assert untagged == [b"* 3 FETCH (UID 3 FLAGS (\\Recent))\r\n"], untagged
    assert done.split()[1] == b"OK", done


def test_store_flags_and_keywords(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    data = ok(imap.store("1", "+FLAGS", "(\\Flagged $Important)"))
    assert b"\\Flagged" in data[0] and b"$Important" in data[0]
    data = ok(imap.store("1", "-FLAGS", "($Important)"))
    assert b"$Important" not in data[0]
    data = ok(imap.store("1:2", "FLAGS", "(\\Answered)"))
    assert len(data) == 2 and all(b"\\Answered" in d and b"\\Flagged" not in d for d in data)
    assert ok(imap.store("3", "+FLAGS.SILENT", "(\\Seen)")) == [None]
    assert b"\\Seen" in ok(imap.fetch("3", "(FLAGS)"))[0]
    for flag in ("(\\Recent)", "(\\Bogus)"):
        with pytest.raises(imaplib.IMAP4.error, match="Invalid system flag"):
            imap.store("1", "+FLAGS", flag)
    data = ok(imap.uid("STORE", "2", "+FLAGS", "(\\Seen)"))
    assert b"UID 2" in data[0]


def test_copy_and_move_with_copyuid(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    typ, data = imap.copy("1:2", "Archive")
    assert typ == "OK" and re.search(rb"\[COPYUID \d+ 1:2 1:2\]", data[0]), data
    typ, data = imap.copy("1", "Nope")
    assert typ == "NO" and b"TRYCREATE" in data[0]
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    untagged, done = raw.command("MOVE 2 Trash")
    assert untagged[0].startswith(b"* OK [COPYUID ") and untagged[1] == b"* 2 EXPUNGE\r\n"
    assert done.split()[1] == b"OK", done
    untagged, done = raw.command("UID MOVE 3 Trash")
    assert b"* 2 EXPUNGE\r\n" in untagged
    assert ok(imap.status("Trash", "(MESSAGES)")) == [b'"Trash" (MESSAGES 2)']
    assert ok(imap.status("Archive", "(MESSAGES)")) == [b'"Archive" (MESSAGES 2)']


def test_expunge_uid_expunge_and_close(mailbox, cli, imap_port):
    for n in range(4, 7):
        cli.deliver(USER, message(n))
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    raw.command("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    untagged, done = raw.command("EXPUNGE")
    assert untagged == [b"* 2 EXPUNGE\r\n", b"* 3 EXPUNGE\r\n"] and done.split()[1] == b"OK", done
    raw.command("STORE 1:* +FLAGS.SILENT (\\Deleted)")
    untagged, done = raw.command("UID EXPUNGE 1:3")
    assert untagged == [b"* 1 EXPUNGE\r\n", b"* 1 EXPUNGE\r\n"] and done.split()[1] == b"OK", done
    untagged, done = raw.command("CLOSE")
    assert untagged == [] and done.split()[1] == b"OK", done
    untagged, _ = raw.command("SELECT INBOX")
    assert b"* 0 EXISTS\r\n" in untagged


def test_unselect_keeps_deleted_messages(mailbox, imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    raw.command("STORE 1 +FLAGS.SILENT (\\Deleted)")
    _, done = raw.command("UNSELECT")
    assert done.split()[1] == b"OK", done
    untagged, _ = raw.command("SELECT INBOX")
    assert b"* 3 EXISTS\r\n" in untagged


def test_uid_commands(mailbox, imap_port):
    imap = login(imap_port)
    imap.select("INBOX")
    assert ok(imap.uid("SEARCH", "ALL")) == [b"1 2 3"]
    fetched = ok(imap.uid("FETCH", "2:3", "(FLAGS)"))
    assert fetched[0].startswith(b"2 (UID 2 FLAGS") and fetched[1].startswith(b"3 (UID 3")
    assert imap.uid("COPY", "3", "Archive")[0] == "OK"
    assert ok(imap.status("Archive", "(MESSAGES)")) == [b'"Archive" (MESSAGES 1)']


def test_search_keys(mailbox, cli, imap_port):
    cli.deliver(USER, message(4, subject="Caf\u00e9 menu".encode().decode(), sender="bob@x.org"))
    imap = login(imap_port)
    imap.select("INBOX")
    imap.store("1", "+FLAGS", "(\\Flagged $Work)")
    imap.store("2", "+FLAGS", "(\\Seen)")
    cases = {
        "ALL": b"1 2 3 4",
        "FLAGGED": b"1",
        "UNFLAGGED": b"2 3 4",
        "SEEN": b"2",
        "UNSEEN": b"1 3 4",
        "KEYWORD $Work": b"1",
        "UNKEYWORD $Work": b"2 3 4",
        "SUBJECT \"message 2\"": b"2",
        "FROM bob": b"4",
        "TO alice": b"1 2 3 4",
        "BODY \"of message 3\"": b"3",
        "TEXT \"message 1\"": b"1",
        "HEADER Message-ID m3": b"3",
        "LARGER 10": b"1 2 3 4",
        "SMALLER 10": b"",
        "SENTON 7-Feb-1994": b"1 2 3 4",
        "SENTBEFORE 1-Jan-1990": b"",
        "SINCE 1-Jan-2000": b"1 2 3 4",
        "BEFORE 1-Jan-2000": b"",
        "OR FLAGGED SEEN": b"1 2",
        "NOT SEEN": b"1 3 4",
        "(FLAGGED SUBJECT message)": b"1",
        "2:3": b"2 3",
        "UID 3:*": b"3 4",
        "1:* NOT 2": b"1 3 4",
    }
    for query, want in cases.items():
        assert ok(imap.search(None, query)) == [want], query
    typ, data = imap.search("UTF-8", "SUBJECT", '"Caf\u00e9"'.encode())
    assert typ == "OK" and data == [b"4"], data
    typ, data = imap._simple_command("SEARCH", "CHARSET", "ISO-8859-1", "SUBJECT", b'"Caf\xe9"')
    assert typ == "OK" and imap._untagged_response(typ, data, "SEARCH")[1] == [b"4"], data
    typ, data = imap._simple_command("SEARCH", "CHARSET", "X-NOPE", "ALL")
    assert typ == "NO" and b"BADCHARSET" in data[-1], data



def test_search_text_finds_body_part_mime_headers(mailbox, imap_port):
    """TEXT is "header or body of the message" (RFC 3501 6.4.4): a body
    part's own header lines are part of the message body, so TEXT finds them
    (as Dovecot does); BODY keeps to the parts' content."""
    multipart = crlf(b"""From: a@example.org
Subject: parts
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=zz

--zz
Content-Type: text/plain
X-Inner: innervalue

part text
--zz
Content-Type: message/rfc822

Subject: embedded
Content-Type: multipart/alternative; boundary=yy

--yy
Content-Type: text/plain
Content-Description: deepvalue

deep text
--yy--
--zz--
""")
    imap = login(imap_port)
    ok(imap.append("INBOX", None, None, multipart))
    imap.select("INBOX")
    cases = {
        "TEXT innervalue": b"4",
        "TEXT deepvalue": b"4",
        "TEXT embedded": b"4",
        "TEXT \"part text\"": b"4",
        "BODY innervalue": b"",
        "BODY deepvalue": b"",
        "BODY \"deep text\"": b"4",
    }
    for query, want in cases.items():
        assert ok(imap.search(None, query)) == [want], query

def test_check_and_noop_report_new_mail(mailbox, cli, imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    cli.deliver(USER, message(4))  # another process: seen on poll
    untagged, done = raw.command("CHECK")
    assert b"* 4 EXISTS\r\n" in untagged
    cli.deliver(USER, message(5))
    untagged, done = raw.command("NOOP")
    assert b"* 5 EXISTS\r\n" in untagged


def test_idle_gets_exists_soon_after_lmtp_delivery(mailbox, imap_port, lmtp_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    raw.send(b"i IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    start = time.monotonic()
    lmtp_deliver(lmtp_port, [crlf(message(10))])
    delivered = time.monotonic()
    line = raw.line()
    arrived = time.monotonic()
    assert line == b"* 4 EXISTS\r\n", line
    assert arrived - delivered < 0.1, (arrived - delivered, delivered - start)
    raw.send(b"DONE\r\n")
    untagged, done = raw.until("i")
    assert done.startswith(b"i OK"), done


def test_idle_sees_expunge_and_flags_from_another_session(mailbox, imap_port):
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    raw.send(b"i IDLE\r\n")
    assert raw.line().startswith(b"+ ")
    other = login(imap_port)
    other.select("INBOX")
    other.store("2", "+FLAGS", "(\\Flagged)")
    assert raw.line() == b"* 2 FETCH (FLAGS (\\Flagged \\Recent) UID 2)\r\n"
    other.store("1", "+FLAGS", "(\\Deleted)")
    raw.line()
    other.expunge()
    assert raw.line() == b"* 1 EXPUNGE\r\n"
    raw.send(b"DONE\r\n")
    _, done = raw.until("i")
    assert done.startswith(b"i OK")
    raw.send(b"j IDLE\r\n")
    raw.line()
    raw.send(b"NOTDONE\r\n")
    _, done = raw.until("j")
    assert done.startswith(b"j BAD")
