"""The same attachment delivered many times is stored once (docs/architecture.md, idea 2).

One 1 MiB attachment (random, so incompressible) goes out 50 times wrapped at
76 base64 characters per line and 50 times at 64. The blob key hashes the
decoded content, so all 100 copies share one blob; deleting the user frees it.
"""

import base64
import random

import store_backend
from eider_harness import dir_size

MIB = 1024 * 1024
PAYLOAD = random.Random(1).randbytes(MIB)


def message(index, line_length):
    encoded = base64.b64encode(PAYLOAD)
    lines = [encoded[i : i + line_length] for i in range(0, len(encoded), line_length)]
    return b"\r\n".join(
        [
            b"From: Sender <sender@example.test>",
            b"To: u@example.test",
            b"Subject: report %d" % index,
            b"Message-ID: <dedup-%d@example.test>" % index,
            b"MIME-Version: 1.0",
            b'Content-Type: multipart/mixed; boundary="sep"',
            b"",
            b"--sep",
            b"Content-Type: text/plain",
            b"",
            b"Copy %d of the report, wrapped at %d." % (index, line_length),
            b"--sep",
            b"Content-Type: application/octet-stream",
            b"Content-Transfer-Encoding: base64",
            b'Content-Disposition: attachment; filename="report.bin"',
            b"",
            *lines,
            b"--sep--",
            b"",
        ]
    )


def vacuumed_size(cli):
    """The data folder's size after vacuum on SQLite, whose store lives
    there; None on PostgreSQL, whose disk use the folder does not show."""
    if store_backend.is_postgresql():
        return None
    cli.ok("vacuum")
    return dir_size(cli.data_dir)


def test_one_attachment_in_a_hundred_messages_is_stored_once_and_freed_on_delete(cli):
    cli.add_user("u", addresses=["u@example.test"])
    before = vacuumed_size(cli)

    sent = {}
    for i in range(50):
        msg = message(i, 76)
        sent[cli.deliver("u", msg)] = msg
    for i in range(50, 100):
        msg = message(i, 64)
        sent[cli.deliver("u", msg)] = msg
    assert len(sent) == 100

    stats = cli.stats()
    assert stats["message_count"] == 100
    assert stats["blob_count"] == 1
    if before is not None:
        growth = vacuumed_size(cli) - before
        assert growth < 3 * MIB, f"data folder grew by {growth} bytes for one 1 MiB attachment"

    # Sharing one blob must not cost exactness: each wrap comes back as sent.
    first_76, first_64 = min(sent), max(sent)
    assert cli.export("u", first_76) == sent[first_76]
    assert cli.export("u", first_64) == sent[first_64]

    cli.ok("user", "del", "u")
    stats = cli.stats()
    assert stats["blob_count"] == 0
    assert stats["blob_bytes"] == 0
    assert stats["message_count"] == 0
    if before is not None:
        after = vacuumed_size(cli)
        # The blob alone is 1 MiB: a quarter of that left over means it was kept.
        assert after < before + MIB // 4, f"{after} bytes after delete and vacuum, {before} before"


def test_blob_shared_by_two_users_lives_until_the_last_one_is_deleted(cli):
    cli.add_user("alice")
    cli.add_user("bob")
    msg = message(0, 76)
    cli.deliver("alice", msg)
    bob_uid = cli.deliver("bob", msg, mailbox="Archive")
    assert cli.stats()["blob_count"] == 1

    cli.ok("user", "del", "alice")
    vacuumed_size(cli)
    assert cli.stats()["blob_count"] == 1
    assert cli.export("bob", bob_uid, mailbox="Archive") == msg

    cli.ok("user", "del", "bob")
    assert cli.stats()["blob_count"] == 0
