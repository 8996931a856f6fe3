"""CONDSTORE and QRESYNC (RFC 7162) over the wire: a client that keeps a
model of the mailbox, goes away while other sessions change it, and comes
back with SELECT (QRESYNC ...) must end with exactly what a fresh SELECT
shows; UNCHANGEDSINCE conflicts between two sessions; CHANGEDSINCE; SEARCH
MODSEQ; STATUS HIGHESTMODSEQ; VANISHED instead of EXPUNGE; the journal
window beyond which the answer is the full one; and bad input. imaplib
where it reads the answer, a raw client where the lines themselves matter
(imaplib does not parse VANISHED)."""

import random
import re

from eider_harness import Server
from imap_grammar import parse_fetch_response, parse_vanished_response
from imap_support import ADDRESS, PASSWORD, USER, Raw, login, message, ok, port_of


def flag_set(flags):
    return frozenset(f for f in flags if f.lower() != "\\recent")


class Client:
    """A QRESYNC client: a raw connection and the model of one mailbox it
    keeps (UIDVALIDITY, HIGHESTMODSEQ, UID -> flags)."""

    def __init__(self, port, mailbox="INBOX"):
        self.raw = Raw(port).login()
        self.mailbox = mailbox
        lines, done = self.raw.command("ENABLE QRESYNC")
        assert done.split()[1] == b"OK" and b"* ENABLED QRESYNC\r\n" in lines, (lines, done)
        self.uidvalidity = None
        self.modseq = None
        self.messages = {}

    def command(self, text):
        lines, done = self.raw.command(text)
        assert done.split()[1] == b"OK", (text, lines, done)
        return lines

    def full_sync(self):
        """SELECT, then every message's flags: the state a fresh client sees."""
        lines = self.command(f"SELECT {self.mailbox}")
        self._read_select(lines)
        self.messages = {}
        for uid, flags, _ in self._fetches(self.command("UID FETCH 1:* (FLAGS)")):
            self.messages[uid] = flags
        return self.state()

    def state(self):
        return (self.uidvalidity, self.modseq, dict(self.messages))

    def resync(self, state, known_uids=True, seq_match=None):
        """SELECT (QRESYNC ...) from an earlier state; applies the answer to
        that state's model and returns (vanished UIDs, changed UIDs)."""
        self.uidvalidity, self.modseq, messages = state
        self.messages = dict(messages)
        params = f"{self.uidvalidity} {self.modseq}"
        if known_uids and self.messages:
            params += " " + ",".join(map(str, sorted(self.messages)))
        if seq_match:
            params += " " + seq_match
        lines = self.command(f"SELECT {self.mailbox} (QRESYNC ({params}))")
        self._read_select(lines)
        vanished, changed, fetch_seen = set(), set(), False
        for line in lines:
            if line.startswith(b"* VANISHED"):
                earlier, ranges = parse_vanished_response(line)
                assert earlier, line
                assert not fetch_seen, "VANISHED (EARLIER) must come before FETCH"
                for first, last in ranges:
                    vanished.update(range(first, last + 1))
            elif b" FETCH " in line:
                fetch_seen = True
        for uid, flags, _ in self._fetches(lines):
            changed.add(uid)
            self.messages[uid] = flags
        for uid in vanished:
            self.messages.pop(uid, None)
        if known_uids and messages:
            # Changes are told only for the known UIDs (RFC 7162 3.2.5): new
            # mail is fetched as any client fetches it after EXISTS.
            for uid, flags, _ in self._fetches(
                    self.command(f"UID FETCH {max(messages) + 1}:* (FLAGS)")):
                self.messages[uid] = flags
        return vanished, changed

    def _read_select(self, lines):
        for line in lines:
            if m := re.match(rb"\* OK \[UIDVALIDITY (\d+)\]", line):
                self.uidvalidity = int(m.group(1))
            if m := re.match(rb"\* OK \[HIGHESTMODSEQ (\d+)\]", line):
                self.modseq = int(m.group(1))
            if m := re.match(rb"\* (\d+) EXISTS", line):
                self.exists = int(m.group(1))

    @staticmethod
    def _fetches(lines):
        out = []
        for line in lines:
            if re.match(rb"\* \d+ FETCH ", line):
                _, items = parse_fetch_response(line)
                out.append((items["UID"], flag_set(items["FLAGS"]), items.get("MODSEQ")))
        return out

    def close(self):
        self.raw.close()


def fresh_state(port, mailbox="INBOX"):
    client = Client(port, mailbox)
    try:
        return client.full_sync()
    finally:
        client.close()


def expunge(imap, uids):
    """Another session's expunge of `uids` (a UID set) in its selected mailbox."""
    ok(imap.uid("STORE", uids, "+FLAGS", "(\\Deleted)"))
    ok(imap.expunge())


def deliver(account, count, mailbox=None):
    return [account.deliver(USER, message(n), mailbox=mailbox) for n in range(count)]


# --- the round trip of issue 5 ----------------------------------------------


def test_capabilities_and_enable(account, imap_port):
    raw = Raw(imap_port)
    assert b"CONDSTORE" in raw.greeting.split() and b"QRESYNC" in raw.greeting.split()
    raw.login()
    lines, done = raw.command("ENABLE CONDSTORE QRESYNC X-UNKNOWN")
    assert lines == [b"* ENABLED CONDSTORE QRESYNC\r\n"] and done.split()[1] == b"OK", done


def test_client_comes_back_and_gets_exactly_what_changed(account, imap_port):
    deliver(account, 10)
    client = Client(imap_port)
    before = client.full_sync()
    assert before[1] > 0
    client.close()

    other = login(imap_port)
    ok(other.select("INBOX"))
    ok(other.uid("STORE", "2,5", "+FLAGS", "(\\Flagged)"))
    ok(other.uid("STORE", "7", "+FLAGS", "($Label1 \\Seen)"))
    expunge(other, "3,4,9")
    other.logout()
    new_uid = account.deliver(USER, message(11))

    client = Client(imap_port)
    vanished, changed = client.resync(before)
    assert vanished == {3, 4, 9}
    assert changed == {2, 5, 7}
    assert new_uid in client.messages
    assert client.messages[7] == {"$Label1", "\\Seen"}
    assert client.exists == len(client.messages)
    client.close()
    assert client.state()[2] == fresh_state(imap_port)[2]


def test_unchanged_mailbox_answers_nothing_more(account, imap_port):
    deliver(account, 3)
    client = Client(imap_port)
    state = client.full_sync()
    vanished, changed = client.resync(state)
    assert vanished == set() and changed == set()
    client.close()


def test_other_uidvalidity_gets_no_resync_data(account, imap_port):
    deliver(account, 3)
    client = Client(imap_port)
    validity, modseq, messages = client.full_sync()
    vanished, changed = client.resync((validity + 1, 1, messages))
    assert vanished == set() and changed == set()
    client.close()


def test_vanished_is_limited_to_the_known_uids(account, imap_port):
    deliver(account, 6)
    client = Client(imap_port)
    validity, modseq, messages = client.full_sync()
    other = login(imap_port)
    ok(other.select("INBOX"))
    expunge(other, "2,5")
    ok(other.uid("STORE", "1,6", "+FLAGS", "(\\Seen)"))
    # The client knows only 1:3 (a partial cache).
    assert set(messages) == set(range(1, 7))
    lines = client.command(f"SELECT INBOX (QRESYNC ({validity} {modseq} 1:3))")
    assert b"* VANISHED (EARLIER) 2\r\n" in lines
    fetched = [parse_fetch_response(line)[1]["UID"] for line in lines if b" FETCH " in line]
    assert fetched == [1]
    client.close()


def test_seq_match_data_narrows_vanished(account, imap_port):
    deliver(account, 5)
    client = Client(imap_port)
    state = client.full_sync()
    other = login(imap_port)
    ok(other.select("INBOX"))
    expunge(other, "2,4")
    # Without seq-match data both expunges are told.
    vanished, _ = client.resync(state)
    assert vanished == {2, 4}
    # The client's sequence number 2 is UID 3, as on the server: it has
    # already seen UID 2 go, so only the expunge above UID 3 is told.
    vanished, _ = client.resync(state, seq_match="(2 3)")
    assert vanished == {4}
    # A pair the server does not share (its message 2 is UID 3) narrows nothing.
    vanished, _ = client.resync(state, seq_match="(2 2)")
    assert vanished == {2, 4}
    client.close()


# --- CONDSTORE commands -------------------------------------------------------


def modseq_of(imap, uid):
    data = ok(imap.uid("FETCH", str(uid), "(MODSEQ)"))
    return int(re.search(rb"MODSEQ \((\d+)\)", data[0]).group(1))


def test_unchangedsince_conflict_between_two_sessions(account, imap_port):
    deliver(account, 3)
    a, b = login(imap_port), login(imap_port)
    ok(a.select("INBOX"))
    ok(b.select("INBOX"))
    # Both sessions have seen the mailbox up to its last message's modseq.
    seen_by_both = modseq_of(a, 3)
    assert modseq_of(b, 3) == seen_by_both
    typ, data = a.uid("STORE", "2", f"(UNCHANGEDSINCE {seen_by_both}) +FLAGS", "(\\Answered)")
    assert typ == "OK", data
    assert re.search(rb"UID 2 MODSEQ \((\d+)\)", data[0]), data
    # b's view of message 2 is now stale: its conditional STORE fails for it
    # and succeeds for message 3.
    typ, data = b.uid("STORE", "2:3", f"(UNCHANGEDSINCE {seen_by_both}) +FLAGS", "(\\Flagged)")
    assert typ == "OK", data
    # imaplib files the tagged reply's [MODIFIED 2] under its code.
    assert b.response("MODIFIED")[1] == [b"2"]
    flags = ok(a.uid("FETCH", "2:3", "(FLAGS)"))
    assert b"\\Flagged" not in flags[0] and b"\\Answered" in flags[0]
    assert b"\\Flagged" in flags[1]


def test_unchangedsince_reply_code_and_silent(account, imap_port):
    deliver(account, 3)
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX")
    lines, done = raw.command("STORE 1:3 (UNCHANGEDSINCE 0) +FLAGS (\\Seen)")
    assert done.endswith(b"OK [MODIFIED 1:3] Conditional STORE failed\r\n"), done
    # No FETCH: only the HIGHESTMODSEQ of the command that turned CONDSTORE on.
    assert len(lines) == 1 and lines[0].startswith(b"* OK [HIGHESTMODSEQ "), lines
    lines, done = raw.command("UID FETCH 2 (MODSEQ)")
    modseq = int(re.search(rb"MODSEQ \((\d+)\)", lines[0]).group(1))
    lines, done = raw.command(f"STORE 2 (UNCHANGEDSINCE {modseq}) +FLAGS.SILENT (\\Seen)")
    assert done.split()[1] == b"OK" and b"MODIFIED" not in done
    # .SILENT with CONDSTORE still tells the new MODSEQ, without FLAGS.
    assert len(lines) == 1 and re.fullmatch(rb"\* 2 FETCH \(UID 2 MODSEQ \(\d+\)\)\r\n", lines[0])


def test_changedsince_returns_only_changed_messages(account, imap_port):
    deliver(account, 6)
    imap = login(imap_port)
    ok(imap.select("INBOX"))
    mark = modseq_of(imap, 6)
    ok(imap.uid("STORE", "2,4", "+FLAGS", "(\\Seen)"))
    data = ok(imap.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE %d)" % mark))
    uids = [int(re.search(rb"UID (\d+)", d).group(1)) for d in data if d]
    assert uids == [2, 4]
    assert all(b"MODSEQ (" in d for d in data)
    data = ok(imap.fetch("1:*", "(UID) (CHANGEDSINCE 0)"))
    assert len(data) == 6


def test_uid_fetch_vanished(account, imap_port):
    deliver(account, 6)
    client = Client(imap_port)
    _, modseq, _ = client.full_sync()
    other = login(imap_port)
    ok(other.select("INBOX"))
    expunge(other, "3,4")
    ok(other.uid("STORE", "5", "+FLAGS", "(\\Seen)"))
    client.command("NOOP")  # told as VANISHED (not EARLIER) here
    lines = client.command(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
    assert lines[0] == b"* VANISHED (EARLIER) 3:4\r\n"
    assert [parse_fetch_response(line)[1]["UID"] for line in lines[1:]] == [5]
    client.close()


def test_search_modseq(account, imap_port):
    deliver(account, 5)
    imap = login(imap_port)
    ok(imap.select("INBOX"))
    mark = modseq_of(imap, 5)
    ok(imap.uid("STORE", "2", "+FLAGS", "(\\Seen)"))
    ok(imap.uid("STORE", "4", "+FLAGS", "(\\Flagged)"))
    top = modseq_of(imap, 4)
    data = ok(imap.uid("SEARCH", "MODSEQ", str(mark + 1)))
    assert data == [b"2 4 (MODSEQ %d)" % top]
    data = ok(imap.uid("SEARCH", "MODSEQ", '"/flags/\\\\seen"', "all", str(mark + 1)))
    assert data == [b"2 4 (MODSEQ %d)" % top]
    assert ok(imap.uid("SEARCH", "MODSEQ", str(top + 1))) == [b""]
    # Without a MODSEQ key the answer has no MODSEQ.
    assert ok(imap.uid("SEARCH", "SEEN")) == [b"2"]
    typ, _ = imap.uid("SEARCH", "RETURN", "(MIN)", "MODSEQ", str(mark + 1))
    assert typ == "OK"
    assert imap.response("ESEARCH")[1][0].endswith(b"UID MIN 2 MODSEQ %d" % modseq_of(imap, 2))


def test_status_and_select_highestmodseq(account, imap_port):
    deliver(account, 2)
    imap = login(imap_port)
    before = int(re.search(rb"HIGHESTMODSEQ (\d+)",
                           ok(imap.status("INBOX", "(HIGHESTMODSEQ)"))[0]).group(1))
    raw = Raw(imap_port).login()
    lines, _ = raw.command("SELECT INBOX (CONDSTORE)")
    assert b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % before in lines
    raw.command("STORE 1 +FLAGS (\\Seen)")
    after = int(re.search(rb"HIGHESTMODSEQ (\d+)",
                          ok(imap.status("INBOX", "(HIGHESTMODSEQ)"))[0]).group(1))
    assert after == before + 1


def test_flag_changes_of_others_carry_modseq_once_condstore_is_on(account, imap_port):
    deliver(account, 2)
    raw = Raw(imap_port).login()
    raw.command("SELECT INBOX (CONDSTORE)")
    other = login(imap_port)
    ok(other.select("INBOX"))
    ok(other.uid("STORE", "2", "+FLAGS", "(\\Seen)"))
    lines, _ = raw.command("NOOP")
    assert len(lines) == 1 and re.fullmatch(
        rb"\* 2 FETCH \(FLAGS \(\\Seen \\Recent\) UID 2 MODSEQ \(\d+\)\)\r\n", lines[0]), lines


def test_vanished_instead_of_expunge(account, imap_port):
    deliver(account, 5)
    plain = Raw(imap_port).login()
    plain.command("SELECT INBOX")
    client = Client(imap_port)
    client.full_sync()
    lines = client.command("UID STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    lines = client.command("EXPUNGE")
    assert lines[0] == b"* VANISHED 2,4\r\n", lines
    assert re.fullmatch(rb"\* OK \[HIGHESTMODSEQ \d+\] Highest\r\n", lines[1]), lines
    lines = client.command("UID EXPUNGE 1:*")
    assert not any(b"VANISHED" in line for line in lines)
    # Another client's expunge: still VANISHED for the QRESYNC client, and
    # EXPUNGE for the plain one.
    other = login(imap_port)
    ok(other.select("INBOX"))
    expunge(other, "5")
    assert client.command("NOOP")[0] == b"* VANISHED 5\r\n"
    lines, _ = plain.command("NOOP")
    assert lines[:3] == [b"* 2 EXPUNGE\r\n", b"* 3 EXPUNGE\r\n", b"* 3 EXPUNGE\r\n"], lines


def test_closed_when_a_select_replaces_a_mailbox(account, imap_port):
    client = Client(imap_port)
    client.command("SELECT INBOX")
    lines = client.command("EXAMINE Sent")
    assert lines[0] == b"* OK [CLOSED] Previous mailbox closed\r\n"
    plain = Raw(imap_port).login()
    plain.command("SELECT INBOX")
    lines, _ = plain.command("SELECT Sent")
    assert not any(b"CLOSED" in line for line in lines)


# --- the journal window -------------------------------------------------------


def test_beyond_the_journal_window_the_answer_is_the_full_one(eider_bin, cli, data_dir, tmp_path,
                                                               listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    args = ["--data", data_dir, *listener_args, "--journal-days", "0"]
    port = port_of(listener_args, "imap")
    srv = Server(eider_bin, args, cwd=tmp_path)
    assert srv.start()
    try:
        deliver(cli, 8)
        other = login(port)
        ok(other.select("INBOX"))
        expunge(other, "1")  # known to the client already
        client = Client(port)
        state = client.full_sync()
        client.close()
        expunge(other, "3,6")
        ok(other.uid("STORE", "4", "+FLAGS", "(\\Seen)"))
        other.logout()
    finally:
        assert srv.stop() == 0
    # The restart trims every row: the journal no longer reaches the state.
    srv = Server(eider_bin, args, cwd=tmp_path)
    assert srv.start()
    try:
        client = Client(port)
        vanished, changed = client.resync(state, known_uids=False)
        # Every UID up to the last that is gone, 1 included: more than the
        # exact answer, never a present message.
        assert vanished == {1, 3, 6}
        assert changed == {4}
        assert client.state()[2] == fresh_state(port)[2]
        # Known UIDs bound it, and seq-match data narrows it: the client's
        # sequence number 1 is UID 2 on both sides, so nothing below 2 is told.
        vanished, _ = client.resync(state, seq_match="(1 2)")
        assert vanished == {3, 6}
        client.close()
    finally:
        assert srv.stop() == 0


# --- bad input ----------------------------------------------------------------


def test_bad_input_is_refused_and_the_connection_goes_on(account, imap_port):
    deliver(account, 2)
    raw = Raw(imap_port).login()
    _, done = raw.command("SELECT INBOX (QRESYNC (1 2))")
    assert done.split()[1] == b"BAD", done  # before ENABLE QRESYNC
    raw.command("ENABLE QRESYNC")
    for text in ("SELECT INBOX (QRESYNC (abc))", "SELECT INBOX (QRESYNC (1))",
                 "SELECT INBOX (QRESYNC (0 5))", "SELECT INBOX (QRESYNC (1 5 1:x))",
                 "SELECT INBOX (QRESYNC 1 5)", "SELECT INBOX (QRESYNC (1 5 1:2 (1)))",
                 "SELECT INBOX (QRESYNC (1 99999999999999999999))"):
        _, done = raw.command(text)
        assert done.split()[1] == b"BAD", (text, done)
    _, done = raw.command("SELECT INBOX")
    assert done.split()[1] == b"OK", done
    for text in ("FETCH 1 (FLAGS) (CHANGEDSINCE)", "FETCH 1 (FLAGS) (CHANGEDSINCE abc)",
                 "UID FETCH 1 (FLAGS) (VANISHED)", "FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)",
                 "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)", "STORE 1 (UNCHANGEDSINCE) +FLAGS (x)",
                 "STORE 1 (UNCHANGEDSINCE -1) +FLAGS (x)", "SEARCH MODSEQ", "SEARCH MODSEQ abc",
                 'SEARCH MODSEQ "/flags/\\\\seen" bogus 5'):
        _, done = raw.command(text)
        assert done.split()[1] == b"BAD", (text, done)
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done
    # VANISHED needs QRESYNC enabled on the connection.
    plain = Raw(imap_port).login()
    plain.command("SELECT INBOX")
    _, done = plain.command("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
    assert done.split()[1] == b"BAD", done
    _, done = plain.command("NOOP")
    assert done.split()[1] == b"OK", done


# --- randomized ---------------------------------------------------------------


def test_random_sessions_then_qresync_equals_a_fresh_select(account, imap_port):
    rng = random.Random(7162)
    deliver(account, 12)
    ok(login(imap_port).create("Other"))
    sessions = [login(imap_port) for _ in range(3)]
    for s in sessions:
        ok(s.select("INBOX"))
    states = [fresh_state(imap_port)]
    flags = ["\\Seen", "\\Flagged", "\\Answered", "$Work", "$Later"]
    for step in range(120):
        s = rng.choice(sessions)
        ok(s.noop())
        uids = [int(x) for x in ok(s.uid("SEARCH", "ALL"))[0].split()]
        op = rng.random()
        if uids and op < 0.5:
            pick = ",".join(map(str, rng.sample(uids, rng.randint(1, min(4, len(uids))))))
            ok(s.uid("STORE", pick, rng.choice(["+FLAGS", "-FLAGS", "FLAGS"]),
                     "(%s)" % " ".join(rng.sample(flags, rng.randint(1, 2)))))
        elif uids and op < 0.65:
            pick = ",".join(map(str, rng.sample(uids, rng.randint(1, min(3, len(uids))))))
            ok(s.uid("STORE", pick, "+FLAGS", "(\\Deleted)"))
            ok(s.uid("EXPUNGE", pick))
        elif uids and op < 0.75:
            ok(s.uid("MOVE", str(rng.choice(uids)), "Other"))
        elif op < 0.85:
            ok(s.append("INBOX", "(\\Seen)" if rng.random() < 0.5 else None, None,
                        message(100 + step)))
        else:
            other = login(imap_port)
            ok(other.select("Other"))
            moved = ok(other.uid("SEARCH", "ALL"))[0].split()
            if moved:
                ok(other.uid("MOVE", moved[0].decode(), "INBOX"))
            other.logout()
        if rng.random() < 0.15:
            states.append(fresh_state(imap_port))
    for s in sessions:
        s.logout()
    now = fresh_state(imap_port)
    client = Client(imap_port)
    for state in rng.sample(states, min(6, len(states))):
        known = rng.random() < 0.5
        vanished, changed = client.resync(state, known_uids=known)
        assert client.state()[2] == now[2], (state[1], vanished, changed)
        if known and state[2]:
            assert set(vanished) <= set(state[2])
    client.close()
