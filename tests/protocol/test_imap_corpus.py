"""IMAP FETCH over the whole corpus: every message delivered, then fetched in
batches and every response checked byte by byte against RFC 3501's grammar
(imap_grammar) and against the delivered bytes.

For each corpus message:
- BODY.PEEK[] is the trace header LMTP prepends followed by the input, bare LF
  sent as CRLF; RFC822.SIZE is the length of what BODY[] sent;
- BODYSTRUCTURE, ENVELOPE and BODY pass the grammar, and BODY is BODYSTRUCTURE
  without its extension data;
- for every part number in the BODYSTRUCTURE, BODY.PEEK[n.MIME] and
  BODY.PEEK[n] are strings, a non-multipart part's BODY[n] is as long as
  its body-fld-octets says (message/rfc822 parts included), and a text or
  message part's body-fld-lines is the number of line endings BODY[n] sends;
- BODY.PEEK[]<10.20> is that slice of BODY[], RFC822.HEADER + RFC822.TEXT is
  BODY[].

Mail gets into Eider over LMTP (BDAT with BINARYMIME, so the bytes arrive
unchanged). The same checks run against Dovecot (APPEND instead of LMTP) as
the reference (dovecot_server.py); that case skips when Dovecot is not
installed (scripts/setup).

Every failure is collected and reported together, message by message.
"""

import dataclasses
import re

import pytest

import dovecot_server
from eider_harness import corpus_messages, port_of
from imap_grammar import (Envelope, GrammarError, Multipart, Single, parse_fetch_response,
                          part_numbers)
from imap_raw import RawImap
from lmtp_client import LmtpConnection

USER, PASSWORD, ADDRESS = "bob", "secret", b"bob@example.test"
SENDER = b"corpus@example.org"
DELIVERED = re.compile(rb"^2\.0\.0 <[^>]*> (\d+):(\d+) delivered to (.*); queue id \S+$")
FETCH_SEQ = re.compile(rb"\* (\d+) FETCH ")


def crlf(data):
    """What IMAP sends for stored bytes: every bare LF and bare CR as CRLF
    (src/mime/wire.h)."""
    return re.sub(rb"\r(?!\n)|(?<!\r)\n", b"\r\n", data)


def deliver_lmtp(port, paths):
    """Delivers each file over LMTP with BDAT; returns {mailbox: [(uid, path)]}."""
    filed = {}
    conn = LmtpConnection(port)
    try:
        for path in paths:
            message = path.read_bytes()
            conn.send(b"MAIL FROM:<%s> BODY=BINARYMIME\r\nRCPT TO:<%s>\r\n"
                      b"BDAT %d LAST\r\n" % (SENDER, ADDRESS, len(message)) + message)
            replies = [conn.reply() for _ in range(3)]
            assert [r[0] for r in replies] == [250, 250, 250], (path.name, replies)
            m = DELIVERED.match(replies[2][1])
            assert m, (path.name, replies[2])
            filed.setdefault(m.group(3), []).append((int(m.group(2)), path))
    finally:
        conn.close()
    return filed


def strip_ext(body):
    """BODYSTRUCTURE without its extension data: what BODY must be."""
    if isinstance(body, Multipart):
        return Multipart([strip_ext(p) for p in body.parts], body.subtype)
    return dataclasses.replace(body, has_ext=False, md5=None, ext=None,
                               body=strip_ext(body.body) if body.body else None)


class Checker:
    def __init__(self, client, trace_prefix):
        self.c = client
        self.trace_prefix = trace_prefix  # what BODY[] starts with before the input
        self.failures = []

    def fail(self, name, what):
        self.failures.append(f"{name}: {what}")

    def fetch_all(self, names, items):
        """FETCH 1:* items; returns {seq: items} for the responses that
        parsed, recording every grammar error against its message."""
        untagged, tagged = self.c.command(b"FETCH 1:* (" + items + b")", expect_ok=False)
        if not re.match(rb"\S+ OK", tagged):
            self.fail("every message", f"FETCH 1:* ({items.decode()}) ended {tagged[:300]!r}")
        merged = {}
        for resp in untagged:
            m = FETCH_SEQ.match(resp)
            if not m:
                continue
            seq = int(m.group(1))
            name = names.get(seq, f"sequence number {seq}")
            try:
                _, got = parse_fetch_response(resp)
            except GrammarError as e:
                self.fail(name, f"FETCH ({items.decode()}): {e}")
                merged.setdefault(seq, None)
                continue
            into = merged.setdefault(seq, {})
            if into is None:
                continue
            for key, value in got.items():
                if key in into and into[key] != value:
                    self.fail(name, f"{key} sent twice with different values")
                into[key] = value
        for seq, name in names.items():
            if seq not in merged:
                self.fail(name, f"no FETCH response to FETCH 1:* ({items.decode()})")
        return {seq: got for seq, got in merged.items() if got is not None}

    def item(self, name, got, key, kind):
        value = got.get(key, KeyError)
        if value is KeyError:
            self.fail(name, f"{key} missing from the FETCH response")
            return None
        if not isinstance(value, kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            self.fail(name, f"{key} is {value!r}, not "
                            f"{' or '.join(k.__name__ for k in kinds)}")
            return None
        return value

    def check_mailbox(self, mailbox, filed):
        self.c.command(b'SELECT "' + mailbox + b'"')
        names = {seq: path.name for seq, (_, path) in enumerate(sorted(filed), 1)}
        paths = {seq: path for seq, (_, path) in enumerate(sorted(filed), 1)}

        first = self.fetch_all(names, b"RFC822.SIZE BODY.PEEK[] BODYSTRUCTURE ENVELOPE BODY")
        bodies, structures = {}, {}
        for seq, got in first.items():
            name = names[seq]
            whole = self.item(name, got, "BODY[]", bytes)
            size = self.item(name, got, "RFC822.SIZE", int)
            structure = self.item(name, got, "BODYSTRUCTURE", (Single, Multipart))
            self.item(name, got, "ENVELOPE", Envelope)
            body = self.item(name, got, "BODY", (Single, Multipart))
            if whole is None:
                continue
            bodies[seq] = whole
            expected = crlf(paths[seq].read_bytes())
            if size is not None and size != len(whole):
                self.fail(name, f"RFC822.SIZE {size} but BODY[] sent {len(whole)} octets")
            if not whole.endswith(expected):
                at = next((k for k in range(min(len(whole), len(expected)))
                           if whole[-1 - k] != expected[-1 - k]), None)
                self.fail(name, f"BODY[] ({len(whole)} octets) does not end with the input "
                                f"({len(expected)} octets with bare LF and CR as CRLF); "
                                f"they differ {at} octets from the end: "
                                f"sent {whole[max(0, len(whole) - (at or 0) - 20):][:40]!r}, "
                                f"input {expected[max(0, len(expected) - (at or 0) - 20):][:40]!r}")
            else:
                trace = whole[: len(whole) - len(expected)]
                if not trace.startswith(self.trace_prefix) or \
                        (trace and not trace.endswith(b"\r\n")):
                    self.fail(name, f"unexpected bytes before the input: {trace[:300]!r}")
            if structure is not None:
                structures[seq] = structure
                if body is not None and strip_ext(structure) != body:
                    self.fail(name, f"BODY {body!r} is not BODYSTRUCTURE without extension "
                                    f"data {strip_ext(structure)!r}")

        second = self.fetch_all(names, b"RFC822.HEADER RFC822.TEXT BODY.PEEK[]<10.20>")
        for seq, got in second.items():
            name, whole = names[seq], bodies.get(seq)
            header = self.item(name, got, "RFC822.HEADER", bytes)
            text = self.item(name, got, "RFC822.TEXT", bytes)
            partial = self.item(name, got, "BODY[]<10>", bytes)
            if whole is None:
                continue
            if header is not None and text is not None and header + text != whole:
                self.fail(name, f"RFC822.HEADER ({len(header)} octets) + RFC822.TEXT "
                                f"({len(text)} octets) is not BODY[] ({len(whole)} octets)")
            if partial is not None and partial != whole[10:30]:
                self.fail(name, f"BODY[]<10.20> is {partial!r}, not {whole[10:30]!r}")

        for seq, structure in structures.items():
            self.check_parts(seq, names[seq], structure)

    def check_parts(self, seq, name, structure):
        parts = part_numbers(structure)
        items = b" ".join(b"BODY.PEEK[%s.MIME] BODY.PEEK[%s]" % (n.encode(), n.encode())
                          for n, _ in parts)
        untagged, tagged = self.c.command(b"FETCH %d (%s)" % (seq, items), expect_ok=False)
        if not re.match(rb"\S+ OK", tagged):
            self.fail(name, f"FETCH of its parts {[n for n, _ in parts]} ended {tagged[:300]!r}")
        got = {}
        for resp in untagged:
            if not FETCH_SEQ.match(resp):
                continue
            try:
                rseq, items_got = parse_fetch_response(resp)
            except GrammarError as e:
                self.fail(name, f"FETCH of its parts: {e}")
                return
            if rseq == seq:
                got.update(items_got)
        for number, part in parts:
            for key in (f"BODY[{number}.MIME]", f"BODY[{number}]"):
                self.item(name, got, key, bytes)
            value = got.get(f"BODY[{number}]")
            if not isinstance(part, Single) or not isinstance(value, bytes):
                continue
            what = f"part {number} ({part.type.decode()}/{part.subtype.decode()})"
            if len(value) != part.octets:
                self.fail(name, f"{what}: body-fld-octets {part.octets} but BODY[{number}] "
                                f"sent {len(value)} octets")
            # body-fld-lines is the number of line endings that BODY[n]
            # sends; a last line without one is not counted (as in Dovecot).
            endings = value.count(b"\n")
            if part.lines is not None and part.lines != endings:
                self.fail(name, f"{what}: body-fld-lines {part.lines} but BODY[{number}] "
                                f"sent {endings} line endings")


def run_checks(client, filed, trace_prefix):
    checker = Checker(client, trace_prefix)
    for mailbox, messages in sorted(filed.items()):
        checker.check_mailbox(mailbox, messages)
    assert not checker.failures, (
        f"{len(checker.failures)} failures:\n" + "\n".join(checker.failures))


@pytest.fixture
def corpus():
    paths = corpus_messages()
    assert len(paths) >= 256
    return paths


def test_eider_fetch_over_the_corpus(cli, server, listener_args, corpus):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    filed = deliver_lmtp(port_of(listener_args, "lmtp"), corpus)
    client = RawImap(port_of(listener_args, "imap"), USER, PASSWORD)
    try:
        run_checks(client, filed, b"Return-Path: <%s>\r\n" % SENDER)
    finally:
        client.close()


def test_dovecot_fetch_over_the_corpus(corpus):
    """The reference: the same checks against Dovecot, mail put in by APPEND."""
    missing = dovecot_server.missing_binaries()
    if missing:
        pytest.skip(f"Dovecot is not installed (scripts/setup): {', '.join(missing)}")
    with dovecot_server.DovecotImap(tag="grammar") as dovecot:
        client = RawImap(dovecot.port, dovecot_server.USER, dovecot_server.PASSWORD)
        try:
            filed = {b"INBOX": [(client.append(b"INBOX", p.read_bytes()), p) for p in corpus]}
            run_checks(client, filed, b"")
        finally:
            client.close()
