"""What a session tells its client about the selected mailbox, in order:
a keyword is announced by FLAGS before a FETCH shows it (RFC 3501 7.2.6,
7.1), a message's MODSEQ never goes back (RFC 7162 3.1.1), and the first
CONDSTORE enabling command with a mailbox selected gets HIGHESTMODSEQ
(RFC 7162 3.1). Two sessions, raw lines; test_imap_stress.py runs the same
checks under load."""

import re

import pytest

from imap_support import Raw, message

FETCH = re.compile(rb"^\* (\d+) FETCH \((.*)\)\r\n\Z", re.S)


def session(port, mailbox="INBOX", condstore=False):
    raw = Raw(port).login()
    if condstore:
        ok(raw, "ENABLE CONDSTORE")
    if mailbox:
        ok(raw, f"SELECT {mailbox}")
    return raw


def ok(raw, text):
    lines, done = raw.command(text)
    assert done.split()[1] == b"OK", (text, lines, done)
    return lines


def append(raw, flags, mailbox="INBOX", n=1):
    data = message(n)
    lines, done = raw.command(f"APPEND {mailbox} ({flags}) {{{len(data)}+}}\r\n".encode()
                              + data)
    assert done.split()[1] == b"OK", (lines, done)
    return lines


def keywords_of_flags(line):
    inner = line[line.index(b"(") + 1:line.rindex(b")")]
    return {f.lower() for f in inner.split() if not f.startswith(b"\\")}


def check_announced_first(lines, known=()):
    """Every keyword a FETCH shows was in a FLAGS line before it; returns
    the keywords announced by the FLAGS lines among `lines`."""
    keywords = {k.lower() for k in known}
    announced = set()
    for line in lines:
        if line.startswith(b"* FLAGS ("):
            keywords = keywords_of_flags(line)
            announced |= keywords
            continue
        m = FETCH.match(line)
        if not m:
            continue
        flags = re.search(rb"FLAGS \(([^)]*)\)", m.group(2))
        if flags:
            shown = {f.lower() for f in flags.group(1).split() if not f.startswith(b"\\")}
            assert shown <= keywords, (line, keywords, lines)
    return announced


def select_keywords(lines):
    return next(keywords_of_flags(line) for line in lines if line.startswith(b"* FLAGS ("))


def test_own_store_announces_a_new_keyword_before_the_fetch(account, imap_port):
    a = session(imap_port)
    append(a, "\\Seen")
    ok(a, "NOOP")
    lines = ok(a, "STORE 1 +FLAGS ($Fresh)")
    assert b"$fresh" in check_announced_first(lines)
    flags_at = next(i for i, line in enumerate(lines) if line.startswith(b"* FLAGS"))
    assert lines[flags_at + 1].startswith(b"* OK [PERMANENTFLAGS ("), lines
    assert b"$Fresh" in lines[flags_at + 1] and b"\\*" in lines[flags_at + 1], lines
    # Known now: not announced again.
    lines = ok(a, "STORE 1 -FLAGS ($Fresh)")
    lines += ok(a, "STORE 1 +FLAGS ($fresh)")
    assert not any(line.startswith(b"* FLAGS") for line in lines), lines


def test_another_sessions_keyword_is_announced_before_its_fetch(account, imap_port):
    a = session(imap_port)
    b = session(imap_port, mailbox=None)
    append(b, "")
    ok(a, "NOOP")
    ok(b, "SELECT INBOX")
    ok(b, "STORE 1 +FLAGS ($FromB)")
    lines = ok(a, "NOOP")
    assert b"$fromb" in check_announced_first(lines), lines
    # IDLE pushes the same way.
    ok(b, "STORE 1 +FLAGS ($Pushed)")
    a.send(b"i1 IDLE\r\n")
    assert a.line().startswith(b"+")
    pushed = []
    while not any(FETCH.match(line) for line in pushed):
        pushed.append(a.line())
    a.send(b"DONE\r\n")
    rest, done = a.until("i1")
    assert done.split()[1] == b"OK", done
    assert b"$pushed" in check_announced_first(pushed + rest, {"$FromB"}), pushed


def test_appended_keyword_is_announced_before_a_fetch_shows_it(account, imap_port):
    a = session(imap_port)
    b = session(imap_port, mailbox=None)
    # Own APPEND to the selected mailbox, then another session's.
    lines = append(a, "$MineNew \\Flagged")
    lines += ok(a, "FETCH 1:* (FLAGS)")
    assert b"$minenew" in check_announced_first(lines), lines
    append(b, "$TheirsNew", n=2)
    lines = ok(a, "NOOP")
    lines += ok(a, "FETCH 1:* (UID FLAGS)")
    assert b"$theirsnew" in check_announced_first(lines, {"$MineNew"}), lines


def test_condstore_fetch_of_flags_announces_keywords_first(account, imap_port):
    a = session(imap_port, condstore=True)
    b = session(imap_port, mailbox=None)
    append(b, "")
    ok(a, "NOOP")
    ok(b, "SELECT INBOX")
    ok(b, "STORE 1 +FLAGS ($ReadNow)")
    # The FETCH reads the message as it is now, before the journal row of
    # B's change reached this session.
    lines = ok(a, "FETCH 1 (FLAGS MODSEQ)")
    assert b"$readnow" in check_announced_first(lines), lines


def modseqs(lines):
    out = []
    for line in lines:
        m = FETCH.match(line)
        if m:
            modseq = re.search(rb"MODSEQ \((\d+)\)", m.group(2))
            uid = re.search(rb"UID (\d+)", m.group(2))
            if modseq:
                out.append((int(uid.group(1)) if uid else None, int(modseq.group(1))))
    return out


def assert_never_back(seen, lines):
    for uid, value in modseqs(lines):
        assert value >= seen.get(uid, 0), (uid, value, seen, lines)
        seen[uid] = value


@pytest.mark.parametrize("silent", [False, True])
def test_store_after_another_sessions_change_never_takes_modseq_back(account, imap_port, silent):
    a = session(imap_port, condstore=True)
    b = session(imap_port, mailbox=None)
    append(b, "")
    ok(a, "NOOP")
    ok(b, "SELECT INBOX")
    seen = {}
    # B's change reaches A's journal before A's own: A's answer to its
    # STORE is read after both, the rows come after it.
    ok(b, "STORE 1 +FLAGS ($B)")
    lines = ok(a, "STORE 1 +FLAGS" + (".SILENT" if silent else "") + " ($A)")
    assert_never_back(seen, lines)
    lines += ok(a, "NOOP")
    assert_never_back(seen, lines)
    fetched = ok(a, "FETCH 1 (UID FLAGS MODSEQ)")
    assert_never_back(seen, fetched)
    # The client's picture is the message as it is: with .SILENT it learns
    # of B's keyword from an untagged FETCH with the flags.
    final = b"".join(lines)
    assert b"$B" in final and b"$A" in fetched[-1], (lines, fetched)
    check_announced_first(lines)


def test_fetch_read_now_is_not_followed_by_older_rows(account, imap_port):
    a = session(imap_port, condstore=True)
    b = session(imap_port, mailbox=None)
    append(b, "")
    append(b, "", n=2)
    ok(a, "NOOP")
    ok(b, "SELECT INBOX")
    ok(b, "STORE 1 +FLAGS ($One)")
    ok(b, "STORE 2 +FLAGS \\Deleted")
    ok(b, "UID EXPUNGE 2")
    ok(b, "STORE 1 +FLAGS ($Two)")
    seen = {}
    # A's FETCH reads message 1 now; its sync may not say the expunge
    # (RFC 3501 7.4.1), so it stops before it, after the older row of 1.
    lines = ok(a, "FETCH 1 (UID FLAGS MODSEQ)")
    assert_never_back(seen, lines)
    lines = ok(a, "NOOP")
    assert_never_back(seen, lines)


ENABLING = [
    ("FETCH 1 (MODSEQ)", "FETCH"),
    ("FETCH 1 (FLAGS) (CHANGEDSINCE 1)", "FETCH"),
    ("STORE 1 (UNCHANGEDSINCE 1000) +FLAGS ($X)", "STORE"),
    ("SEARCH MODSEQ 1", "SEARCH"),
    ("ENABLE CONDSTORE", "ENABLE"),
    ("UID FETCH 1:* (MODSEQ)", "UID"),
]


@pytest.mark.parametrize("command,_", ENABLING)
def test_first_condstore_enabling_command_gets_highestmodseq(account, imap_port, command, _):
    a = session(imap_port, mailbox=None)
    append(a, "")
    append(a, "", n=2)
    lines = ok(a, "SELECT INBOX")
    highest = int(re.search(rb"HIGHESTMODSEQ (\d+)", b"".join(lines)).group(1))
    lines = ok(a, command)
    codes = [line for line in lines if line.startswith(b"* OK [HIGHESTMODSEQ ")]
    assert len(codes) == 1, lines
    assert int(re.search(rb"HIGHESTMODSEQ (\d+)", codes[0]).group(1)) >= highest
    # Only the first: CONDSTORE is on now.
    lines = ok(a, "FETCH 1 (MODSEQ)")
    assert not any(b"HIGHESTMODSEQ" in line for line in lines), lines


def test_enabling_command_without_a_mailbox_sends_no_highestmodseq(account, imap_port):
    a = session(imap_port, mailbox=None)
    lines = ok(a, "ENABLE CONDSTORE")
    assert not any(b"HIGHESTMODSEQ" in line for line in lines), lines
    lines = ok(a, "SELECT INBOX")
    assert sum(b"HIGHESTMODSEQ" in line for line in lines) == 1, lines


def test_flags_fetched_without_condstore_do_not_go_back(account, imap_port):
    a = session(imap_port)
    b = session(imap_port, mailbox=None)
    append(b, "")
    append(b, "", n=2)
    ok(a, "NOOP")
    ok(b, "SELECT INBOX")
    ok(b, "STORE 1 +FLAGS ($One)")
    ok(b, "STORE 2 +FLAGS \\Deleted")
    ok(b, "UID EXPUNGE 2")
    ok(b, "STORE 1 +FLAGS ($Two)")
    # FLAGS alone come from the SELECT cache, as they are now; the sync
    # after it stops before the expunge, after B's first change of 1.
    lines = ok(a, "FETCH 1 (FLAGS)")
    lines += ok(a, "NOOP")
    shown = [line for line in lines if line.startswith(b"* 1 FETCH")]
    assert shown and all(b"$Two" in line for line in shown), lines
