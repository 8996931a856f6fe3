"""A strict checker of RFC 3501's formal syntax (section 9) for what a server
sends in untagged FETCH responses.

It parses the raw bytes a server sent (literals `{n}CRLF...` included) and
returns a parsed structure, or raises GrammarError naming the byte offset, the
chain of grammar rules it was in and what it expected there. Nothing is
lenient: a rule the RFC does not allow is an error even where a client could
cope (a SP between the parts of a multipart, an empty parameter list `()`, an
8-bit byte or a bare CR in a quoted string, extension data in BODY, ...).

Entry points:

  parse_envelope(data)            -> Envelope        (rule envelope)
  parse_body(data, extensible)    -> Single/Multipart (rule body; BODY when
                                     extensible=False, BODYSTRUCTURE when True)
  parse_fetch_response(data)      -> (seq, {item: value})  one `* n FETCH (...)CRLF`
  parse_fetch_responses(data)     -> [(seq, items), ...]   several, back to back
  part_numbers(body)              -> [("1", part), ("1.1", part), ...]
                                     section-part numbers (6.4.5) and their parts
  parse_quota_response(data)      -> (root, {resource: (usage, limit)})
                                     one `* QUOTA ...CRLF` (RFC 9208 quota-response)
  parse_quotaroot_response(data)  -> (mailbox, [root, ...])
                                     one `* QUOTAROOT ...CRLF` (quotaroot-response)

Each parse_* insists that its rule covers all of `data`.

Where the ABNF itself is ambiguous, the prose of section 7.4.2 decides: a part
whose type is TEXT must use body-type-text (it carries body-fld-lines), and a
MESSAGE/RFC822 part must use body-type-msg (envelope, body and lines); ABNF
quoted strings such as "TEXT" and "NIL" match case-insensitively (RFC 5234).
BODY is the non-extensible form (7.4.2: "a form of BODYSTRUCTURE without
extension data"), so extension data after a part in BODY is an error.

Items of msg-att understood: FLAGS, ENVELOPE, INTERNALDATE, RFC822,
RFC822.HEADER, RFC822.TEXT, RFC822.SIZE, BODY, BODYSTRUCTURE,
BODY[section]<origin>, UID, MODSEQ (RFC 7162), and BINARY[part]<origin>
(nstring or literal8 ~{n}, which may carry NUL) and BINARY.SIZE[part]
(RFC 3516). Item names are returned
upper-case; a BODY[...] key keeps its section text as sent, upper-cased, e.g.
"BODY[1.2.MIME]", "BODY[]<10>", "BODY[HEADER.FIELDS (FROM)]".
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

MAX_NUMBER = 4294967295  # number: unsigned 32-bit
MAX_MODSEQ = 9223372036854775807  # RFC 7162 mod-sequence-value: 63 bits
MAX_NUMBER64 = 9223372036854775807  # RFC 9051 number64: 63 bits

CR, LF, SP, DQUOTE, BACKSLASH = 0x0D, 0x0A, 0x20, 0x22, 0x5C
# atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
ATOM_SPECIALS = set(b'(){ %*"\\]') | set(range(0x00, 0x20)) | {0x7F}
ATOM_CHARS = frozenset(c for c in range(0x01, 0x80) if c not in ATOM_SPECIALS)
ASTRING_CHARS = ATOM_CHARS | {ord("]")}
MONTHS = (b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN",
          b"JUL", b"AUG", b"SEP", b"OCT", b"NOV", b"DEC")


class GrammarError(ValueError):
    """A violation of the RFC 3501 grammar: where, in which rule, what was expected."""

    def __init__(self, data, pos, rules, expected):
        self.pos = pos
        self.rules = tuple(rules)
        self.rule = rules[-1] if rules else "?"
        self.expected = expected
        got = data[pos:pos + 40]
        before = data[max(0, pos - 40):pos]
        super().__init__(
            f"RFC 3501 violation at byte {pos} in rule {self.rule} "
            f"({' > '.join(self.rules)}): expected {expected}; "
            f"got {got!r} after {before!r}")


@dataclass
class Address:
    name: Optional[bytes]
    adl: Optional[bytes]
    mailbox: Optional[bytes]
    host: Optional[bytes]


@dataclass
class Envelope:
    date: Optional[bytes]
    subject: Optional[bytes]
    from_: Optional[List[Address]]
    sender: Optional[List[Address]]
    reply_to: Optional[List[Address]]
    to: Optional[List[Address]]
    cc: Optional[List[Address]]
    bcc: Optional[List[Address]]
    in_reply_to: Optional[bytes]
    message_id: Optional[bytes]


# Extension data: the fields after body-fld-md5 / body-fld-param. None where
# the server left that field (and every later one) out.
@dataclass
class Extension:
    disposition: Optional[Tuple[bytes, Optional[list]]] = None
    language: Union[None, bytes, List[bytes]] = None
    location: Optional[bytes] = None
    extensions: list = field(default_factory=list)
    present: int = 0  # how many of dsp, lang, loc were sent


@dataclass
class Single:
    """body-type-1part: kind is "basic", "text" or "message"."""
    kind: str
    type: bytes
    subtype: bytes
    params: Optional[List[Tuple[bytes, bytes]]]
    id: Optional[bytes]
    description: Optional[bytes]
    encoding: bytes
    octets: int
    lines: Optional[int] = None  # text and message
    envelope: Optional[Envelope] = None  # message
    body: Optional[Union["Single", "Multipart"]] = None  # message
    has_ext: bool = False
    md5: Optional[bytes] = None
    ext: Optional[Extension] = None


@dataclass
class Multipart:
    parts: list
    subtype: bytes
    has_ext: bool = False
    params: Optional[List[Tuple[bytes, bytes]]] = None
    ext: Optional[Extension] = None


class _Parser:
    def __init__(self, data):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("the grammar checks bytes")
        self.d = bytes(data)
        self.i = 0
        self.rules = []

    # -- basics ---------------------------------------------------------
    def fail(self, expected, pos=None):
        raise GrammarError(self.d, self.i if pos is None else pos, self.rules, expected)

    @contextmanager
    def rule(self, name):
        self.rules.append(name)
        try:
            yield
        finally:
            self.rules.pop()

    def peek(self, k=0):
        j = self.i + k
        return self.d[j] if j < len(self.d) else None

    def at(self, text):
        """True if the input continues with text (ASCII, case-insensitive)."""
        return self.d[self.i:self.i + len(text)].upper() == text.upper()

    def expect(self, text, what=None):
        if not self.at(text):
            self.fail(what or repr(text.decode()))
        self.i += len(text)

    def sp(self):
        if self.peek() != SP:
            self.fail("SP")
        self.i += 1

    def end(self, rule):
        if self.i != len(self.d):
            with self.rule(rule):
                self.fail(f"the end of the input after one {rule}")

    # -- generic values -------------------------------------------------
    def number(self, limit=MAX_NUMBER, rule="number"):
        with self.rule(rule):
            start = self.i
            while self.peek() is not None and 0x30 <= self.peek() <= 0x39:
                self.i += 1
            if self.i == start:
                self.fail("1*DIGIT")
            value = int(self.d[start:self.i])
            if value > limit:
                self.fail(f"a value <= {limit}", start)
            return value

    def nz_number(self, rule="nz-number"):
        with self.rule(rule):
            if self.peek() == 0x30:
                self.fail("digit-nz (no leading 0)")
            return self.number(rule="number")

    def nil(self):
        with self.rule("nil"):
            self.expect(b"NIL", '"NIL"')
            return None

    def string_q(self):
        """string = quoted / literal; returns (bytes, was_quoted)."""
        with self.rule("string"):
            c = self.peek()
            if c == DQUOTE:
                return self.quoted(), True
            if c == ord("{"):
                return self.literal(), False
            self.fail("string (quoted or literal)")

    def string(self):
        return self.string_q()[0]

    def quoted(self):
        with self.rule("quoted"):
            self.i += 1
            out = bytearray()
            while True:
                c = self.peek()
                if c is None:
                    self.fail("QUOTED-CHAR or closing DQUOTE")
                if c == DQUOTE:
                    self.i += 1
                    return bytes(out)
                if c == BACKSLASH:
                    n = self.peek(1)
                    if n not in (DQUOTE, BACKSLASH):
                        with self.rule("QUOTED-CHAR"):
                            self.fail('quoted-specials (DQUOTE or "\\") after "\\"', self.i + 1)
                    out.append(n)
                    self.i += 2
                    continue
                if c in (CR, LF):
                    with self.rule("TEXT-CHAR"):
                        self.fail("any CHAR except CR and LF (use a literal)")
                if c == 0 or c > 0x7F:
                    with self.rule("CHAR"):
                        self.fail("%x01-7F (8-bit data needs a literal)")
                out.append(c)
                self.i += 1

    def literal(self):
        with self.rule("literal"):
            self.i += 1
            size = self.number()
            if self.peek() == ord("+"):
                self.fail('"}" (LITERAL+ is for clients only)')
            self.expect(b"}", '"}"')
            self.expect(b"\r\n", "CRLF after {n}")
            start = self.i
            if start + size > len(self.d):
                self.fail(f"{size} octets of literal data, only {len(self.d) - start} left")
            data = self.d[start:start + size]
            nul = data.find(b"\0")
            if nul >= 0:
                with self.rule("CHAR8"):
                    self.fail("%x01-ff (no NUL in a literal)", start + nul)
            self.i += size
            return data

    def nstring(self, rule="nstring"):
        with self.rule(rule):
            if self.peek() in (DQUOTE, ord("{")):
                return self.string()
            if self.at(b"NIL"):
                return self.nil()
            self.fail("nstring (quoted, literal or NIL)")

    def astring(self, rule="astring"):
        with self.rule(rule):
            if self.peek() in (DQUOTE, ord("{")):
                return self.string()
            start = self.i
            while self.peek() is not None and self.peek() in ASTRING_CHARS:
                self.i += 1
            if self.i == start:
                self.fail("1*ASTRING-CHAR or string")
            return self.d[start:self.i]

    def atom(self, rule="atom"):
        with self.rule(rule):
            start = self.i
            while self.peek() is not None and self.peek() in ATOM_CHARS:
                self.i += 1
            if self.i == start:
                self.fail("1*ATOM-CHAR")
            return self.d[start:self.i]

    # -- envelope -------------------------------------------------------
    def envelope(self):
        with self.rule("envelope"):
            self.expect(b"(", '"("')
            date = self.nstring("env-date")
            self.sp()
            subject = self.nstring("env-subject")
            lists = []
            for name in ("env-from", "env-sender", "env-reply-to", "env-to", "env-cc", "env-bcc"):
                self.sp()
                lists.append(self.address_list(name))
            self.sp()
            in_reply_to = self.nstring("env-in-reply-to")
            self.sp()
            message_id = self.nstring("env-message-id")
            self.expect(b")", '")" closing the envelope')
            return Envelope(date, subject, *lists, in_reply_to, message_id)

    def address_list(self, name):
        with self.rule(name):
            if self.peek() != ord("("):
                if self.at(b"NIL"):
                    return self.nil()
                self.fail('"(" 1*address ")" or NIL')
            self.i += 1
            out = []
            while self.peek() == ord("("):
                out.append(self.address())
            if not out:
                self.fail('1*address (an empty list must be NIL)')
            self.expect(b")", '")" closing the address list, or "(" of the next address '
                              '(no SP between addresses)')
            return out

    def address(self):
        with self.rule("address"):
            self.i += 1
            name = self.nstring("addr-name")
            self.sp()
            adl = self.nstring("addr-adl")
            self.sp()
            mailbox = self.nstring("addr-mailbox")
            self.sp()
            host = self.nstring("addr-host")
            self.expect(b")", '")" closing the address')
            return Address(name, adl, mailbox, host)

    # -- body -----------------------------------------------------------
    def body(self, ext):
        with self.rule("body"):
            self.expect(b"(", '"("')
            if self.peek() == ord("("):
                result = self.mpart(ext)
            else:
                result = self.one_part(ext)
            self.expect(b")", '")" closing the body')
            return result

    def mpart(self, ext):
        with self.rule("body-type-mpart"):
            parts = []
            while self.peek() == ord("("):
                parts.append(self.body(ext))
            if self.peek() != SP:
                self.fail('SP media-subtype, or "(" of the next body')
            if self.peek(1) == ord("("):
                self.fail('"(" of the next body right after ")": no SP between bodies')
            self.i += 1
            with self.rule("media-subtype"):
                subtype = self.string()
            result = Multipart(parts, subtype)
            if self.peek() == SP:
                if not ext:
                    self.fail('")": no extension data in BODY, the non-extensible form')
                self.i += 1
                with self.rule("body-ext-mpart"):
                    result.has_ext = True
                    result.params = self.fld_param()
                    result.ext = self.ext_tail()
            return result

    def one_part(self, ext):
        with self.rule("body-type-1part"):
            start = self.i
            with self.rule("media-type"):
                mtype, quoted_type = self.string_q()
            self.sp()
            with self.rule("media-subtype"):
                subtype, quoted_sub = self.string_q()
            if mtype.upper() == b"TEXT":
                kind = "text"
                if not quoted_type:
                    with self.rule("media-text"):
                        self.fail('DQUOTE "TEXT" DQUOTE (not a literal)', start)
            elif mtype.upper() == b"MESSAGE" and subtype.upper() == b"RFC822":
                kind = "message"
                if not (quoted_type and quoted_sub):
                    with self.rule("media-message"):
                        self.fail('DQUOTE "MESSAGE" DQUOTE SP DQUOTE "RFC822" DQUOTE', start)
            else:
                kind = "basic"
            rule = {"text": "body-type-text", "message": "body-type-msg",
                    "basic": "body-type-basic"}[kind]
            with self.rule(rule):
                self.sp()
                with self.rule("body-fields"):
                    params = self.fld_param()
                    self.sp()
                    fid = self.nstring("body-fld-id")
                    self.sp()
                    desc = self.nstring("body-fld-desc")
                    self.sp()
                    with self.rule("body-fld-enc"):
                        enc = self.string()
                    self.sp()
                    octets = self.number(rule="body-fld-octets")
                part = Single(kind, mtype, subtype, params, fid, desc, enc, octets)
                if kind == "message":
                    self.sp()
                    if self.peek() != ord("("):
                        self.fail('envelope: a MESSAGE/RFC822 part carries the envelope, body '
                                  'and line count of the message it encapsulates (7.4.2)')
                    part.envelope = self.envelope()
                    self.sp()
                    part.body = self.body(ext)
                if kind in ("message", "text"):
                    if self.peek() != SP:
                        self.fail(f"SP body-fld-lines (a {kind} part has a line count)")
                    self.i += 1
                    part.lines = self.number(rule="body-fld-lines")
            if self.peek() == SP:
                if not ext:
                    self.fail('")": no extension data in BODY, the non-extensible form')
                self.i += 1
                with self.rule("body-ext-1part"):
                    part.has_ext = True
                    part.md5 = self.nstring("body-fld-md5")
                    part.ext = self.ext_tail()
            return part

    def ext_tail(self):
        """[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]"""
        e = Extension()
        if self.peek() != SP:
            return e
        self.i += 1
        e.disposition = self.fld_dsp()
        e.present = 1
        if self.peek() != SP:
            return e
        self.i += 1
        e.language = self.fld_lang()
        e.present = 2
        if self.peek() != SP:
            return e
        self.i += 1
        e.location = self.nstring("body-fld-loc")
        e.present = 3
        while self.peek() == SP:
            self.i += 1
            e.extensions.append(self.body_extension())
        return e

    def fld_param(self):
        with self.rule("body-fld-param"):
            if self.peek() != ord("("):
                if self.at(b"NIL"):
                    return self.nil()
                self.fail('"(" string SP string ... ")" or NIL')
            self.i += 1
            if self.peek() == ord(")"):
                self.fail('string (an empty parameter list must be NIL)')
            pairs = []
            while True:
                name = self.string()
                self.sp()
                value = self.string()
                pairs.append((name, value))
                if self.peek() == ord(")"):
                    self.i += 1
                    return pairs
                if self.peek() != SP:
                    self.fail('SP or ")"')
                self.i += 1

    def fld_dsp(self):
        with self.rule("body-fld-dsp"):
            if self.peek() != ord("("):
                if self.at(b"NIL"):
                    return self.nil()
                self.fail('"(" string SP body-fld-param ")" or NIL')
            self.i += 1
            kind = self.string()
            self.sp()
            params = self.fld_param()
            self.expect(b")", '")" closing body-fld-dsp')
            return (kind, params)

    def fld_lang(self):
        with self.rule("body-fld-lang"):
            if self.peek() != ord("("):
                return self.nstring()
            self.i += 1
            out = [self.string()]
            while self.peek() == SP:
                self.i += 1
                out.append(self.string())
            self.expect(b")", '")" or SP string')
            return out

    def body_extension(self, depth=0):
        with self.rule("body-extension"):
            c = self.peek()
            if c == ord("("):
                self.i += 1
                out = [self.body_extension(depth + 1)]
                while self.peek() == SP:
                    self.i += 1
                    out.append(self.body_extension(depth + 1))
                self.expect(b")", '")" or SP body-extension')
                return out
            if c is not None and 0x30 <= c <= 0x39:
                return self.number()
            return self.nstring()

    # -- FETCH responses -----------------------------------------------
    def fetch_response(self):
        with self.rule("message-data"):
            self.expect(b"* ", '"*" SP')
            seq = self.nz_number()
            self.sp()
            self.expect(b"FETCH", '"FETCH"')
            self.sp()
            items = self.msg_att()
            self.expect(b"\r\n", "CRLF ending the response")
            return seq, items

    def msg_att(self):
        with self.rule("msg-att"):
            self.expect(b"(", '"("')
            items = {}
            while True:
                start = self.i
                key, value = self.msg_att_item()
                if key in items:
                    self.fail(f"each item once per response, {key} came twice", start)
                items[key] = value
                if self.peek() == ord(")"):
                    self.i += 1
                    return items
                if self.peek() != SP:
                    self.fail('SP or ")"')
                self.i += 1

    def msg_att_item(self):
        m = re.compile(rb"[A-Za-z0-9.]+").match(self.d, self.i)
        if not m:
            self.fail("a msg-att item name")
        name = m.group().upper()
        if name == b"BODY" and self.peek(4) == ord("["):
            self.i += 4
            return self.body_section()
        if name in (b"BINARY", b"BINARY.SIZE") and self.peek(len(name)) == ord("["):
            self.i += len(name)
            return self.binary_section(name == b"BINARY.SIZE")
        self.i = m.end()
        with self.rule("msg-att-dynamic" if name == b"FLAGS" else "msg-att-static"):
            key = name.decode()
            if name == b"FLAGS":
                self.sp()
                return key, self.flags()
            if name == b"ENVELOPE":
                self.sp()
                return key, self.envelope()
            if name == b"INTERNALDATE":
                self.sp()
                return key, self.date_time()
            if name in (b"RFC822", b"RFC822.HEADER", b"RFC822.TEXT"):
                self.sp()
                return key, self.nstring()
            if name == b"RFC822.SIZE":
                self.sp()
                return key, self.number()
            if name == b"BODYSTRUCTURE":
                self.sp()
                return key, self.body(ext=True)
            if name == b"BODY":
                self.sp()
                return key, self.body(ext=False)
            if name == b"UID":
                self.sp()
                return key, self.nz_number("uniqueid")
            if name == b"MODSEQ":
                self.sp()
                with self.rule("fetch-mod-resp"):
                    self.expect(b"(", '"("')
                    value = self.number(MAX_MODSEQ, rule="permsg-modsequence")
                    if value == 0:
                        self.fail("mod-sequence-value >= 1")
                    self.expect(b")", '")"')
                return key, value
            self.i = m.start()
            self.fail(f"a known msg-att item, not {name.decode('ascii', 'replace')}")

    def flags(self):
        with self.rule("flag-fetch list"):
            self.expect(b"(", '"("')
            out = []
            while self.peek() != ord(")"):
                if out:
                    self.sp()
                with self.rule("flag-fetch"):
                    if self.peek() == BACKSLASH:
                        self.i += 1
                        out.append("\\" + self.atom("flag-extension").decode())
                    else:
                        out.append(self.atom("flag-keyword").decode())
            self.i += 1
            return out

    def date_time(self):
        with self.rule("date-time"):
            m = re.compile(rb'"([ 0-9][0-9])-([A-Za-z]{3})-([0-9]{4}) '
                           rb'([0-9]{2}):([0-9]{2}):([0-9]{2}) ([+-][0-9]{4})"').match(self.d, self.i)
            if not m or m.group(2).upper() not in MONTHS or m.group(1)[1:2] == b" ":
                self.fail('DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE')
            self.i = m.end()
            return m.group()[1:-1].decode()

    def body_section(self):
        """BODY section ["<" number ">"] SP nstring, after "BODY"."""
        with self.rule("msg-att-static"):
            start = self.i
            with self.rule("section"):
                self.expect(b"[", '"["')
                if self.peek() != ord("]"):
                    self.section_spec()
                self.expect(b"]", '"]"')
            key = "BODY" + self.d[start:self.i].decode("ascii").upper()
            if self.peek() == ord("<"):
                self.i += 1
                origin = self.number()
                self.expect(b">", '">"')
                key += f"<{origin}>"
            self.sp()
            return key, self.nstring()

    def binary_section(self, size):
        """section-binary, then SP number (BINARY.SIZE) or ["<" number ">"] SP
        (nstring / literal8) (BINARY), after the item name (RFC 3516 4.2)."""
        with self.rule("msg-att-static"):
            start = self.i
            with self.rule("section-binary"):
                self.expect(b"[", '"["')
                if self.peek() != ord("]"):
                    with self.rule("section-part"):
                        self.nz_number()
                        while self.peek() == ord("."):
                            self.i += 1
                            self.nz_number()
                self.expect(b"]", '"]"')
            key = ("BINARY.SIZE" if size else "BINARY") + self.d[start:self.i].decode("ascii")
            if size:
                self.sp()
                return key, self.number()
            if self.peek() == ord("<"):
                self.i += 1
                key += f"<{self.number()}>"
                self.expect(b">", '">"')
            self.sp()
            if self.peek() == ord("~"):
                return key, self.literal8()
            return key, self.nstring()

    def literal8(self):
        with self.rule("literal8"):
            self.i += 1
            self.expect(b"{", '"{"')
            size = self.number()
            self.expect(b"}", '"}"')
            self.expect(b"\r\n", "CRLF after ~{n}")
            if self.i + size > len(self.d):
                self.fail(f"{size} octets of literal8 data, only {len(self.d) - self.i} left")
            data = self.d[self.i:self.i + size]
            self.i += size
            return data

    def section_spec(self):
        with self.rule("section-spec"):
            c = self.peek()
            if c is not None and 0x30 <= c <= 0x39:
                with self.rule("section-part"):
                    self.nz_number()
                    while self.peek() == ord(".") and self.peek(1) is not None \
                            and 0x30 <= self.peek(1) <= 0x39:
                        self.i += 1
                        self.nz_number()
                if self.peek() == ord("."):
                    self.i += 1
                    with self.rule("section-text"):
                        if self.at(b"MIME"):
                            self.i += 4
                        else:
                            self.section_msgtext()
            else:
                self.section_msgtext()

    def section_msgtext(self):
        with self.rule("section-msgtext"):
            for word in (b"HEADER.FIELDS.NOT", b"HEADER.FIELDS"):
                if self.at(word):
                    self.i += len(word)
                    self.sp()
                    with self.rule("header-list"):
                        self.expect(b"(", '"("')
                        self.astring("header-fld-name")
                        while self.peek() == SP:
                            self.i += 1
                            self.astring("header-fld-name")
                        self.expect(b")", '")"')
                    return
            for word in (b"HEADER", b"TEXT"):
                if self.at(word):
                    self.i += len(word)
                    return
            self.fail('"HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT" or "TEXT"')

    # -- QUOTA (RFC 9208 section 6) ---------------------------------------
    def quota_response(self):
        with self.rule("quota-response"):
            self.expect(b"* QUOTA ", '"*" SP "QUOTA" SP')
            root = self.astring("quota-root-name")
            self.sp()
            resources = {}
            with self.rule("quota-list"):
                self.expect(b"(", '"("')
                while True:
                    with self.rule("quota-resource"):
                        start = self.i
                        name = self.atom("resource-name").decode().upper()
                        if name in resources:
                            self.fail(f"each resource once, {name} came twice", start)
                        self.sp()
                        usage = self.number(MAX_NUMBER64, rule="resource-usage")
                        self.sp()
                        limit = self.number(MAX_NUMBER64, rule="resource-limit")
                        resources[name] = (usage, limit)
                    if self.peek() == ord(")"):
                        self.i += 1
                        break
                    self.sp()
            self.expect(b"\r\n", "CRLF ending the response")
            return root, resources

    def quotaroot_response(self):
        with self.rule("quotaroot-response"):
            self.expect(b"* QUOTAROOT ", '"*" SP "QUOTAROOT" SP')
            mailbox = self.astring("mailbox")
            roots = []
            while self.peek() == SP:
                self.i += 1
                roots.append(self.astring("quota-root-name"))
            self.expect(b"\r\n", "CRLF ending the response")
            return mailbox, roots


def _vanished_response(p):
    """RFC 7162 section 7: "VANISHED" [SP "(EARLIER)"] SP known-uids, where
    known-uids is a sequence-set of UIDs (no "*" in what a server sends)."""
    with p.rule("expunged-resp"):
        p.expect(b"* VANISHED ", '"* VANISHED" SP')
        earlier = p.at(b"(EARLIER) ")
        if earlier:
            p.i += len(b"(EARLIER) ")
        ranges = []
        with p.rule("known-uids"):
            while True:
                first = p.nz_number("uniqueid")
                last = first
                if p.peek() == ord(":"):
                    p.i += 1
                    last = p.nz_number("uniqueid")
                ranges.append((min(first, last), max(first, last)))
                if p.peek() != ord(","):
                    break
                p.i += 1
        p.expect(b"\r\n", "CRLF ending the response")
        return earlier, ranges


def parse_vanished_response(data):
    """One whole `* VANISHED [(EARLIER) ]uid-set CRLF`; returns (earlier,
    [(first, last), ...]) with the ranges as sent."""
    p = _Parser(data)
    result = _vanished_response(p)
    p.end("expunged-resp")
    return result


def _whole(data, rule, method, *args):
    p = _Parser(data)
    result = getattr(p, method)(*args)
    p.end(rule)
    return result


def parse_envelope(data):
    """The envelope of an ENVELOPE item, e.g. b'("date" "subject" ...)'."""
    return _whole(data, "envelope", "envelope")


def parse_body(data, extensible=True):
    """A body: BODYSTRUCTURE (extensible=True) or BODY (extensible=False)."""
    return _whole(data, "body", "body", extensible)


def parse_nstring(data):
    return _whole(data, "nstring", "nstring")


def parse_fetch_response(data):
    """One whole `* n FETCH (...)CRLF` response; returns (n, {item: value})."""
    return _whole(data, "message-data", "fetch_response")


def parse_fetch_responses(data):
    """Several `* n FETCH` responses back to back; returns [(n, items), ...]."""
    p = _Parser(data)
    out = []
    while p.i < len(p.d):
        out.append(p.fetch_response())
    return out


def parse_quota_response(data):
    """One whole `* QUOTA root (NAME usage limit ...)CRLF`."""
    return _whole(data, "quota-response", "quota_response")


def parse_quotaroot_response(data):
    """One whole `* QUOTAROOT mailbox *(SP root)CRLF`."""
    return _whole(data, "quotaroot-response", "quotaroot_response")


def part_numbers(body):
    """Every section-part number in a body structure (RFC 3501 6.4.5):
    the parts of a multipart are n.1, n.2, ...; a MESSAGE/RFC822 part's own
    body is n.1 unless it is a multipart, whose parts are then n.1, n.2, ...;
    a message that is not multipart has one part, 1."""
    out = []

    def children(node, number):
        if isinstance(node, Multipart):
            for k, child in enumerate(node.parts, 1):
                n = f"{number}.{k}" if number else str(k)
                out.append((n, child))
                children(child, n)
        elif node.kind == "message":
            inner = node.body
            if isinstance(inner, Multipart):
                children(inner, number)
            else:
                out.append((f"{number}.1", inner))
                children(inner, f"{number}.1")

    if isinstance(body, Multipart):
        children(body, "")
    else:
        out.append(("1", body))
        children(body, "1")
    return out
