"""BINARY (RFC 3516) over the wire: FETCH BINARY[part], BINARY.PEEK,
BINARY.SIZE and partials, literal8 for content with NUL, NO [UNKNOWN-CTE],
BINARY of a multipart refused, APPEND with literal8, and every leaf part of
every corpus message compared with Python's `email` package decoding of the
same part (get_payload(decode=True)). Every response passes the grammar
check (imap_grammar, literal8 included)."""

import base64
import email
import email.policy
import re

import pytest

from eider_harness import corpus_messages, port_of
from imap_grammar import Single, parse_fetch_response, part_numbers
from imap_raw import RawImap
from imap_support import ADDRESS, PASSWORD, USER, Raw, message
from test_imap_corpus import ADDRESS as CORPUS_ADDRESS
from test_imap_corpus import USER as CORPUS_USER
from test_imap_corpus import deliver_lmtp

ENCODINGS = {"", "7bit", "8bit", "binary", "base64", "quoted-printable"}

BLOB = bytes(range(256)) * 40  # every byte value, NUL included
MULTIPART = (b"From: a@example.com\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
             b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
             b"caf=C3=A9 au lait=\r\n, s'il vous pla=C3=AEt\r\n"
             b"--b\r\nContent-Type: application/octet-stream\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\n"
             + base64.encodebytes(BLOB).replace(b"\n", b"\r\n") +
             b"--b\r\nContent-Type: application/x-thing\r\n"
             b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n`\r\nend\r\n"
             b"--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
             b"--c\r\n\r\nplain\r\n--c--\r\n"
             b"--b--\r\n")


@pytest.fixture
def imap(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    cli.deliver(USER, MULTIPART)
    cli.deliver(USER, message(2))
    raw = RawImap(port_of(listener_args, "imap"), USER, PASSWORD)
    raw.command(b"SELECT INBOX")
    yield raw
    raw.close()


def fetch_items(imap, command):
    untagged, _ = imap.command(command)
    [response] = [r for r in untagged if re.match(rb"\* \d+ FETCH ", r)]
    return parse_fetch_response(response)[1]


def test_capability_offers_binary(imap):
    untagged, _ = imap.command(b"CAPABILITY")
    assert b"BINARY" in untagged[0].split()


def test_base64_part_comes_decoded_as_literal8_with_its_size(imap):
    items = fetch_items(imap, b"FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])")
    assert items["BINARY[2]"] == BLOB and items["BINARY.SIZE[2]"] == len(BLOB)
    untagged, _ = imap.command(b"FETCH 1 BINARY.PEEK[2]")
    assert b"BINARY[2] ~{%d}\r\n" % len(BLOB) in untagged[0]


def test_quoted_printable_part_comes_decoded(imap):
    items = fetch_items(imap, b"FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])")
    text = "café au lait, s'il vous plaît".encode()
    assert items["BINARY[1]"] == text and items["BINARY.SIZE[1]"] == len(text)
    untagged, _ = imap.command(b"FETCH 1 BINARY.PEEK[1]")
    assert b"BINARY[1] {%d}\r\n" % len(text) in untagged[0]  # no NUL: a plain literal


def test_partial_counts_decoded_bytes(imap):
    items = fetch_items(imap, b"FETCH 1 BINARY.PEEK[2]<250.10>")
    assert items["BINARY[2]<250>"] == BLOB[250:260]
    items = fetch_items(imap, b"FETCH 1 BINARY.PEEK[2]<99999.10>")
    assert items["BINARY[2]<99999>"] == b""


def test_binary_without_peek_sets_seen_and_peek_does_not(imap):
    items = fetch_items(imap, b"FETCH 2 (FLAGS BINARY.PEEK[1])")
    assert "\\Seen" not in items["FLAGS"]
    items = fetch_items(imap, b"FETCH 2 BINARY[1]")
    assert "\\Seen" in items["FLAGS"]
    assert items["BINARY[1]"].startswith(b"line 0 of message 2")


def test_unknown_encoding_is_unknown_cte(imap):
    for command in (b"FETCH 1 BINARY.PEEK[3]", b"FETCH 1 BINARY.SIZE[3]",
                    b"UID FETCH 1 (UID BINARY.PEEK[3])"):
        untagged, done = imap.command(command, expect_ok=False)
        assert done.split()[1:3] == [b"NO", b"[UNKNOWN-CTE]"], done
        assert untagged == []
    # The refusal is per message: part 3 of message 2 does not exist, and is empty.
    items = fetch_items(imap, b"FETCH 2 BINARY.PEEK[3]")
    assert items["BINARY[3]"] == b""


MALFORMED_CTE = (b"From: a@example.com\r\nSubject: bad encodings\r\nMIME-Version: 1.0\r\n"
                 b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                 + b"".join(b"--b\r\nContent-Type: text/plain\r\n"
                            b"Content-Transfer-Encoding:%s\r\n\r\ntext=3D%d\r\n" % (value, i)
                            for i, value in enumerate((b" ", b" quoted printable",
                                                       b" quoted-printable;", b" text/html",
                                                       b" 7bit (a comment)")))
                 + b"--b--\r\n")


def test_a_content_transfer_encoding_that_is_no_mechanism_is_unknown_cte(cli, imap):
    # RFC 2045 6.4: an unrecognized Content-Transfer-Encoding makes the part
    # application/octet-stream, so its body cannot be decoded; RFC 3516: NO
    # [UNKNOWN-CTE]. An empty value, two words, a trailing ";" or a media
    # type is no mechanism (Dovecot refuses the same parts); a comment after
    # the token is CFWS and fine.
    cli.deliver(USER, MALFORMED_CTE)
    imap.command(b"NOOP")
    for part in (b"1", b"2", b"3", b"4"):
        for command in (b"FETCH 3 BINARY.PEEK[%s]" % part, b"FETCH 3 BINARY.SIZE[%s]" % part):
            untagged, done = imap.command(command, expect_ok=False)
            assert done.split()[1:3] == [b"NO", b"[UNKNOWN-CTE]"], (command, done)
            assert untagged == []
    items = fetch_items(imap, b"FETCH 3 (BINARY.PEEK[5] BINARY.SIZE[5])")
    assert items["BINARY[5]"] == b"text=3D4" and items["BINARY.SIZE[5]"] == 8
    _, done = imap.command(b"FETCH 3 BINARY.PEEK[]", expect_ok=False)
    assert done.split()[1:3] == [b"NO", b"[UNKNOWN-CTE]"], done
    # BODY[n] still sends the part as stored.
    items = fetch_items(imap, b"FETCH 3 BODY.PEEK[2]")
    assert items["BODY[2]"] == b"text=3D1"


def test_binary_of_a_multipart_is_refused(imap):
    for command in (b"FETCH 1 BINARY.PEEK[4]", b"FETCH 1 BINARY[4]"):
        untagged, done = imap.command(command, expect_ok=False)
        assert done.split()[1:3] == [b"NO", b"[CANNOT]"], (command, done)
    items = fetch_items(imap, b"FETCH 1 BINARY.PEEK[4.1]")
    assert items["BINARY[4.1]"] == b"plain"
    # The refused non-PEEK BINARY set no \Seen.
    items = fetch_items(imap, b"FETCH 1 FLAGS")
    assert "\\Seen" not in items["FLAGS"]


def test_binary_of_the_whole_message_is_the_message_with_its_parts_decoded(cli, imap):
    # RFC 3516 4.2: the empty section is the whole message, header included.
    items = fetch_items(imap, b"FETCH 2 (BINARY.PEEK[] BINARY.SIZE[] RFC822.SIZE FLAGS)")
    body = fetch_items(imap, b"FETCH 2 BODY.PEEK[]")["BODY[]"]
    assert items["BINARY[]"] == body  # nothing to decode: as stored
    assert items["BINARY.SIZE[]"] == len(body) == items["RFC822.SIZE"]
    assert "\\Seen" not in items["FLAGS"]
    # A non-multipart message in base64: its body decoded, its header saying so.
    cli.deliver(USER, b"Subject: b64\r\nContent-Type: application/octet-stream\r\n"
                      b"Content-Transfer-Encoding: base64\r\n\r\n"
                      + base64.encodebytes(BLOB).replace(b"\n", b"\r\n"))
    imap.command(b"NOOP")
    items = fetch_items(imap, b"FETCH 3 (BINARY[] BINARY.SIZE[])")
    expected = (b"Subject: b64\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Transfer-Encoding: binary\r\n\r\n" + BLOB)
    assert items["BINARY[]"] == expected and items["BINARY.SIZE[]"] == len(expected)
    assert "\\Seen" in fetch_items(imap, b"FETCH 3 FLAGS")["FLAGS"]
    untagged, _ = imap.command(b"FETCH 3 BINARY.PEEK[]<0.4>")
    assert b"BINARY[]<0> {4}\r\nSubj" in untagged[0]


def test_binary_of_a_whole_message_with_an_unknown_encoding_is_refused(imap):
    # Message 1 has an x-uuencode leaf, which BINARY[] would have to decode.
    for command in (b"FETCH 1 BINARY[]", b"FETCH 1 BINARY.SIZE[]"):
        untagged, done = imap.command(command, expect_ok=False)
        assert done.split()[1:3] == [b"NO", b"[UNKNOWN-CTE]"], (command, done)
        assert untagged == []
    assert "\\Seen" not in fetch_items(imap, b"FETCH 1 FLAGS")["FLAGS"]


def test_a_refused_binary_without_peek_sets_no_seen(imap):
    # Message 1's part 3 has an unknown encoding and part 4 is a multipart;
    # "1:2" refuses on message 1, so message 2 gets no \Seen either.
    for command in (b"FETCH 1 BINARY[3]", b"FETCH 1 (BINARY.SIZE[4] BINARY[1])",
                    b"FETCH 1:2 BINARY[3]"):
        untagged, done = imap.command(command, expect_ok=False)
        assert done.split()[1] == b"NO", (command, done)
        assert untagged == []
        for seq in (b"1", b"2"):
            items = fetch_items(imap, b"FETCH %s FLAGS" % seq)
            assert "\\Seen" not in items["FLAGS"], command


def test_append_takes_a_literal8_with_nul_bytes(imap):
    data = b"Subject: binary\r\nContent-Transfer-Encoding: binary\r\n\r\nab\x00cd\r\n"
    for marker in (b"~{%d+}" % len(data), b"~{%d}" % len(data)):
        tag = imap.next_tag()
        imap.send(tag + b" APPEND INBOX " + marker + b"\r\n")
        if not marker.endswith(b"+}"):
            assert imap.read_response().startswith(b"+")
        imap.send(data + b"\r\n")
        _, done = imap.finish(tag)
        uid = int(re.search(rb"APPENDUID \d+ (\d+)", done).group(1))
        items = fetch_items(imap, b"UID FETCH %d (BINARY.PEEK[1] BINARY.SIZE[1])" % uid)
        assert items["BINARY[1]"] == b"ab\x00cd\r\n" and items["BINARY.SIZE[1]"] == 7


# ---- Line endings ---------------------------------------------------------
#
# A message stored with bare LF line endings. IMAP sends lines with CRLF
# (BODY[n] converts), and RFC 3516 makes BINARY[n] of an identity-encoded
# part the same content as BODY[n]: its lines go out with CRLF too (as
# Dovecot sends them). Decoded base64 is data and goes out as decoded;
# quoted-printable's hard line breaks are line breaks of the text (CRLF),
# while an encoded =0A is a byte of the content.

LF_BLOB = b"one\ntwo\r\nthree\rfour\n\x00\n"
LF_MESSAGE = (b"From: a@example.com\nSubject: lf\nMIME-Version: 1.0\n"
              b"Content-Type: multipart/mixed; boundary=b\n\n"
              b"--b\nContent-Type: text/plain\n\nplain 1\nplain 2\n\n"
              b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: 7bit\n\nseven 1\nseven 2\n"
              b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\nacht \xc3\xa9\nzwei\n"
              b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: binary\n\nbin 1\nbin 2\n"
              b"--b\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
              b"qp 1\nqp=0A2=\n soft\n"
              b"--b\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
              + base64.encodebytes(LF_BLOB) +
              b"--b--\n")


@pytest.fixture
def lf_imap(cli, server, listener_args):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    cli.deliver(USER, LF_MESSAGE)
    raw = RawImap(port_of(listener_args, "imap"), USER, PASSWORD)
    raw.command(b"SELECT INBOX")
    yield raw
    raw.close()


def test_binary_of_an_identity_part_stored_with_lf_is_its_body_with_crlf(lf_imap):
    for n in (b"1", b"2", b"3", b"4"):
        number = n.decode()
        body = fetch_items(lf_imap, b"FETCH 1 BODY.PEEK[%s]" % n)[f"BODY[{number}]"]
        assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
        items = fetch_items(lf_imap, b"FETCH 1 (BINARY.PEEK[%s] BINARY.SIZE[%s])" % (n, n))
        assert items[f"BINARY[{number}]"] == body, number
        assert items[f"BINARY.SIZE[{number}]"] == len(body), number
    # Partials cut the bytes as sent: "seven 1\r\nseven 2"[5:10].
    items = fetch_items(lf_imap, b"FETCH 1 BINARY.PEEK[2]<5.5>")
    assert items["BINARY[2]<5>"] == b" 1\r\ns"
    items = fetch_items(lf_imap, b"FETCH 1 BINARY.PEEK[2]<8.99>")
    assert items["BINARY[2]<8>"] == b"\nseven 2"


def test_decoded_parts_stored_with_lf_keep_their_content(lf_imap):
    items = fetch_items(lf_imap, b"FETCH 1 (BINARY.PEEK[5] BINARY.SIZE[5] BINARY.PEEK[6] "
                                 b"BINARY.SIZE[6])")
    assert items["BINARY[5]"] == b"qp 1\r\nqp\n2 soft"
    assert items["BINARY.SIZE[5]"] == len(items["BINARY[5]"])
    assert items["BINARY[6]"] == LF_BLOB and items["BINARY.SIZE[6]"] == len(LF_BLOB)


def test_binary_of_a_whole_message_stored_with_lf_has_crlf_lines(lf_imap):
    items = fetch_items(lf_imap, b"FETCH 1 (BINARY.PEEK[] BINARY.SIZE[])")
    body = fetch_items(lf_imap, b"FETCH 1 BODY.PEEK[]")["BODY[]"]
    qp_part = (b"Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
               b"qp 1\r\nqp=0A2=\r\n soft\r\n")
    b64_part = (b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + base64.encodebytes(LF_BLOB).replace(b"\n", b"\r\n"))
    assert qp_part in body and b64_part in body
    expected = body.replace(qp_part, b"Content-Type: text/plain\r\n"
                                     b"Content-Transfer-Encoding: binary\r\n\r\nqp 1\r\nqp\n2 soft\r\n")
    # The base64 body's last line ending belongs to the delimiter line.
    expected = expected.replace(b64_part[:-2], b"Content-Type: application/octet-stream\r\n"
                                               b"Content-Transfer-Encoding: binary\r\n\r\n" + LF_BLOB)
    assert items["BINARY[]"] == expected
    assert items["BINARY.SIZE[]"] == len(expected)


BAD_BINARY_COMMANDS = [
    b"FETCH 1 BINARY[1.TEXT]",
    b"FETCH 1 BINARY[HEADER]",
    b"FETCH 1 BINARY[1]<0>",
    b"FETCH 1 BINARY.SIZE[1]<0.1>",
    b"FETCH 1 BINARY[0]",
    b"FETCH 1 BINARY[1",
    b"FETCH 1 BINARY.PEEK",
    b"FETCH 1 BINARY.SIZE",
    b"FETCH 1 BINARY.BOGUS[1]",
]


def test_malformed_binary_fetches_are_bad_and_the_connection_goes_on(cli, server,
                                                                      listener_args):
    cli.add_user(USER, PASSWORD)
    cli.deliver(USER, message(1))
    raw = Raw(port_of(listener_args, "imap")).login()
    raw.command("SELECT INBOX")
    for command in BAD_BINARY_COMMANDS:
        _, done = raw.command(command)
        assert done.split()[1] == b"BAD", (command, done)
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


# ---- The corpus ---------------------------------------------------------
#
# "The same part" is the part as Eider's MIME parser reads it (its
# BODYSTRUCTURE and BODY[n]): Python's parser reads some malformed corpus
# messages differently (other boundaries, other header ends, a
# Content-Transfer-Encoding with a trailing space left undecoded), which
# would compare two different parts. So Python's `email` decodes that
# part's body under a header naming the encoding BODYSTRUCTURE gives. BODY
# and BINARY send text lines with CRLF and Python keeps the stored line
# ends, so text (not base64) is compared with line ends made CRLF on both
# sides.

def crlf(data):
    return re.sub(rb"\r?\n|\r", b"\r\n", data)


def leaves(body):
    """(part number, encoding) of every leaf that is not an embedded message."""
    return [(n, p.encoding.decode().lower()) for n, p in part_numbers(body)
            if isinstance(p, Single) and p.kind != "message"]


MECHANISM = re.compile(rb"\s*[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+\s*(\([^)]*\)\s*)?")


def unreadable_cte(imap, uid, n):
    """Whether the part's first Content-Transfer-Encoding field has a value
    that is no mechanism token (BODYSTRUCTURE shows 7bit for it, BINARY
    answers NO [UNKNOWN-CTE])."""
    header = fetch_items(imap, b"UID FETCH %d BODY.PEEK[%s.MIME]" % (uid, n))
    header = header[f"BODY[{n.decode()}.MIME]"]
    field = re.search(rb"(?im)^content-transfer-encoding[ \t]*:(.*(?:\r?\n[ \t].*)*)", header)
    return bool(field) and not MECHANISM.fullmatch(re.sub(rb"\r?\n", b"", field.group(1)))


def test_binary_of_every_corpus_leaf_equals_pythons_decoding(cli, server, listener_args):
    paths = corpus_messages()
    assert paths, "no corpus"
    cli.add_user(CORPUS_USER, PASSWORD, addresses=[CORPUS_ADDRESS.decode()])
    filed = deliver_lmtp(port_of(listener_args, "lmtp"), paths)
    imap = RawImap(port_of(listener_args, "imap"), CORPUS_USER, PASSWORD)
    compared = unknown_cte = 0
    failures = []
    try:
        for mailbox, entries in filed.items():
            imap.command(b"EXAMINE " + mailbox)
            for uid, path in entries:
                body = fetch_items(imap, b"UID FETCH %d BODYSTRUCTURE" % uid)["BODYSTRUCTURE"]
                for number, cte in leaves(body):
                    n = number.encode()
                    command = b"UID FETCH %d (BINARY.PEEK[%s] BINARY.SIZE[%s])" % (uid, n, n)
                    untagged, done = imap.command(command, expect_ok=False)
                    if cte not in ENCODINGS:
                        unknown_cte += 1
                        if b"NO [UNKNOWN-CTE]" not in done:
                            failures.append((path.name, number, cte, done))
                        continue
                    if b"NO [UNKNOWN-CTE]" in done and unreadable_cte(imap, uid, n):
                        unknown_cte += 1
                        continue
                    if done.split()[1] != b"OK":
                        failures.append((path.name, number, cte, done))
                        continue
                    got = parse_fetch_response(untagged[0])[1]
                    data = got[f"BINARY[{number}]"]
                    if got[f"BINARY.SIZE[{number}]"] != len(data):
                        failures.append((path.name, number, cte, "BINARY.SIZE differs"))
                    source = fetch_items(imap, b"UID FETCH %d BODY.PEEK[%s]" % (uid, n))
                    source = source[f"BODY[{number}]"]
                    if cte == "quoted-printable":
                        # RFC 2045 6.7 (3): white space at the end of a line
                        # is transport padding for the decoder to delete;
                        # binascii.a2b_qp keeps some of it.
                        source = re.sub(rb"[ \t]+(?=\r\n|\Z)", b"", source)
                    header = b"Content-Transfer-Encoding: %s\r\n" % cte.encode() if cte else b""
                    python = email.message_from_bytes(header + b"\r\n" + source,
                                                      policy=email.policy.compat32)
                    expected = python.get_payload(decode=True) or b""
                    if cte != "base64":
                        data, expected = crlf(data), crlf(expected)

                    if data != expected:
                        failures.append((path.name, number, cte,
                                         f"{len(data)} bytes, Python {len(expected)}"))
                    compared += 1
    finally:
        imap.close()
    print(f"\n{compared} leaf parts compared, {unknown_cte} with an encoding Eider "
          "does not decode")
    assert not failures, "\n".join(map(str, failures))
    assert compared > 400
