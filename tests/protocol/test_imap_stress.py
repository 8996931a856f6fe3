"""Concurrent IMAP sessions on shared mailboxes, every untagged response
checked against the model each session keeps (RFC 3501 7, RFC 7162 3.1):

- a keyword is announced by FLAGS before any FETCH shows it;
- a message's MODSEQ, as one session sees it, never goes down, nor does
  HIGHESTMODSEQ within a selection;
- sequence numbers never drift: EXISTS never shrinks the mailbox, EXPUNGE
  names a message the session has, a FETCH's UID is the one the session
  holds at that number, and no EXPUNGE comes during FETCH, STORE or SEARCH;
- once CONDSTORE is on (in all but every fourth session), a FETCH the session did not ask for carries UID and
  MODSEQ;
- \\Recent is shown for a message in one session at most (RFC 3501 2.3.2);
- no BAD, and NO only where another session's expunge explains it;
- at the end, after a NOOP, each session's model (UIDs, flags, MODSEQ)
  agrees with a fresh SELECT.

Sessions store flags and keywords (new ones too: $Label1..$Label9 and a
few made up on the way), .SILENT or not, with and without UNCHANGEDSINCE,
fetch, search, expunge, append, idle and switch mailboxes. Runs for
EIDER_STRESS_SECONDS (default 25) with EIDER_STRESS_SESSIONS sessions
(default 8); set them higher to soak."""

import os
import random
import re
import select
import socket
import threading
import time

from imap_support import PASSWORD, USER, message

SECONDS = float(os.environ.get("EIDER_STRESS_SECONDS", "25"))
SESSIONS = int(os.environ.get("EIDER_STRESS_SESSIONS", "8"))
MAILBOXES = ["INBOX", "Shared"]
SYSTEM = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"]
LABELS = [f"$Label{i}" for i in range(1, 10)]
TIMEOUT = 60
MAX_FAILURES = 20

FETCH_LINE = re.compile(rb"^\* (\d+) FETCH \((.*)\)\r\n\Z", re.S)
UID_ITEM = re.compile(rb"\bUID (\d+)")
MODSEQ_ITEM = re.compile(rb"\bMODSEQ \((\d+)\)")
FLAGS_ITEM = re.compile(rb"\bFLAGS \(([^)]*)\)")
LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n\Z")


def flag_set(text):
    """Flags of a FLAGS item, lower-cased (they compare without case), without \\Recent."""
    return frozenset(f.lower() for f in text.decode().split() if f.lower() != "\\recent")


class Fault(AssertionError):
    pass


class Session:
    """One connection and its model of the selected mailbox."""

    def __init__(self, port, name, faults, recent=None):
        self.name = name
        self.faults = faults
        self.recent = {} if recent is None else recent  # (mailbox, uid) -> session, shared
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buffer = b""
        self.history = []  # the last lines exchanged, for fault reports
        self.tags = 0
        self.read_line()
        self.condstore = False
        self.plain = False  # never turns CONDSTORE on
        self.mailbox = None
        self.reset_model()
        done = self.command(f"LOGIN {USER} {PASSWORD}")
        self.expect_ok(done)

    # --- wire ---

    def receive(self, wait=None):
        """Reads what the server sent; False when `wait` seconds passed first."""
        if wait is not None and not select.select([self.sock], [], [], wait)[0]:
            return False
        data = self.sock.recv(65536)
        if not data:
            raise EOFError(f"{self.name}: connection closed")
        self.buffer += data
        return True

    def read_line(self, wait=None):
        """One response with the literals it carries; None when `wait`
        seconds passed without a whole one."""
        deadline = None if wait is None else time.monotonic() + wait
        end = 0
        while True:
            newline = self.buffer.find(b"\r\n", end)
            if newline >= 0:
                end = newline + 2
                m = LITERAL_AT_END.search(self.buffer[:end])
                if not m:
                    data, self.buffer = self.buffer[:end], self.buffer[end:]
                    self.note(b"S: " + data[:300])
                    return data
                end += int(m.group(1))
                if len(self.buffer) >= end:
                    continue
                end = newline + 2 - len(m.group(0))  # search again once the literal came
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and (left <= 0 or not self.receive(left)):
                return None
            if left is None:
                self.receive()

    def note(self, line):
        self.history.append(line)
        if len(self.history) > 40:
            del self.history[:10]

    def send(self, data):
        self.note(b"C: " + data[:300])
        self.sock.sendall(data)

    def fault(self, text):
        context = b"".join(self.history[-25:]).decode(errors="replace")
        self.faults.append(f"{self.name}: {text}\n--- last lines ---\n{context}")
        raise Fault(text)

    def command(self, text, kind=None, silent_store=None, target=None):
        """Sends a command, checks each response against the model; returns
        the tagged line. `kind` says which responses the command allows
        (see check()). `silent_store` computes the flags a STORE .SILENT
        gives a message of `target` (a UID or sequence set)."""
        self.tags += 1
        tag = f"s{self.tags}".encode()
        self.send(tag + b" " + text.encode() + b"\r\n")
        if silent_store and not self.condstore:
            # No answer names the messages changed: the client computes them
            # now, and what the server says after corrects it.
            for uid in self.targets(target, kind == "UID"):
                if uid in self.flags:
                    self.flags[uid] = silent_store(self.flags[uid])
            silent_store = None
        return self.until(tag, kind or text.split()[0].upper(), silent_store)

    def targets(self, target, by_uid):
        """The known UIDs a set of the session names."""
        out = []
        for part in target.split(","):
            first, _, last = part.partition(":")
            first, last = int(first), int(last or first)
            if by_uid:
                out += [u for u in self.uids if u is not None and first <= u <= last]
            else:
                out += [u for u in self.uids[first - 1:last] if u is not None]
        return out

    def until(self, tag, kind, silent_store=None):
        while True:
            line = self.read_line()
            if line.startswith(tag + b" "):
                if line.split()[1] == b"BAD":
                    self.fault(f"BAD answer: {line!r}")
                return line
            if line.startswith(b"+"):
                continue
            self.check(line, kind, silent_store)

    def expect_ok(self, done, allow_no=()):
        status = done.split()[1]
        if status == b"OK":
            return True
        if status == b"NO" and any(code in done for code in allow_no):
            return False
        self.fault(f"unexpected answer {done!r}")

    # --- the model ---

    def reset_model(self):
        self.uids = []  # by sequence number - 1; None until a FETCH tells the UID
        self.keywords = set()  # lower-cased keywords of the last FLAGS
        self.modseqs = {}  # uid -> highest MODSEQ seen
        self.flags = {}  # uid -> flags (lower-cased), as last told
        self.highest = 0

    def known_uid(self, uid, seq):
        """The UID at `seq` is `uid`: it must fit between its neighbours."""
        index = seq - 1
        current = self.uids[index]
        if current is not None:
            if current != uid:
                self.fault(f"FETCH {seq} says UID {uid}, the session holds UID {current} there")
            return
        before = next((u for u in reversed(self.uids[:index]) if u is not None), 0)
        after = next((u for u in self.uids[index + 1:] if u is not None), None)
        if uid <= before or (after is not None and uid >= after):
            self.fault(f"UID {uid} at {seq} is out of order ({before} before, {after} after)")
        self.uids[index] = uid

    def check(self, line, kind, silent_store):
        if line.startswith(b"* FLAGS ("):
            inner = line[len(b"* FLAGS ("):line.rindex(b")")]
            self.keywords = {f for f in flag_set(inner) if not f.startswith("\\")}
            return
        m = FETCH_LINE.match(line)
        if m:
            return self.check_fetch(int(m.group(1)), m.group(2), kind, silent_store)
        words = line.split()
        if len(words) >= 3 and words[2] == b"EXPUNGE":
            seq = int(words[1])
            if kind in ("FETCH", "STORE", "SEARCH"):
                self.fault(f"EXPUNGE during {kind}")
            if not 1 <= seq <= len(self.uids):
                self.fault(f"EXPUNGE {seq} of {len(self.uids)} messages")
            gone = self.uids.pop(seq - 1)
            self.flags.pop(gone, None)
            return
        if len(words) >= 3 and words[2] == b"EXISTS":
            exists = int(words[1])
            if exists < len(self.uids):
                self.fault(f"EXISTS {exists} with {len(self.uids)} messages and no EXPUNGE")
            self.uids += [None] * (exists - len(self.uids))
            return
        if len(words) >= 3 and words[2] == b"RECENT":
            if int(words[1]) > len(self.uids):
                self.fault(f"RECENT {words[1]} above EXISTS {len(self.uids)}")
            return
        m = re.match(rb"\* OK \[HIGHESTMODSEQ (\d+)\]", line)
        if m:
            value = int(m.group(1))
            if value < self.highest:
                self.fault(f"HIGHESTMODSEQ {value} after {self.highest}")
            self.highest = value
            return
        if line.startswith(b"* VANISHED"):
            self.fault("VANISHED without QRESYNC")

    def check_fetch(self, seq, items, kind, silent_store):
        if not 1 <= seq <= len(self.uids):
            self.fault(f"FETCH {seq} of {len(self.uids)} messages")
        m = UID_ITEM.search(items)
        uid = int(m.group(1)) if m else self.uids[seq - 1]
        if m:
            self.known_uid(uid, seq)
        modseq = MODSEQ_ITEM.search(items)
        flags = FLAGS_ITEM.search(items)
        if self.condstore and kind != "FETCH" and (not m or not modseq):
            self.fault("a FETCH the client did not ask for lacks UID or MODSEQ under CONDSTORE")
        if flags:
            if uid is not None and b"\\recent" in flags.group(1).lower():
                holder = self.recent.setdefault((self.mailbox, uid), self.name)
                if holder != self.name:
                    self.fault(f"UID {uid} is \\Recent here and in {holder}")
            told = flag_set(flags.group(1))
            unknown = {f for f in told if not f.startswith("\\")} - self.keywords
            if unknown:
                self.fault(f"keywords {sorted(unknown)} shown before FLAGS announced them")
            if uid is not None:
                self.flags[uid] = told
        elif silent_store and uid is not None and uid in self.flags:
            # STORE .SILENT under CONDSTORE: UID and MODSEQ of a change this
            # session made; its flags are what the client computes.
            self.flags[uid] = silent_store(self.flags[uid])
        if modseq and uid is not None:
            value = int(modseq.group(1))
            if value < self.modseqs.get(uid, 0):
                self.fault(f"UID {uid} MODSEQ {value} after {self.modseqs[uid]}")
            self.modseqs[uid] = value

    # --- commands ---

    def select(self, mailbox):
        self.reset_model()
        self.mailbox = mailbox
        self.expect_ok(self.command(f"SELECT {mailbox}"))
        self.command("NOOP")

    def seq_set(self, rng):
        count = len(self.uids)
        first = rng.randint(1, count)
        last = min(count, first + rng.choice([0, 0, 1, 3, 10]))
        return f"{first}:{last}" if last > first else str(first)

    def uid_set(self, rng):
        known = [u for u in self.uids if u is not None]
        if not known:
            return None
        picked = sorted(set(rng.sample(known, min(len(known), rng.choice([1, 1, 2, 5])))))
        return ",".join(map(str, picked))

    def random_flags(self, rng):
        pool = SYSTEM + LABELS + ["\\Deleted"] * 1
        flags = rng.sample(pool, rng.choice([1, 1, 2, 3]))
        if rng.random() < 0.03:
            # A keyword no session used before.
            flags.append(f"$New{rng.randrange(10**6)}")
        return flags

    def store(self, rng):
        flags = self.random_flags(rng)
        mode = rng.choice(["+FLAGS", "+FLAGS", "-FLAGS", "FLAGS"])
        silent = rng.random() < 0.35
        by_uid = rng.random() < 0.4
        target = self.uid_set(rng) if by_uid else self.seq_set(rng)
        if target is None:
            return
        modifier = ""
        if not silent and not self.plain and rng.random() < 0.15:
            since = max(self.modseqs.values(), default=1)
            modifier = f" (UNCHANGEDSINCE {rng.randint(max(1, since - 5), since + 5)})"
        lowered = frozenset(f.lower() for f in flags)

        def computed(current):
            if mode == "+FLAGS":
                return current | lowered
            if mode == "-FLAGS":
                return current - lowered
            return lowered

        item = mode + (".SILENT" if silent else "")
        verb = "UID STORE" if by_uid else "STORE"
        text = f"{verb} {target}{modifier} {item} ({' '.join(flags)})"
        done = self.command(text, "UID" if by_uid else "STORE", computed if silent else None,
                            target)
        self.expect_ok(done)

    def fetch(self, rng):
        items = rng.choice(["(FLAGS)", "(FLAGS MODSEQ)", "(MODSEQ)", "(UID FLAGS)",
                            "(FLAGS INTERNALDATE)", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])",
                            "(BODY[TEXT])"])
        if self.plain and "MODSEQ" in items:
            items = "(UID FLAGS)"
        if rng.random() < 0.4:
            target = self.uid_set(rng) if rng.random() < 0.5 else "1:*"
            if target is None:
                return
            done = self.command(f"UID FETCH {target} {items}", "UID")
            self.expect_ok(done)
        else:
            done = self.command(f"FETCH {self.seq_set(rng)} {items}", "FETCH")
            self.expect_ok(done, allow_no=(b"[EXPUNGEISSUED]",))

    def append(self, rng, mailbox):
        flags = self.random_flags(rng)
        flags = [f for f in flags if f != "\\Deleted"]
        data = message(rng.randrange(10**6), subject=f"stress {self.name}")
        self.tags += 1
        tag = f"s{self.tags}".encode()
        self.send(tag + f" APPEND {mailbox} ({' '.join(flags)}) {{{len(data)}+}}\r\n".encode()
                  + data + b"\r\n")
        self.expect_ok(self.until(tag, "APPEND"))

    def expunge(self, rng):
        if rng.random() < 0.5:
            target = self.uid_set(rng)
            if target is None:
                return
            self.expect_ok(self.command(f"UID STORE {target} +FLAGS.SILENT (\\Deleted)", "UID",
                                        lambda current: current | {"\\deleted"}, target))
            self.expect_ok(self.command(f"UID EXPUNGE {target}", "UID"))
        else:
            self.expect_ok(self.command("EXPUNGE"))

    def search(self, rng):
        key = rng.choice([f"KEYWORD {rng.choice(LABELS)}", "UNSEEN", "DELETED",
                          f"MODSEQ {max(1, self.highest - 3)}", "ALL"])
        if self.plain and key.startswith("MODSEQ"):
            key = "ALL"
        by_uid = rng.random() < 0.5
        self.expect_ok(self.command(("UID SEARCH " if by_uid else "SEARCH ") + key,
                                    "UID" if by_uid else "SEARCH"))

    def idle(self, rng):
        self.tags += 1
        tag = f"s{self.tags}".encode()
        self.send(tag + b" IDLE\r\n")
        line = self.read_line()
        if not line.startswith(b"+"):
            self.fault(f"IDLE answered {line!r}")
        deadline = time.monotonic() + rng.uniform(0.05, 0.3)
        while (left := deadline - time.monotonic()) > 0:
            line = self.read_line(left)
            if line is not None:
                self.check(line, "IDLE", None)
        self.send(b"DONE\r\n")
        self.expect_ok(self.until(tag, "IDLE"))

    def step(self, rng):
        if self.mailbox is None or rng.random() < 0.01:
            self.select(rng.choice(MAILBOXES))
            return
        count = len(self.uids)
        if count < 8:
            return self.append(rng, self.mailbox)
        if count > 60:
            self.expect_ok(self.command("STORE 1:10 +FLAGS.SILENT (\\Deleted)", "STORE",
                                        lambda current: current | {"\\deleted"}, "1:10"))
            self.expect_ok(self.command("EXPUNGE"))
            return
        roll = rng.random()
        if roll < 0.40:
            self.store(rng)
        elif roll < 0.58:
            self.fetch(rng)
        elif roll < 0.66:
            self.append(rng, self.mailbox if rng.random() < 0.7 else rng.choice(MAILBOXES))
        elif roll < 0.71:
            self.expunge(rng)
        elif roll < 0.80:
            self.expect_ok(self.command("NOOP"))
        elif roll < 0.86:
            self.idle(rng)
        else:
            self.search(rng)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def fresh_view(port, mailbox, faults):
    """(UIDs, uid -> flags, uid -> MODSEQ) of `mailbox` as a new session sees it."""
    s = Session(port, "fresh", faults)
    try:
        s.expect_ok(s.command("ENABLE CONDSTORE"))
        s.condstore = True
        s.select(mailbox)
        s.expect_ok(s.command("UID FETCH 1:* (FLAGS MODSEQ)", "FETCH"))
        return list(s.uids), dict(s.flags), dict(s.modseqs)
    finally:
        s.close()


def worker(port, index, seed, deadline, faults, sessions, ready, recent):
    rng = random.Random(seed)
    name = f"session{index}"
    try:
        s = Session(port, name, faults, recent)
        sessions[index] = s
        # Half turn CONDSTORE on with ENABLE, most of the others with their
        # first MODSEQ FETCH; every fourth stays without.
        s.plain = index % 4 == 3
        if index % 2 == 0:
            s.expect_ok(s.command("ENABLE CONDSTORE"))
            s.condstore = True
        s.select(MAILBOXES[index % len(MAILBOXES)])
        if not s.condstore and not s.plain:
            s.expect_ok(s.command("FETCH 1 (MODSEQ)", "FETCH"))
            s.condstore = True
        ready.wait(timeout=120)
        while time.monotonic() < deadline and len(faults) < MAX_FAILURES:
            s.step(rng)
    except Fault:
        pass
    except Exception as error:  # noqa: BLE001 - every failure is reported
        faults.append(f"{name}: {type(error).__name__}: {error}")


def test_concurrent_sessions_keep_a_consistent_view(account, imap_port):
    seed = int(os.environ.get("EIDER_STRESS_SEED", random.randrange(10**9)))
    faults = []
    setup = Session(imap_port, "setup", faults)
    setup.expect_ok(setup.command("CREATE Shared"))
    rng = random.Random(seed)
    for mailbox in MAILBOXES:
        for _ in range(20):
            setup.append(rng, mailbox)
    setup.close()

    sessions = [None] * SESSIONS
    recent = {}
    ready = threading.Barrier(SESSIONS)
    deadline = time.monotonic() + SECONDS
    threads = [threading.Thread(target=worker,
                                args=(imap_port, i, seed + i, deadline, faults, sessions, ready,
                                      recent))
               for i in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + 120)
    assert not any(t.is_alive() for t in threads), "a session hung"
    print(f"seed {seed}: {sum(s.tags for s in sessions if s)} commands in {SECONDS:g} s")
    assert not faults, f"seed {seed}:\n" + "\n\n".join(faults[:5])

    # Nothing changes now: each session catches up and must agree with a
    # fresh SELECT of its mailbox.
    fresh = {mailbox: fresh_view(imap_port, mailbox, faults) for mailbox in MAILBOXES}
    for s in sessions:
        try:
            s.expect_ok(s.command("NOOP"))
            uids, flags, modseqs = fresh[s.mailbox]
            if len(s.uids) != len(uids):
                s.fault(f"{len(s.uids)} messages, a fresh SELECT has {len(uids)}")
            for seq, (mine, theirs) in enumerate(zip(s.uids, uids), 1):
                if mine is not None and mine != theirs:
                    s.fault(f"UID {mine} at {seq}, a fresh SELECT has UID {theirs}")
            for uid, told in s.flags.items():
                if told != flags.get(uid):
                    s.fault(f"UID {uid} flags {sorted(told)}, a fresh SELECT has "
                            f"{sorted(flags.get(uid, ()))}")
            for uid, value in s.modseqs.items():
                if uid in modseqs and value != modseqs[uid]:
                    s.fault(f"UID {uid} MODSEQ {value}, a fresh SELECT has {modseqs[uid]}")
        except Fault:
            pass
        finally:
            s.close()
    assert not faults, f"seed {seed}:\n" + "\n\n".join(faults[:5])
