"""Differential test against Dovecot (Debian dovecot-imapd, started here in a
temporary folder on a loopback port, see dovecot_server.py).

Every tests/corpus/*.eml message is APPENDed, as its file's bytes, with the
same flags and INTERNALDATE, in the same order, to INBOX of both servers;
then flags are STOREd identically on both. For each message the test compares
BODYSTRUCTURE, ENVELOPE, BODY[1.MIME], BODY[HEADER.FIELDS (From Subject)],
RFC822.SIZE, INTERNALDATE, FLAGS (without \\Recent) and BODY[] (equal bytes,
which must also be the file with every line ending made CRLF), and the SEARCH
results of a table of queries (compared as the sets of messages found).

Values are compared parsed (a quoted string equals the same literal). Every
difference is reported with the message file, the item and both values.
Differences listed in docs/dovecot-differences.md (the `known-differences`
block) do not fail: that page gives, for each, the RFC text saying Eider is
right. Any other difference fails.
"""

import itertools
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dovecot_server import PASSWORD, USER, DovecotImap, missing_binaries
from eider_harness import REPO_ROOT, Cli, Server, corpus_messages, eider_binary, free_port
from imap_wire import Imap, ImapError, Literal, ParseError, parse_fetches, quote

DIFFERENCES_DOC = REPO_ROOT / "docs" / "dovecot-differences.md"
SHOW = 700  # characters of each value shown in a report line

# The same per-item FETCHes on both servers, each one round trip for 1:*.
FETCH_ITEMS = {
    "BODYSTRUCTURE": "BODYSTRUCTURE",
    "ENVELOPE": "ENVELOPE",
    "BODY[1.MIME]": "BODY.PEEK[1.MIME]",
    "BODY[HEADER.FIELDS (FROM SUBJECT)]": "BODY.PEEK[HEADER.FIELDS (From Subject)]",
    "RFC822.SIZE": "RFC822.SIZE",
    "INTERNALDATE": "INTERNALDATE",
    "FLAGS": "FLAGS",
}

MESSAGES = corpus_messages()
PATHS = {p.name: p for p in MESSAGES}
BASE_DATE = datetime(2024, 1, 1, 12, 0)
ZONES = [0, 2 * 60, -5 * 60, 9 * 60 + 30, -(3 * 60 + 30)]


def append_flags(i):
    return [[r"\Seen"], [r"\Seen", r"\Answered"], [r"\Flagged"], ["$Label1"],
            [r"\Seen", r"\Flagged", "$Label2"], [], [r"\Draft"]][i % 7]


def internal_date(i):
    """A date per message: a few days apart, times near midnight in some zones
    so that SINCE/BEFORE/ON must take the date as written (RFC 3501 6.4.4
    "disregarding time and timezone")."""
    minutes = ZONES[i % len(ZONES)]
    zone = timezone(timedelta(minutes=minutes))
    hour = [12, 23, 0, 1, 22][i % 5]
    when = (BASE_DATE + timedelta(days=i // 3)).replace(hour=hour, minute=(i * 7) % 60,
                                                      second=i % 60, tzinfo=zone)
    return when


def imap_date_time(when):
    offset = int(when.utcoffset().total_seconds() // 60)
    sign = "+" if offset >= 0 else "-"
    offset = abs(offset)
    return (f'"{when.day:2d}-{when.strftime("%b")}-{when.year} '
            f'{when.strftime("%H:%M:%S")} {sign}{offset // 60:02d}{offset % 60:02d}"')


def imap_date(when):
    return f"{when.day}-{when.strftime('%b')}-{when.year}"


# Flags STOREd after APPEND, identically on both: (sequence numbers, command).
def store_commands(count):
    def seqs(pred):
        return ",".join(str(n) for n in range(1, count + 1) if pred(n))
    return [
        (seqs(lambda n: n % 11 == 0), r"+FLAGS (\Deleted)"),
        (seqs(lambda n: n % 13 == 5), "+FLAGS ($Stored)"),
        (seqs(lambda n: n % 17 == 3), r"-FLAGS (\Seen)"),
        (seqs(lambda n: n % 19 == 7), r"+FLAGS.SILENT (\Answered $Label1)"),
    ]


D = internal_date
# SEARCH keys. {uidN} is the UID of message N (1-based) on the server asked;
# a quoted string with non-ASCII characters goes as a UTF-8 literal, with
# CHARSET UTF-8 in front of the query.
QUERIES = [
    "ALL",
    'FROM "aol.com"',
    'FROM "netscape"',
    'FROM "jörn"',
    'FROM "Formação"',
    'TO "gmail"',
    'TO "Jørn"',
    'TO "みける"',
    'CC "@"',
    'CC "example"',
    'SUBJECT "PDF"',
    'SUBJECT "test"',
    'SUBJECT "まみむめも"',
    'SUBJECT "日本語"',
    'SUBJECT "한국말"',
    'SUBJECT "päring"',
    'SUBJECT "漢字"',
    'SUBJECT "Fouché"',
    'BODY "boundary"',
    'BODY "attachment"',
    'BODY "Grüße"',
    'BODY "Content-Type"',
    'TEXT "MIME-Version"',
    'TEXT "hello"',
    'TEXT "für"',
    'HEADER X-Mailer "Mozilla"',
    'HEADER Message-ID ""',
    'HEADER Content-Type "multipart/mixed"',
    'HEADER Received "smtp"',
    'HEADER X-Does-Not-Exist ""',
    "LARGER 10000",
    "SMALLER 1000",
    "LARGER 2000 SMALLER 5000",
    f"SINCE {imap_date(D(60))}",
    f"BEFORE {imap_date(D(30))}",
    f"ON {imap_date(D(30))}",
    f"ON {imap_date(D(33))}",
    f"ON {imap_date(D(36))}",
    f"SINCE {imap_date(D(40))} BEFORE {imap_date(D(80))}",
    "SENTSINCE 1-Jan-2005",
    "SENTBEFORE 1-Jan-2000",
    "SENTSINCE 1-Jan-1998 SENTBEFORE 1-Jan-1999",
    "SENTON 26-Apr-2022",
    "SEEN",
    "UNSEEN",
    "ANSWERED",
    "UNANSWERED",
    "FLAGGED",
    "UNFLAGGED",
    "DELETED",
    "UNDELETED",
    "DRAFT",
    "KEYWORD $Label1",
    "KEYWORD $Stored",
    "UNKEYWORD $Label2",
    "KEYWORD $NotUsed",
    "UID {uid10}:{uid50}",
    "UID {uid200}:*",
    "UID 1:*",
    "1:10",
    "5,7,9:12,100:98",
    "250:*",
    "*",
    "OR SEEN FLAGGED",
    "NOT SEEN",
    'OR (FROM "aol" SEEN) (SUBJECT "test" NOT DELETED)',
    "NOT (OR LARGER 5000 SMALLER 500)",
    "OR OR ANSWERED FLAGGED DELETED",
    'SEEN NOT FLAGGED SUBJECT "re"',
    'CHARSET US-ASCII SUBJECT "the"',
    'CHARSET UTF-8 BODY "the"',
]


def query_parts(query, uids):
    """The SEARCH arguments for one QUERIES entry on a server with these UIDs."""
    query = re.sub(r"\{uid(\d+)\}", lambda m: str(uids[int(m.group(1)) - 1]), query)
    if query.isascii():
        return [query.encode()]
    parts, text = [b"CHARSET UTF-8 "], b""
    pos = 0
    for m in re.finditer(r'"([^"]*)"', query):
        text += query[pos:m.start()].encode()
        value = m.group(1)
        if value.isascii():
            text += quote(value)
        else:
            parts.append(text)
            parts.append(Literal(value.encode("utf-8")))
            text = b""
        pos = m.end()
    text += query[pos:].encode()
    parts.append(text)
    return parts


# -- the known differences -------------------------------------------------


def known_differences():
    """{(message file or "*", item)} from the ```known-differences block of
    docs/dovecot-differences.md: one per line, the file name, white space,
    the item (SEARCH items are `SEARCH <query>` with file `*`)."""
    if not DIFFERENCES_DOC.is_file():
        return set()
    text = DIFFERENCES_DOC.read_text()
    # Both blocks: the justified differences, and the open ones that the
    # doc lists as work to do (so the test guards everything else).
    blocks = re.findall(r"```(?:known|open)-differences\n(.*?)```", text, re.S)
    if not blocks:
        return set()
    known = set()
    for line in "".join(blocks).splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, item = line.partition(" ")
            known.add((name, item.strip()))
    return known


def shown(value):
    text = repr(value)
    return text if len(text) <= SHOW else text[:SHOW] + f"... ({len(text)} chars)"


class Report:
    def __init__(self):
        self.lines = []
        self.known = known_differences()

    def add(self, name, item, dovecot, eider):
        if (name, item) in self.known or ("*", item) in self.known:
            return
        self.lines.append(f"{name} | {item}\n    dovecot: {shown(dovecot)}\n    eider:   {shown(eider)}")

    def check(self, what):
        if self.lines:
            pytest.fail(f"{len(self.lines)} {what} difference(s) from Dovecot not listed in "
                        f"{DIFFERENCES_DOC.relative_to(REPO_ROOT)}:\n" + "\n".join(self.lines),
                        pytrace=False)


# -- the servers ------------------------------------------------------------


class Side:
    """One server, loaded: its connection, sequence number of each corpus
    message (None if its APPEND failed) and the APPEND failures."""

    def __init__(self, name, imap, port=None):
        self.name = name
        self.imap = imap
        self.port = port
        self.seq = {}
        self.append_errors = {}
        self.uids = []
        self.store_errors = []

    def load(self):
        count = 0
        for i, path in enumerate(MESSAGES):
            flags = " ".join(append_flags(i))
            try:
                untagged, status, text = self.imap.run(
                    b"APPEND INBOX (%s) %s " % (flags.encode(), imap_date_time(internal_date(i)).encode()),
                    Literal(path.read_bytes()))
            except ImapError as e:
                raise AssertionError(f"{self.name}: APPEND {path.name} broke the connection: {e}")
            if status == "OK":
                count += 1
                self.seq[path.name] = count
            else:
                self.seq[path.name] = None
                self.append_errors[path.name] = f"{status} {text.decode('latin-1')}"
        self.imap.ok(b"SELECT INBOX")
        fetched = self.imap.fetch("1:*", "(UID)") if count else {}
        self.uids = [int(fetched[n]["UID"]) for n in sorted(fetched)]
        assert len(self.uids) == count, f"{self.name}: {len(self.uids)} UIDs for {count} messages"

    def store(self, commands):
        for seqs, action in commands:
            if not seqs:
                continue
            _, status, text = self.imap.run(b"STORE %s %s" % (seqs.encode(), action.encode()))
            if status != "OK":
                self.store_errors.append(f"STORE {seqs} {action}: {status} {text!r}")

    def files_of(self, seqs):
        by_seq = {n: name for name, n in self.seq.items() if n is not None}
        return {by_seq.get(n, f"<no message {n}>") for n in seqs}


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    missing = missing_binaries()
    if missing:
        pytest.skip("Dovecot is not installed (scripts/setup installs it): missing "
                    + ", ".join(missing))
    if os.environ.get("EIDER_DIFF_SELFTEST"):
        # Checks the harness itself: a second Dovecot stands in for Eider,
        # and every difference found is the harness's fault.
        with DovecotImap("diff") as first, DovecotImap("self") as second:
            sides = loaded({"dovecot": first.port, "eider": second.port})
            yield sides
            close(sides)
        return
    binary = eider_binary()
    if not binary.is_file():
        pytest.fail(f"eider binary not found at {binary}: build it or set EIDER_BIN")
    folder = tmp_path_factory.mktemp("eider-diff")
    data = folder / "data"
    data.mkdir()
    Cli(binary, data, cwd=folder).add_user(USER, PASSWORD)
    imap_port = free_port()
    args = ["--data", data]
    for flag in ("imaps", "pop3", "pop3s", "lmtp", "api"):
        args += [f"--{flag}", "off"]
    args += ["--imap", f"127.0.0.1:{imap_port}"]
    eider = Server(binary, args, cwd=folder)
    with DovecotImap() as dovecot:
        try:
            if not eider.start():
                _, err = eider.communicate()
                pytest.fail(f"eider serve exited {eider.proc.returncode} before ready: {err!r}")
            sides = loaded({"dovecot": dovecot.port, "eider": imap_port})
            yield sides
            close(sides)
        finally:
            eider.kill()


def close(sides):
    for side in sides.values():
        side.imap.close()


def loaded(ports):
    """Both sides logged in, loaded with the corpus and the same flags."""
    both = []
    for name, port in ports.items():
        imap = Imap(port)
        imap.login(USER, PASSWORD)
        both.append(Side(name, imap, port))
    for side in both:
        side.load()
    commands = store_commands(len(MESSAGES))
    for side in both:
        side.store(commands)
    return {side.name: side for side in both}


def common_messages(sides):
    d, e = sides["dovecot"], sides["eider"]
    return [p.name for p in MESSAGES if d.seq[p.name] is not None and e.seq[p.name] is not None]


def fetch_all(side, item):
    """{file name: value of item}; one FETCH 1:*, and message by message if
    that fails, so that one refused message does not hide the others."""
    try:
        fetched = side.imap.fetch("1:*", f"({FETCH_ITEMS[item]})")
        return {name: fetched.get(n, {}).get(item, "<missing>")
                for name, n in side.seq.items() if n is not None}
    except (ImapError, ParseError):
        pass
    out = {}
    for name, n in side.seq.items():
        if n is None:
            continue
        try:
            out[name] = side.imap.fetch(str(n), f"({FETCH_ITEMS[item]})").get(n, {}).get(item, "<missing>")
        except (ImapError, ParseError) as e:
            out[name] = f"<error: {e}>"
    return out


# -- the tests --------------------------------------------------------------


def test_append_and_store(sides):
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    for p in MESSAGES:
        if p.name in d.append_errors or p.name in e.append_errors:
            report.add(p.name, "APPEND", d.append_errors.get(p.name, "OK"),
                       e.append_errors.get(p.name, "OK"))
    if d.store_errors or e.store_errors:
        report.add("*", "STORE", d.store_errors, e.store_errors)
    report.check("APPEND/STORE")


def crlf(data):
    """The bytes with every line ending CRLF: Eider sends a bare LF or a bare
    CR as CRLF (src/mime/wire.h)."""
    return re.sub(rb"\r(?!\n)|(?<!\r)\n", b"\r\n", data)


def test_body_bytes(sides):
    """BODY.PEEK[] is the same bytes on both, and is the file with CRLF."""
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    values = {}
    for side in (d, e):
        try:
            fetched = side.imap.fetch("1:*", "(BODY.PEEK[])")
        except (ImapError, ParseError) as err:
            fetched = {}
            report.add("*", "BODY[] 1:*", "", f"<error: {err}>")
        values[side.name] = {name: fetched.get(n, {}).get("BODY[]", "<missing>")
                             for name, n in side.seq.items() if n is not None}
    for name in common_messages(sides):
        dv, ev = values["dovecot"][name], values["eider"][name]
        if dv != ev:
            report.add(name, "BODY[]", dv, ev)
        expected = crlf(PATHS[name].read_bytes())
        if ev != expected:
            report.add(name, "BODY[] vs file with CRLF", expected, ev)
    report.check("BODY[]")


@pytest.mark.parametrize("item", list(FETCH_ITEMS))
def test_fetch_item(sides, item):
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    dv, ev = fetch_all(d, item), fetch_all(e, item)
    for name in common_messages(sides):
        a, b = dv[name], ev[name]
        if item == "FLAGS" and isinstance(a, list) and isinstance(b, list):
            a = sorted(f for f in a if f.lower() != "\\recent")
            b = sorted(f for f in b if f.lower() != "\\recent")
        if a != b:
            report.add(name, item, a, b)
    report.check(item)


def test_search(sides):
    assert len(QUERIES) >= 30
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    for query in QUERIES:
        results = {}
        for side in (d, e):
            try:
                status, found, text = side.imap.search(*query_parts(query, side.uids))
            except (ImapError, ParseError) as err:
                status, found, text = "ERROR", set(), str(err).encode()
            results[side.name] = (status, found, text)
        (ds, dfound, dtext), (es, efound, etext) = results["dovecot"], results["eider"]
        item = f"SEARCH {query}"
        if ds != es:
            report.add("*", item, f"{ds} {dtext!r}", f"{es} {etext!r}")
            continue
        dfiles, efiles = d.files_of(dfound), e.files_of(efound)
        # One line per message found by one server only, so that a known
        # difference names its message.
        for name in sorted(dfiles ^ efiles):
            report.add(name, item, "found" if name in dfiles else "not found",
                       "found" if name in efiles else "not found")
    report.check("SEARCH")


# -- every part ---------------------------------------------------------------


def is_message_part(node):
    """A message/rfc822 (or message/global) part as parsed: its envelope and
    body follow its size (RFC 3501 body-type-msg)."""
    return (isinstance(node, list) and len(node) > 9 and isinstance(node[0], bytes)
            and node[0].lower() == b"message" and isinstance(node[1], bytes)
            and node[1].lower() in (b"rfc822", b"global") and isinstance(node[8], list))


def is_multipart(node):
    return isinstance(node, list) and bool(node) and isinstance(node[0], list)


def part_numbers(structure):
    """{section-part number: "multipart" / "message" / "single"} of a parsed
    BODYSTRUCTURE, numbered as RFC 3501 section 6.4.5 says."""
    out = {}

    def walk(node, number):
        if is_multipart(node):
            # The parts are the lists before the subtype.
            for k, child in enumerate(itertools.takewhile(lambda c: isinstance(c, list), node), 1):
                n = f"{number}.{k}" if number else str(k)
                out[n] = "multipart" if is_multipart(child) else \
                    "message" if is_message_part(child) else "single"
                walk(child, n)
        elif is_message_part(node):
            inner = node[8]
            if is_multipart(inner):
                walk(inner, number)
            else:
                out[f"{number}.1"] = "message" if is_message_part(inner) else "single"
                walk(inner, f"{number}.1")

    if not isinstance(structure, list):
        return out
    if is_multipart(structure):
        walk(structure, "")
    else:
        out["1"] = "message" if is_message_part(structure) else "single"
        walk(structure, "1")
    return out


def numbers_of(sides, item_values):
    """{file name: {part number: kind}}: the parts either server's
    BODYSTRUCTURE shows (a part only one of them shows is fetched from both)."""
    out = {}
    for name in common_messages(sides):
        merged = {}
        for side in ("dovecot", "eider"):
            for number, kind in part_numbers(item_values[side].get(name)).items():
                merged.setdefault(number, kind)
        out[name] = merged
    return out


@pytest.fixture(scope="module")
def parts(sides):
    structures = {name: fetch_all(side, "BODYSTRUCTURE") for name, side in sides.items()}
    return numbers_of(sides, structures)


def section_items(numbers):
    """The BODY sections compared for each part: the part, its MIME header,
    and for an embedded message its HEADER and TEXT."""
    items = []
    for number, kind in numbers.items():
        items += [f"BODY[{number}]", f"BODY[{number}.MIME]"]
        if kind == "message":
            items += [f"BODY[{number}.HEADER]", f"BODY[{number}.TEXT]"]
    return items


def fetch_sections(side, seq, items):
    """{item: value}, one FETCH for all items, or item by item if it fails."""
    peek = " ".join(i.replace("BODY[", "BODY.PEEK[", 1) for i in items)
    try:
        return side.imap.fetch(str(seq), f"({peek})").get(seq, {})
    except (ImapError, ParseError):
        pass
    out = {}
    for item in items:
        try:
            got = side.imap.fetch(str(seq), "(%s)" % item.replace("BODY[", "BODY.PEEK[", 1))
            out.update(got.get(seq, {}))
        except (ImapError, ParseError) as e:
            out[item] = f"<error: {e}>"
    return out


def test_every_part_section(sides, parts):
    """BODY[n], BODY[n.MIME] and, for message/rfc822 parts, BODY[n.HEADER] and
    BODY[n.TEXT], of every part of every message: the same bytes on both."""
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    for name, numbers in parts.items():
        items = section_items(numbers)
        if not items:
            continue
        dv = fetch_sections(d, d.seq[name], items)
        ev = fetch_sections(e, e.seq[name], items)
        for item in items:
            a, b = dv.get(item, "<missing>"), ev.get(item, "<missing>")
            if a != b:
                report.add(name, item, a, b)
    report.check("BODY[part]")


def fetch_binary(side, seq, number):
    """(status, BINARY.SIZE, BINARY) of one part; the status keeps only the
    response code, as the texts differ."""
    try:
        untagged, status, text = side.imap.run(
            b"FETCH %d (BINARY.SIZE[%s] BINARY.PEEK[%s])" % (seq, number.encode(), number.encode()))
    except ImapError as e:
        # The server ended the connection: a difference of its own, and a
        # new connection for the parts after it.
        side.imap = Imap(side.port)
        side.imap.login(USER, PASSWORD)
        side.imap.ok(b"SELECT INBOX")
        return ("connection closed", str(e)[:60]), None, None
    if status != "OK":
        code = re.match(rb"\[([^\]]*)\]", text)
        return (status, code.group(1).decode() if code else None), None, None
    got = parse_fetches(untagged).get(seq, {})
    return status, got.get(f"BINARY.SIZE[{number}]"), got.get(f"BINARY[{number}]")


def test_every_part_binary(sides, parts):
    """BINARY.SIZE[n] and BINARY[n] (RFC 3516) of every part that is not a
    multipart or an embedded message: the same answer on both, and
    BINARY.SIZE is the length of what BINARY sends."""
    report = Report()
    d, e = sides["dovecot"], sides["eider"]
    for name, numbers in parts.items():
        for number, kind in numbers.items():
            if kind != "single":
                continue
            dv = fetch_binary(d, d.seq[name], number)
            ev = fetch_binary(e, e.seq[name], number)
            if dv != ev:
                report.add(name, f"BINARY[{number}]", dv, ev)
            status, size, data = ev
            if status == "OK" and (not isinstance(data, bytes) or int(size) != len(data)):
                report.add(name, f"BINARY.SIZE[{number}] vs BINARY[{number}]", "",
                           f"size {size}, {len(data) if isinstance(data, bytes) else data!r}")
    report.check("BINARY[part]")
