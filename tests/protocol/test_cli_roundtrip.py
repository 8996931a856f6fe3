"""`eider deliver` then `eider export` gives back exactly the delivered bytes.

Every corpus message and a set of synthetic awkward cases go into one data
folder per module (to keep the run short); each is read back by the UID that
deliver printed and compared byte for byte.
"""

import base64
import random

import pytest

from eider_harness import Cli, corpus_messages

USER = "u"


@pytest.fixture(scope="module")
def store(eider_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("roundtrip")
    data = root / "data"
    data.mkdir()
    cli = Cli(eider_bin, data, cwd=root)
    cli.add_user(USER)
    return cli


def assert_roundtrip(cli, message, mailbox=None):
    uid = cli.deliver(USER, message, mailbox=mailbox)
    back = cli.export(USER, uid, mailbox=mailbox or "INBOX")
    # Compare lengths first: a 50 MiB diff in an assertion message is useless.
    assert len(back) == len(message)
    assert back == message


@pytest.mark.parametrize("path", corpus_messages(), ids=lambda p: p.name)
def test_corpus_message_exports_byte_identical(store, path):
    assert_roundtrip(store, path.read_bytes())


def test_corpus_is_present():
    # The parametrized test above would silently shrink to nothing without it.
    assert len(corpus_messages()) >= 250


SIMPLE_HEADERS = [
    b"From: Alice <alice@example.test>",
    b"To: Bob <bob@example.test>",
    b"Subject: round trip",
    b"Date: Tue, 24 Nov 2026 10:00:00 +0000",
    b"Message-ID: <rt@example.test>",
]


def message(eol, body_lines, final_eol=True):
    text = eol.join(SIMPLE_HEADERS + [b""] + body_lines)
    return text + eol if final_eol else text


def test_bare_lf_message_keeps_its_line_endings(store):
    assert_roundtrip(store, message(b"\n", [b"line one", b"line two"]))


def test_bare_cr_message_keeps_its_line_endings(store):
    assert_roundtrip(store, message(b"\r", [b"line one", b"line two"]))


def test_mixed_line_endings_are_kept(store):
    msg = b"Subject: mixed\r\nFrom: a@example.test\n\r\nbody\rmore\r\nlast\n"
    assert_roundtrip(store, msg)


def test_message_without_final_newline_is_not_completed(store):
    assert_roundtrip(store, message(b"\r\n", [b"no newline at the end"], final_eol=False))


def test_nul_bytes_are_kept(store):
    assert_roundtrip(store, message(b"\r\n", [b"before\x00after", b"\x00\x00\x00"]))


def test_eight_bit_headers_are_kept(store):
    msg = (
        b"From: J\xc3\xbcrgen <j@example.test>\r\n"
        b"Subject: Gr\xfc\xdfe aus K\xf6ln \xff\xfe\r\n"
        b"X-Raw: \x80\x81\x82\r\n"
        b"\r\n"
        b"body\r\n"
    )
    assert_roundtrip(store, msg)


def test_headers_only_message_without_blank_line(store):
    assert_roundtrip(store, b"\r\n".join(SIMPLE_HEADERS) + b"\r\n")


def test_headers_with_empty_body(store):
    assert_roundtrip(store, message(b"\r\n", []))


def test_single_byte_message(store):
    assert_roundtrip(store, b"x")


def test_delivery_to_another_mailbox_exports_from_it(store):
    assert_roundtrip(store, message(b"\r\n", [b"filed in Archive"]), mailbox="Archive")


def big_attachment_message(size, line_length, seed):
    """A multipart message with a random binary attachment of `size` bytes,
    base64-wrapped at line_length characters with CRLF."""
    payload = random.Random(seed).randbytes(size)
    encoded = base64.b64encode(payload)
    lines = [encoded[i : i + line_length] for i in range(0, len(encoded), line_length)]
    return b"\r\n".join(
        SIMPLE_HEADERS
        + [
            b"MIME-Version: 1.0",
            b'Content-Type: multipart/mixed; boundary="b1"',
            b"",
            b"--b1",
            b"Content-Type: text/plain",
            b"",
            b"see attachment",
            b"--b1",
            b"Content-Type: application/octet-stream",
            b"Content-Transfer-Encoding: base64",
            b'Content-Disposition: attachment; filename="big.bin"',
            b"",
            *lines,
            b"--b1--",
            b"",
        ]
    )


def test_fifty_mib_message_exports_byte_identical(store):
    # 38 MiB of random bytes is a little over 50 MiB once base64-encoded.
    msg = big_attachment_message(38 * 1024 * 1024, 76, seed=50)
    assert len(msg) > 50 * 1024 * 1024
    assert_roundtrip(store, msg)


def test_base64_with_odd_last_line_and_trailing_text_is_kept(store):
    msg = big_attachment_message(100_000, 72, seed=7)
    # Text after the closing boundary (the epilogue) must stay where it was.
    msg += b"epilogue text\r\n\r\n"
    assert_roundtrip(store, msg)
