"""IMAP load generator for bench/imap and bench/idle, and the LMTP fill.

- message(i): the i-th synthetic message, 2-4 kB, with realistic headers
  (Received, DKIM-Signature, From, To, Subject, Date, Message-ID, MIME),
  one of SUBJECTS and one of SENDERS in turn, so SEARCH has hits. Both
  servers get identical bytes.
- fill(): delivers messages 0..n-1 to the given recipients over LMTP with
  several connections, MAIL/RCPT/DATA pipelined (bench/lmtp/loadgen.py).
- Session: one raw IMAP connection (asyncio), command() returns the whole
  response, literals included, as one bytes object; the parser only looks
  for literals and the tagged line, with bytes.find, so a 100,000-line FETCH
  costs the generator little.
- mixed(): N clients, each on its own connection, issuing a fixed random mix
  of commands (same seed per client on both servers) for a fixed time.
"""

import asyncio
import ctypes
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lmtp"))
import loadgen  # noqa: E402  (bench/lmtp/loadgen.py)

# The client's own memory, kept out of the timings: glibc maps every buffer
# of a few MB afresh (its mmap threshold only rises after such a buffer is
# freed) and gives heap tops back, so the first few 3-4 MB answers cost the
# Python client 40-75 ms of page faults, more than either server spends
# (measured with Eider: client CPU 63-75 ms of a 67-85 ms UID FETCH 1:*,
# server CPU 10 ms). With both thresholds high the heap grows once and stays.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
try:
    _libc = ctypes.CDLL("libc.so.6")
    _libc.mallopt(M_MMAP_THRESHOLD, 32 << 20)  # the largest glibc takes
    _libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
except OSError:
    pass

SUBJECTS = [
    "Quarterly report for the northern region", "Re: lunch on Friday?",
    "Invoice INV-2026 attached", "Meeting notes: platform sync",
    "Your order has shipped", "Fwd: conference travel plans",
    "Build failed on main", "Weekly newsletter: storage engines",
    "Re: holiday schedule", "Password expiry reminder",
    "Draft proposal for review", "Team offsite agenda",
    "Re: database migration window", "Customer feedback summary",
    "Security advisory: update required", "Photos from the weekend",
]
SENDERS = [
    ("Alice Martin", "alice.martin@example.org"), ("Bob Chen", "bob@example.net"),
    ("Carol Diaz", "carol.diaz@corp.example.com"), ("Dmitri Volkov", "dmitri@example.ru"),
    ("Eve Okafor", "eve.okafor@example.org"), ("Frank Muller", "frank@mueller.example.de"),
    ("Grace Lee", "grace.lee@example.com"), ("Hiro Tanaka", "hiro@example.jp"),
    ("Ines Silva", "ines.silva@example.pt"), ("Jamal Hassan", "jamal@example.net"),
    ("Karin Berg", "karin.berg@example.se"), ("Luca Rossi", "luca@example.it"),
    ("Newsletter", "news@lists.example.com"),
]
# SEARCH terms for the bench: a subject and a sender substring with hits.
SEARCH_SUBJECT = "holiday"  # SUBJECTS[8]: 1 message in 16
SEARCH_FROM = "alice"  # SENDERS[0]: 1 message in 13
WORDS = ("the storage engine keeps every message as a tree of parts and the "
         "attachments once each while the index answers flags and envelopes "
         "from memory so that clients on slow links see their mail at once and "
         "nobody waits for a disk seek when a phone wakes up in the morning").split()


def message(i, to="u0@example.test"):
    """The i-th message (bytes, LF line ends; prepare() makes them CRLF)."""
    rnd = random.Random(i)
    name, addr = SENDERS[i % len(SENDERS)]
    subject = SUBJECTS[i % len(SUBJECTS)]
    day = 1 + i % 28
    hh, mm, ss = i % 24, (i // 24) % 60, i % 60
    date = f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][i % 7]}, {day} Oct 2026 " \
           f"{hh:02d}:{mm:02d}:{ss:02d} +0000"
    host = addr.split("@")[1]
    mid = f"<{i:08d}.{rnd.getrandbits(32):08x}@{host}>"
    sig = "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                  for _ in range(344))
    head = (
        f"Return-Path: <{addr}>\n"
        f"Received: from mx{i % 7}.{host} (mx{i % 7}.{host} [192.0.2.{i % 250 + 1}])\n"
        f"\tby mx.example.test (Postfix) with ESMTPS id {rnd.getrandbits(40):010X}\n"
        f"\tfor <{to}>; {date}\n"
        f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={host}; s=mail;\n"
        f"\th=from:to:subject:date:message-id; bh={sig[:44]};\n"
        f"\tb={sig[44:120]}\n\t {sig[120:196]}\n\t {sig[196:272]}\n\t {sig[272:]}\n"
        f"From: {name} <{addr}>\n"
        f"To: Bench User <{to}>\n"
        f"Subject: {subject} [{i}]\n"
        f"Date: {date}\n"
        f"Message-ID: {mid}\n"
        f"MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n"
        f"Content-Transfer-Encoding: 7bit\n"
        f"X-Mailer: bench-imap 1.0\n"
        "\n"
    )
    target = 1000 + rnd.randrange(1500)  # body bytes: 1.0-2.5 kB, 2.3-3.8 kB in all
    lines, size = [], 0
    while size < target:
        line = " ".join(rnd.choice(WORDS) for _ in range(12)).capitalize() + "."
        lines.append(line)
        size += len(line) + 1
    return (head + "\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------- LMTP fill

async def _fill(port, count, recipients, connections, progress):
    next_index = iter(range(count))
    done = [0]
    sessions = await asyncio.gather(*(loadgen.Session.open("127.0.0.1", port)
                                      for _ in range(connections)))

    async def worker(session):
        rcpt = b"".join(b"RCPT TO:<%s>\r\n" % r for r in recipients)
        for i in next_index:
            wire = loadgen.prepare(message(i)).wire
            session.writer.write(b"MAIL FROM:<bench@example.test>\r\n" + rcpt + b"DATA\r\n")
            await loadgen.expect(session.reader, 250, "MAIL")
            for r in recipients:
                await loadgen.expect(session.reader, 250, f"RCPT {r!r}")
            await loadgen.expect(session.reader, 354, "DATA")
            session.writer.write(wire)
            for r in recipients:
                await loadgen.expect(session.reader, 250, f"message {i} to {r!r}")
            done[0] += 1
            if progress and done[0] % progress == 0:
                print(f"  ... {done[0]} delivered", file=sys.stderr, flush=True)

    try:
        await asyncio.gather(*(worker(s) for s in sessions))
    finally:
        await asyncio.gather(*(s.close() for s in sessions))


def fill(port, count, recipients, connections=16, progress=0):
    """Delivers message(0..count-1) to every recipient; returns seconds."""
    started = time.monotonic()
    asyncio.run(_fill(port, count, recipients, connections, progress))
    return time.monotonic() - started


async def deliver_one(port, recipients, i=10**9):
    session = await loadgen.Session.open("127.0.0.1", port)
    try:
        rcpt = b"".join(b"RCPT TO:<%s>\r\n" % r for r in recipients)
        session.writer.write(b"MAIL FROM:<bench@example.test>\r\n" + rcpt + b"DATA\r\n")
        await loadgen.expect(session.reader, 250, "MAIL")
        for r in recipients:
            await loadgen.expect(session.reader, 250, "RCPT")
        await loadgen.expect(session.reader, 354, "DATA")
        session.writer.write(loadgen.prepare(message(i)).wire)
        for r in recipients:
            await loadgen.expect(session.reader, 250, "DATA")
    finally:
        await session.close()


# ---------------------------------------------------------------- IMAP client

class ImapError(Exception):
    pass


LITERAL = re.compile(rb"\{(\d+)\+?\}$")


class Session:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.buf = bytearray()
        self.counter = 0

    @classmethod
    async def open(cls, host, port, user, password):
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        self = cls(reader, writer)
        greeting = await self._line()
        if not greeting.startswith(b"* OK"):
            raise ImapError(f"greeting: {greeting[:200]!r}")
        await self.command(b'LOGIN %s "%s"' % (user, password))
        return self

    async def _more(self):
        chunk = await self.reader.read(1 << 18)
        if not chunk:
            raise ImapError("connection closed by server")
        self.buf += chunk

    async def _line(self):
        while True:
            nl = self.buf.find(b"\r\n")
            if nl >= 0:
                line = bytes(self.buf[:nl])
                del self.buf[:nl + 2]
                return line
            await self._more()

    async def command(self, text, check=True):
        """Sends `tag text`, returns (status line, the untagged responses
        before it as one bytes object, literals included)."""
        self.counter += 1
        tag = b"b%d" % self.counter
        self.writer.write(tag + b" " + text + b"\r\n")
        return await self.response(tag, check, text)

    async def response(self, tag, check=True, what=b""):
        buf = self.buf
        marker = b"\r\n" + tag + b" "
        pos = 0  # everything before pos is scanned and outside literals
        while True:
            lit = buf.find(b"}\r\n", pos)
            if pos == 0 and buf.startswith(tag + b" "):
                start = 0
            else:
                # Only up to the next literal: scanning to the end of the
                # buffer for each of 1,000 literals made reading a fast
                # server's 3 MB answer quadratic (the faster it sent, the
                # more each scan covered).
                t = buf.find(marker, max(pos - 2, 0), lit if lit >= 0 else len(buf))
                start = t + 2 if t >= 0 else -1
            if start >= 0 and (lit < 0 or start < lit):
                end = buf.find(b"\r\n", start)
                while end < 0:
                    await self._more()
                    end = buf.find(b"\r\n", start)
                status = bytes(buf[start:end])
                body = bytes(buf[:start])
                del buf[:end + 2]
                if check and not status[len(tag) + 1:].startswith(b"OK"):
                    raise ImapError(f"{what[:80]!r}: {status[:200]!r}")
                return status, body
            if lit >= 0:
                line_start = buf.rfind(b"\n", 0, lit) + 1
                m = LITERAL.search(bytes(buf[max(line_start, lit - 24):lit + 1]))
                if m:
                    pos = lit + 3 + int(m.group(1))
                    while len(buf) < pos:
                        await self._more()
                else:
                    pos = lit + 3
                continue
            pos = max(len(buf) - len(marker), pos)
            await self._more()

    async def idle_done(self):
        pass

    async def logout(self):
        try:
            await self.command(b"LOGOUT", check=False)
        except (ImapError, OSError):
            pass
        self.writer.close()


def exists_of(select_response):
    m = re.search(rb"\* (\d+) EXISTS", select_response)
    return int(m.group(1)) if m else None


def search_hits(response):
    hits = 0
    for line in response.split(b"\r\n"):
        if line.startswith(b"* SEARCH"):
            hits += len(line.split()) - 2
    return hits


async def timed(session, text):
    started = time.perf_counter()
    status, body = await session.command(text)
    return time.perf_counter() - started, body


# ---------------------------------------------------------------- mixed load

# (weight, name); the command is made by _mixed_command from a seeded RNG.
MIX = [(15, "noop"), (5, "select"), (20, "fetch_flags"), (20, "fetch_envelope"),
       (15, "fetch_body"), (15, "store"), (10, "search")]


def _mixed_command(rnd, kind, exists):
    a = rnd.randrange(1, exists + 1)
    if kind == "noop":
        return b"NOOP"
    if kind == "select":
        return b"SELECT INBOX"
    if kind == "fetch_flags":
        a = min(a, max(exists - 99, 1))
        return b"FETCH %d:%d (UID FLAGS)" % (a, min(a + 99, exists))
    if kind == "fetch_envelope":
        a = min(a, max(exists - 19, 1))
        return b"FETCH %d:%d (UID FLAGS ENVELOPE)" % (a, min(a + 19, exists))
    if kind == "fetch_body":
        return b"FETCH %d (UID BODY.PEEK[])" % a
    if kind == "store":
        sign = b"+" if rnd.random() < 0.5 else b"-"
        flag = rnd.choice([b"\\Seen", b"\\Flagged", b"\\Answered"])
        return b"STORE %d %sFLAGS.SILENT (%s)" % (a, sign, flag)
    if kind == "search":
        a = min(a, max(exists - 999, 1))
        term = rnd.choice([b'SUBJECT "%s"' % SEARCH_SUBJECT.encode(),
                           b'FROM "%s"' % SEARCH_FROM.encode()])
        return b"SEARCH %d:%d %s" % (a, min(a + 999, exists), term)
    raise ValueError(kind)


@dataclass
class MixedResult:
    clients: int
    ops: int
    seconds: float
    generator_cpu: float
    by_kind: dict = field(default_factory=dict)  # kind: [count, total seconds]
    probes: tuple = ()  # what probe() returned as the timed part began and ended

    @property
    def ops_per_s(self):
        return self.ops / self.seconds


async def _mixed(host, port, user, password, clients, seconds, exists, probe):
    ports = loadgen.spread(port, clients)
    users = [user] if isinstance(user, bytes) else list(user)
    sessions = await asyncio.gather(*(Session.open(host, ports[i], users[i % len(users)],
                                                   password)
                                      for i in range(clients)))
    for s in sessions:
        await s.command(b"SELECT INBOX")
    kinds = [k for w, k in MIX for _ in range(w)]
    by_kind = {k: [0, 0.0] for _, k in MIX}
    counts = [0] * clients
    first = probe()
    start = time.monotonic()
    cpu_start = time.process_time()
    deadline = start + seconds

    async def client(index, session):
        rnd = random.Random(1000 + index)
        while time.monotonic() < deadline:
            kind = rnd.choice(kinds)
            text = _mixed_command(rnd, kind, exists)
            t0 = time.perf_counter()
            await session.command(text)
            stat = by_kind[kind]
            stat[0] += 1
            stat[1] += time.perf_counter() - t0
            counts[index] += 1

    try:
        await asyncio.gather(*(client(i, s) for i, s in enumerate(sessions)))
        elapsed = time.monotonic() - start
        cpu = time.process_time() - cpu_start
        last = probe()
    finally:
        await asyncio.gather(*(s.logout() for s in sessions))
    return MixedResult(clients, sum(counts), elapsed, cpu, by_kind, (first, last))


def mixed(host, port, user, password, clients, seconds, exists, probe=lambda: None):
    """`clients` sessions on the INBOX of `user`, a MixedResult. `port`
    and `user` may be lists: client i takes port i and user i of each, in
    turn (every user's INBOX must hold `exists` messages). probe() is
    called as the timed part begins and ends (after the logins and
    SELECTs, before the LOGOUTs)."""
    return asyncio.run(_mixed(host, port, user, password, clients, seconds, exists, probe))
