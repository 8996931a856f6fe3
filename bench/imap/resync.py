"""The QRESYNC resync scenario of bench/imap (RFC 7162 3.2.5).

A client that knows u0's INBOX at one HIGHESTMODSEQ goes away; another
session then adds a keyword to 1% of the messages (every 100th, the keyword
new each round so every one of them changes) and expunges 0.1% (every
1,000th, offset so the two sets do not meet). The client comes back with
`SELECT INBOX (QRESYNC (uidvalidity modseq))` after `ENABLE QRESYNC`; the
cell times that command and counts the bytes of its answer (untagged
responses and the tagged OK).

The answer is checked: `VANISHED (EARLIER)` must name exactly the expunged
UIDs and every changed message must come with FETCH (UID, FLAGS holding the
keyword, MODSEQ). `minimum_bytes` is the least the RFC allows for that
answer: the SELECT responses RFC 3501 and 7162 require (FLAGS, EXISTS,
RECENT, UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, as the server wrote them, since
their values are its own), one `* VANISHED (EARLIER) set` with the set in
its shortest form, one `* n FETCH (UID u FLAGS (...) MODSEQ (m))` per
changed message with the server's own flags and modseq, and the tagged OK
without text.
"""

import re
import time

import imapload

CHANGED_EVERY = 100
EXPUNGED_EVERY = 1000
EXPUNGED_OFFSET = 50

REQUIRED = re.compile(rb"^\* (FLAGS |\d+ EXISTS$|\d+ RECENT$|OK \[(UIDVALIDITY|UIDNEXT|HIGHESTMODSEQ) )")
FETCH = re.compile(rb"^\* (\d+) FETCH \((.*)\)$")


def compact_set(uids):
    """The shortest sequence-set text for ascending UIDs ("1:3,7")."""
    parts, start, prev = [], None, None
    for uid in uids:
        if start is None:
            start = prev = uid
        elif uid == prev + 1:
            prev = uid
        else:
            parts.append(f"{start}:{prev}" if prev != start else f"{start}")
            start = prev = uid
    if start is not None:
        parts.append(f"{start}:{prev}" if prev != start else f"{start}")
    return ",".join(parts).encode()


def expand_set(text):
    uids = []
    for part in text.split(b","):
        a, _, b = part.partition(b":")
        lo, hi = int(a), int(b or a)
        uids.extend(range(min(lo, hi), max(lo, hi) + 1))
    return uids


def _field(body, name):
    m = re.search(rb"\[" + name + rb" (\d+)\]", body)
    if not m:
        raise RuntimeError(f"no {name.decode()} in the SELECT answer")
    return int(m.group(1))


def _fetch_items(inner):
    """UID, MODSEQ and the FLAGS text of a FETCH line's item list."""
    uid = re.search(rb"UID (\d+)", inner)
    modseq = re.search(rb"MODSEQ \((\d+)\)", inner)
    flags = re.search(rb"FLAGS \(([^)]*)\)", inner)
    return (int(uid.group(1)) if uid else None, int(modseq.group(1)) if modseq else None,
            flags.group(1) if flags else None)


async def _uids(session):
    _, body = await session.command(b"UID SEARCH ALL")
    uids = []
    for line in body.split(b"\r\n"):
        if line.startswith(b"* SEARCH"):
            uids += [int(x) for x in line.split()[2:]]
    return sorted(uids)


async def cell(open_session, rnd):
    """One resync; returns the cell's numbers (time in seconds, bytes)."""
    keyword = b"$Resync%d" % rnd
    a = await open_session()
    try:
        await a.command(b"ENABLE QRESYNC")
        _, body = await a.command(b"SELECT INBOX")
        uidvalidity = _field(body, rb"UIDVALIDITY")
        modseq = _field(body, rb"HIGHESTMODSEQ")
        uids = await _uids(a)
    finally:
        await a.logout()

    changed = uids[::CHANGED_EVERY]
    expunged = uids[EXPUNGED_OFFSET::EXPUNGED_EVERY]
    b = await open_session()
    try:
        await b.command(b"SELECT INBOX")
        await b.command(b"UID STORE %s +FLAGS.SILENT (%s)" % (compact_set(changed), keyword))
        await b.command(b"UID STORE %s +FLAGS.SILENT (\\Deleted)" % compact_set(expunged))
        await b.command(b"UID EXPUNGE %s" % compact_set(expunged))
    finally:
        await b.logout()

    c = await open_session()
    try:
        await c.command(b"ENABLE QRESYNC")
        c.counter += 1
        tag = b"b%d" % c.counter
        command = b"SELECT INBOX (QRESYNC (%d %d))" % (uidvalidity, modseq)
        started = time.perf_counter()
        c.writer.write(tag + b" " + command + b"\r\n")
        status, body = await c.response(tag, True, command)
        seconds = time.perf_counter() - started
    finally:
        await c.logout()

    sent = len(body) + len(status) + 2
    minimum = len(tag) + len(b" OK\r\n")
    vanished, fetched = [], {}
    for line in body.split(b"\r\n"):
        if line.startswith(b"* VANISHED (EARLIER) "):
            vanished += expand_set(line[len(b"* VANISHED (EARLIER) "):])
        elif REQUIRED.match(line):
            minimum += len(line) + 2
        elif m := FETCH.match(line):
            uid, mseq, flags = _fetch_items(m.group(2))
            if uid is None or mseq is None or flags is None:
                raise RuntimeError(f"FETCH without UID, FLAGS or MODSEQ: {line[:200]!r}")
            fetched[uid] = (int(m.group(1)), mseq, flags)
    if sorted(set(vanished)) != expunged:
        raise RuntimeError(f"VANISHED named {len(set(vanished))} UIDs, "
                           f"{len(expunged)} were expunged")
    missing = [u for u in changed if u not in fetched or keyword not in fetched[u][2]]
    if missing:
        raise RuntimeError(f"{len(missing)} changed messages not reported, e.g. UID {missing[0]}")
    if expunged:
        minimum += len(b"* VANISHED (EARLIER) \r\n") + len(compact_set(expunged))
    for uid in changed:
        seq, mseq, flags = fetched[uid]
        minimum += len(b"* %d FETCH (UID %d FLAGS (%s) MODSEQ (%d))\r\n" % (seq, uid, flags, mseq))
    return {"resync": seconds, "resync_bytes": sent, "resync_minimum_bytes": minimum,
            "resync_changed": len(changed), "resync_expunged": len(expunged),
            "resync_fetched": len(fetched)}
