"""The RFC 3501 grammar checker itself (imap_grammar.py): pure, no server.
Valid samples (the RFC's own examples among them) parse to the right
structure; each invalid sample is refused naming the rule it breaks."""

import pytest

from imap_grammar import (Address, GrammarError, Multipart, Single, parse_body,
                          parse_envelope, parse_fetch_response, parse_fetch_responses,
                          parse_nstring, parse_quota_response, parse_quotaroot_response,
                          part_numbers)

# RFC 3501 section 7.4.2 and 8 examples.
RFC_ENVELOPE = (
    b'("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'((NIL NIL "imap" "cac.washington.edu")) '
    b'((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) '
    b'NIL NIL "<B27397-0100000@cac.washington.edu>")')
RFC_BODY = (
    b'(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)'
    b'("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") '
    b'"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED")')
RFC_FETCH = (
    b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" '
    b'RFC822.SIZE 4286 ENVELOPE ' + RFC_ENVELOPE + b' BODY ("TEXT" "PLAIN" '
    b'("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n')

TEXT = b'"text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 1'
ENV_MIN = b'(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)'
FULL_EXT = (
    b'(("text" "plain" ("charset" "utf-8" "format" "flowed") "<id@x>" "desc" '
    b'"quoted-printable" 120 4 "md5sum" ("inline" NIL) ("en" "de") "http://x/loc" '
    b'1 ("a" 2 (NIL "b")))'
    b'("message" "rfc822" NIL NIL NIL "7bit" 300 ' + ENV_MIN + b' '
    b'("application" "octet-stream" ("name" {5}\r\na\xe9b.c) NIL NIL "base64" 80 NIL '
    b'("attachment" ("filename" "x")) NIL NIL) 9 NIL NIL NIL NIL)'
    b' "mixed" ("boundary" "b1") ("inline" NIL) "en" NIL)')


def test_rfc_envelope():
    env = parse_envelope(RFC_ENVELOPE)
    assert env.subject == b"IMAP4rev1 WG mtg summary and minutes"
    assert env.to == [Address(None, None, b"imap", b"cac.washington.edu")]
    assert [a.mailbox for a in env.cc] == [b"minutes", b"KLENSIN"]
    assert env.bcc is None and env.in_reply_to is None
    assert env.message_id == b"<B27397-0100000@cac.washington.edu>"


def test_rfc_body_in_both_forms():
    for extensible in (False, True):
        body = parse_body(RFC_BODY, extensible)
        assert isinstance(body, Multipart) and body.subtype == b"MIXED"
        assert not body.has_ext
        second = body.parts[1]
        assert (second.kind, second.encoding, second.octets, second.lines) == \
            ("text", b"BASE64", 4554, 73)
        assert second.params == [(b"CHARSET", b"US-ASCII"), (b"NAME", b"cc.diff")]
        assert second.description == b"Compiler diff"


def test_rfc_fetch_response():
    seq, items = parse_fetch_response(RFC_FETCH)
    assert seq == 12
    assert list(items) == ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]
    assert items["FLAGS"] == ["\\Seen"]
    assert items["INTERNALDATE"] == "17-Jul-1996 02:44:25 -0700"
    assert items["RFC822.SIZE"] == 4286
    assert items["BODY"].kind == "text" and items["BODY"].lines == 92


def test_full_extension_data_and_message_part():
    body = parse_body(FULL_EXT)
    assert body.has_ext and body.params == [(b"boundary", b"b1")]
    assert body.ext.disposition == (b"inline", None) and body.ext.language == b"en"
    assert body.ext.location is None and body.ext.present == 3
    text, msg = body.parts
    assert text.md5 == b"md5sum" and text.ext.language == [b"en", b"de"]
    assert text.ext.location == b"http://x/loc"
    assert text.ext.extensions == [1, [b"a", 2, [None, b"b"]]]
    assert msg.kind == "message" and msg.lines == 9 and msg.envelope.subject is None
    inner = msg.body
    assert inner.params == [(b"name", b"a\xe9b.c")]
    assert inner.ext.disposition == (b"attachment", [(b"filename", b"x")])
    assert inner.ext.present == 3
    with pytest.raises(GrammarError) as e:
        parse_body(FULL_EXT, extensible=False)
    assert e.value.rule == "body-type-1part"


def test_extension_data_may_stop_after_any_field():
    for tail in (b"", b" NIL", b" NIL NIL", b" NIL NIL NIL", b" NIL NIL NIL NIL",
                 b" NIL NIL NIL NIL 5 {2}\r\nxy"):
        part = parse_body(b"(" + TEXT + tail + b")")
        assert part.has_ext == bool(tail)
    for tail in (b"", b" NIL", b" NIL NIL", b" NIL NIL NIL", b" NIL NIL NIL NIL"):
        assert isinstance(parse_body(b"((" + TEXT + b') "mixed"' + tail + b")"), Multipart)


def test_generic_values():
    assert parse_nstring(b'"a\\"b\\\\c"') == b'a"b\\c'
    assert parse_nstring(b"{3}\r\n\r\n\xff") == b"\r\n\xff"
    assert parse_nstring(b"{0}\r\n") == b""
    assert parse_nstring(b"NIL") is None
    assert parse_nstring(b"nil") is None  # ABNF strings are case-insensitive
    assert parse_nstring(b'""') == b""


def test_literals_inside_a_fetch_response():
    data = (b"* 3 FETCH (UID 7 BODY[] {11}\r\nab\r\n) (x\r\n\" BODY[1.2.MIME] {0}\r\n"
            b" BODY[HEADER.FIELDS (FROM \"To\" {4}\r\nDate)] NIL BODY[]<10> \"x\""
            b" RFC822.HEADER {2}\r\n\r\n MODSEQ (12345678901))\r\n")
    seq, items = parse_fetch_response(data)
    assert seq == 3 and items["UID"] == 7
    assert items["BODY[]"] == b'ab\r\n) (x\r\n"'
    assert items["BODY[1.2.MIME]"] == b""
    assert items['BODY[HEADER.FIELDS (FROM "TO" {4}\r\nDATE)]'] is None
    assert items["BODY[]<10>"] == b"x"
    assert items["RFC822.HEADER"] == b"\r\n" and items["MODSEQ"] == 12345678901


def test_several_responses():
    data = b"* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2 FLAGS ())\r\n"
    assert parse_fetch_responses(data) == [(1, {"UID": 1}), (2, {"UID": 2, "FLAGS": []})]


def test_part_numbers():
    body = parse_body(FULL_EXT)
    assert [n for n, _ in part_numbers(body)] == ["1", "2", "2.1"]
    single = parse_body(b'("message" "rfc822" NIL NIL NIL "7bit" 10 ' + ENV_MIN +
                        b' ((' + TEXT + b')(' + TEXT + b') "alternative") 3)')
    assert [n for n, _ in part_numbers(single)] == ["1", "1.1", "1.2"]
    assert [n for n, _ in part_numbers(parse_body(b"(" + TEXT + b")"))] == ["1"]
    assert isinstance(part_numbers(single)[1][1], Single)


BAD_BODIES = [
    # (what, body bytes, extensible, a rule the error names)
    ("SP between the bodies of a multipart",
     b"((" + TEXT + b") (" + TEXT + b') "mixed")', True, "body-type-mpart"),
    ("empty parameter list", b'("text" "plain" () NIL NIL "7bit" 1 1)', True, "body-fld-param"),
    ("odd parameter list", b'("text" "plain" ("a") NIL NIL "7bit" 1 1)', True, "body-fld-param"),
    ("text part without lines", b'("text" "plain" NIL NIL NIL "7bit" 1)', True,
     "body-type-text"),
    ("message/rfc822 without envelope",
     b'("message" "rfc822" NIL NIL NIL "7bit" 1 (' + TEXT + b") 1)", True, "envelope"),
    ("message/rfc822 in the basic form",
     b'("message" "rfc822" NIL NIL NIL "base64" 130 NIL NIL NIL NIL)', True, "body-type-msg"),
    ("message/rfc822 without lines", b'("message" "rfc822" NIL NIL NIL "7bit" 1 ' + ENV_MIN +
     b" (" + TEXT + b"))", True, "body-type-msg"),
    ("extension data in BODY", b"(" + TEXT + b" NIL)", False, "body-type-1part"),
    ("extension data in multipart BODY", b"((" + TEXT + b') "mixed" NIL)', False,
     "body-type-mpart"),
    ("number over 32 bits", b'("text" "plain" NIL NIL NIL "7bit" 4294967296 1)', True,
     "body-fld-octets"),
    ("negative octets", b'("text" "plain" NIL NIL NIL "7bit" -1 1)', True, "body-fld-octets"),
    ("atom as encoding", b'("text" "plain" NIL NIL NIL 7bit 1 1)', True, "string"),
    ("NIL encoding", b'("text" "plain" NIL NIL NIL NIL 1 1)', True, "string"),
    ("TEXT as a literal", b'({4}\r\ntext "plain" NIL NIL NIL "7bit" 1 1)', True, "media-text"),
    ("8-bit byte in a quoted string", b'("text" "plain" NIL NIL "caf\xe9" "7bit" 1 1)', True,
     "CHAR"),
    ("bare CR in a quoted string", b'("text" "plain" NIL NIL "a\rb" "7bit" 1 1)', True,
     "TEXT-CHAR"),
    ("backslash before a letter", b'("text" "plain" NIL NIL "a\\b" "7bit" 1 1)', True,
     "QUOTED-CHAR"),
    ("disposition without parameters", b"(" + TEXT + b' NIL ("inline") NIL NIL)', True,
     "body-fld-dsp"),
    ("empty language list", b"(" + TEXT + b" NIL NIL () NIL)", True, "string"),
    ("two SP", b'("text"  "plain" NIL NIL NIL "7bit" 1 1)', True, "media-subtype"),
    ("unclosed", b"(" + TEXT, True, "body"),
    ("multipart without subtype", b"((" + TEXT + b"))", True, "body-type-mpart"),
    ("literal longer than the data", b'("text" {99}\r\nplain NIL NIL NIL "7bit" 1 1)', True,
     "literal"),
    ("NUL in a literal", b'("text" {3}\r\np\0n NIL NIL NIL "7bit" 1 1)', True, "CHAR8"),
    ("LITERAL+ from a server", b'("text" {5+}\r\nplain NIL NIL NIL "7bit" 1 1)', True,
     "literal"),
    ("literal with LF only", b'("text" {5}\nplain NIL NIL NIL "7bit" 1 1)', True, "literal"),
    ("trailing bytes", b"(" + TEXT + b") ", True, "body"),
]


@pytest.mark.parametrize("what,data,extensible,rule", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies(what, data, extensible, rule):
    with pytest.raises(GrammarError) as e:
        parse_body(data, extensible)
    assert rule in e.value.rules, str(e.value)
    assert f"byte {e.value.pos}" in str(e.value)


BAD_ENVELOPES = [
    ("nine fields", b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL)", "envelope"),
    ("SP between addresses", b'(NIL NIL ((NIL NIL "a" "b") (NIL NIL "c" "d")) NIL NIL NIL '
                             b'NIL NIL NIL NIL)', "env-from"),
    ("empty address list", b"(NIL NIL () NIL NIL NIL NIL NIL NIL NIL)", "env-from"),
    ("address with three fields", b'(NIL NIL NIL NIL NIL ((NIL "a" "b")) NIL NIL NIL NIL)',
     "address"),
    ("address as a string", b'(NIL NIL NIL NIL NIL NIL NIL "a@b" NIL NIL)', "env-bcc"),
    ("number as subject", b"(NIL 5 NIL NIL NIL NIL NIL NIL NIL NIL)", "env-subject"),
    ("atom as message-id", b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL <a@b>)", "env-message-id"),
]


@pytest.mark.parametrize("what,data,rule", BAD_ENVELOPES, ids=[b[0] for b in BAD_ENVELOPES])
def test_bad_envelopes(what, data, rule):
    with pytest.raises(GrammarError) as e:
        parse_envelope(data)
    assert e.value.rule == rule, str(e.value)


BAD_FETCHES = [
    ("no CRLF", b"* 1 FETCH (UID 1)", "message-data"),
    ("LF only", b"* 1 FETCH (UID 1)\n", "message-data"),
    ("sequence number 0", b"* 0 FETCH (UID 1)\r\n", "nz-number"),
    ("UID 0", b"* 1 FETCH (UID 0)\r\n", "uniqueid"),
    ("empty item list", b"* 1 FETCH ()\r\n", "msg-att"),
    ("unknown item", b"* 1 FETCH (XYZZY 1)\r\n", "msg-att-static"),
    ("item twice", b"* 1 FETCH (UID 1 UID 1)\r\n", "msg-att"),
    ("part 0", b"* 1 FETCH (BODY[0] NIL)\r\n", "nz-number"),
    ("bad section text", b"* 1 FETCH (BODY[1.BODY] NIL)\r\n", "section-msgtext"),
    ("MIME without a part", b"* 1 FETCH (BODY[MIME] NIL)\r\n", "section-msgtext"),
    ("header list without SP", b"* 1 FETCH (BODY[HEADER.FIELDS(FROM)] NIL)\r\n",
     "section-msgtext"),
    ("origin not a number", b"* 1 FETCH (BODY[]<x> NIL)\r\n", "number"),
    ("bad month", b'* 1 FETCH (INTERNALDATE "17-Jux-1996 02:44:25 -0700")\r\n', "date-time"),
    ("one-digit day unpadded", b'* 1 FETCH (INTERNALDATE "7-Jul-1996 02:44:25 -0700")\r\n',
     "date-time"),
    ("flag with a bracket", b"* 1 FETCH (FLAGS (\\Seen a]))\r\n", "flag-fetch list"),
    ("RFC822.SIZE as a string", b'* 1 FETCH (RFC822.SIZE "5")\r\n', "number"),
    ("MODSEQ without parentheses", b"* 1 FETCH (MODSEQ 5)\r\n", "fetch-mod-resp"),
    ("SP before )", b"* 1 FETCH (UID 1 )\r\n", "msg-att"),
    ("two responses as one", b"* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n", "message-data"),
]


@pytest.mark.parametrize("what,data,rule", BAD_FETCHES, ids=[b[0] for b in BAD_FETCHES])
def test_bad_fetch_responses(what, data, rule):
    with pytest.raises(GrammarError) as e:
        parse_fetch_response(data)
    assert e.value.rule == rule, str(e.value)


def test_error_names_position_and_rule():
    data = b'* 1 FETCH (BODYSTRUCTURE ("text" "plain" () NIL NIL "7bit" 1 1))\r\n'
    with pytest.raises(GrammarError) as e:
        parse_fetch_response(data)
    err = e.value
    assert err.pos == data.index(b"()") + 1
    assert err.rules[-3:] == ("body-type-text", "body-fields", "body-fld-param")
    assert "body-fld-param" in str(err) and f"byte {err.pos}" in str(err)


def test_only_bytes():
    with pytest.raises(TypeError):
        parse_nstring('"text"')


def test_dovecot_message_rfc822_with_base64_body():
    """What Dovecot 2.3 sends for a message/rfc822 part whose body is base64
    (not allowed by RFC 2046, found in the corpus): still the body-type-msg
    form, with an empty envelope and body."""
    data = (b'("message" "rfc822" NIL NIL NIL "base64" 130 (NIL NIL NIL NIL NIL NIL NIL NIL NIL '
            b'NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) 3 '
            b'NIL NIL NIL NIL)')
    part = parse_body(data)
    assert part.kind == "message" and part.lines == 3 and part.body.octets == 0
    assert [n for n, _ in part_numbers(part)] == ["1", "1.1"]


def test_quota_and_quotaroot_responses():
    assert parse_quota_response(b'* QUOTA "" (STORAGE 10 512 MESSAGE 2 100)\r\n') == \
        (b"", {"STORAGE": (10, 512), "MESSAGE": (2, 100)})
    assert parse_quota_response(b"* QUOTA root (STORAGE 0 1)\r\n") == (b"root", {"STORAGE": (0, 1)})
    assert parse_quotaroot_response(b'* QUOTAROOT INBOX ""\r\n') == (b"INBOX", [b""])
    assert parse_quotaroot_response(b'* QUOTAROOT "a b"\r\n') == (b"a b", [])
    for bad, rule in ((b'* QUOTA "" ()\r\n', "resource-name"),
                      (b'* QUOTA "" (STORAGE 1)\r\n', "quota-resource"),
                      (b'* QUOTA "" (STORAGE 1 2 STORAGE 1 2)\r\n', "quota-resource"),
                      (b'* QUOTA "" (STORAGE -1 2)\r\n', "resource-usage"),
                      (b"* QUOTAROOT\r\n", "quotaroot-response")):
        with pytest.raises(GrammarError) as e:
            (parse_quota_response if b"QUOTA " in bad else parse_quotaroot_response)(bad)
        assert e.value.rule == rule, (bad, e.value)


def test_binary_items_with_literal8():
    data = (b"* 2 FETCH (UID 9 BINARY[1.2] ~{3}\r\na\0b BINARY[1]<4> {2}\r\nxy"
            b" BINARY.SIZE[3] 1234 BINARY[2] \"\")\r\n")
    seq, items = parse_fetch_response(data)
    assert seq == 2 and items["UID"] == 9
    assert items["BINARY[1.2]"] == b"a\0b" and items["BINARY[1]<4>"] == b"xy"
    assert items["BINARY.SIZE[3]"] == 1234 and items["BINARY[2]"] == b""
    for bad, rule in ((b"* 1 FETCH (BINARY[1] {1}\r\n\0)\r\n", "CHAR8"),
                      (b"* 1 FETCH (BINARY[1.TEXT] NIL)\r\n", "number"),
                      (b"* 1 FETCH (BINARY.SIZE[1] NIL)\r\n", "number"),
                      (b"* 1 FETCH (BINARY[1] ~{9}\r\nab)\r\n", "literal8")):
        with pytest.raises(GrammarError) as e:
            parse_fetch_response(bad)
        assert e.value.rule == rule, (bad, e.value)
