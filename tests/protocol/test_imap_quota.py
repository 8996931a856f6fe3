"""QUOTA (RFC 9208) over the wire: GETQUOTAROOT, GETQUOTA and SETQUOTA, the
QUOTA response beside NO [OVERQUOTA] when APPEND or COPY would pass a limit,
and LMTP's 552 5.2.2 for the same breach. Every QUOTA and QUOTAROOT line is
checked against RFC 9208's grammar (imap_grammar), and its numbers against
what `eider user list` says the store holds."""

import math

import pytest

from eider_harness import port_of
from imap_grammar import parse_quota_response, parse_quotaroot_response
from imap_support import ADDRESS, PASSWORD, USER, Raw, message
from lmtp_client import LmtpConnection

LIMIT_BYTES = 3000
LIMIT_MESSAGES = 3


@pytest.fixture
def ports(cli, server, listener_args):
    cli.ok("user", "add", USER, "--password", PASSWORD, "--address", ADDRESS.decode(),
           "--quota", str(LIMIT_BYTES), "--quota-messages", str(LIMIT_MESSAGES))
    cli.add_user("free", PASSWORD, addresses=["free@example.test"])
    cli.deliver(USER, message(1))
    return port_of(listener_args, "imap"), port_of(listener_args, "lmtp")


def usage(cli, name=USER):
    """(bytes used, messages) as the store counts them (`eider user list`)."""
    for line in cli.user_list().decode().splitlines():
        fields = line.split("\t")
        if fields[0] == name:
            return int(fields[2].split("/")[0]), int(fields[3].split("/")[0])
    raise AssertionError(f"no user {name}")


def quota_lines(untagged):
    return [parse_quota_response(line) for line in untagged if line.startswith(b"* QUOTA ")]


def expected_quota(cli):
    used, count = usage(cli)
    return (b"", {"STORAGE": (math.ceil(used / 1024), math.ceil(LIMIT_BYTES / 1024)),
                  "MESSAGE": (count, LIMIT_MESSAGES)})


def append(raw, data, mailbox="INBOX"):
    raw.count += 1
    tag = f"t{raw.count}"
    raw.send(f"{tag} APPEND {mailbox} {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
    return raw.until(tag)


def test_capability_lists_quota_and_both_resources(ports):
    raw = Raw(ports[0]).login()
    untagged, _ = raw.command("CAPABILITY")
    caps = untagged[0].split()
    for cap in (b"QUOTA", b"QUOTA=RES-STORAGE", b"QUOTA=RES-MESSAGE"):
        assert cap in caps
    assert b"QUOTASET" not in caps


def test_getquotaroot_names_the_one_root_with_the_stores_numbers(cli, ports):
    raw = Raw(ports[0]).login()
    for mailbox, wire in (("INBOX", b'"INBOX"'), ("Sent", b'"Sent"'), ('"Trash"', b'"Trash"')):
        untagged, done = raw.command(f"GETQUOTAROOT {mailbox}")
        assert done.startswith(b"t") and done.split()[1] == b"OK", done
        assert untagged[0] == b"* QUOTAROOT " + wire + b' ""\r\n'
        assert parse_quotaroot_response(untagged[0])[1] == [b""]
        assert quota_lines(untagged) == [expected_quota(cli)]


def test_getquota_of_the_root_and_of_an_unknown_root(cli, ports):
    raw = Raw(ports[0]).login()
    untagged, done = raw.command('GETQUOTA ""')
    assert done.split()[1] == b"OK", done
    assert quota_lines(untagged) == [expected_quota(cli)]
    untagged, done = raw.command("GETQUOTA INBOX")
    assert done.split()[1:3] == [b"NO", b"[NONEXISTENT]"] and untagged == []


def test_storage_is_rounded_up_to_whole_kibibytes(cli, ports):
    used, _ = usage(cli)
    assert used % 1024 != 0  # the one message is not a whole number of KiB
    raw = Raw(ports[0]).login()
    untagged, _ = raw.command('GETQUOTA ""')
    [(_, resources)] = quota_lines(untagged)
    assert resources["STORAGE"] == (used // 1024 + 1, math.ceil(LIMIT_BYTES / 1024))


def test_a_user_without_limits_has_no_quota_root(ports):
    raw = Raw(ports[0]).login("free")
    untagged, done = raw.command("GETQUOTAROOT INBOX")
    assert done.split()[1] == b"OK", done
    assert untagged == [b'* QUOTAROOT "INBOX"\r\n']
    untagged, done = raw.command('GETQUOTA ""')
    assert b" NO [NONEXISTENT]" in done and untagged == []


def test_getquotaroot_of_a_missing_mailbox_is_nonexistent(ports):
    raw = Raw(ports[0]).login()
    _, done = raw.command("GETQUOTAROOT NoSuchBox")
    assert b" NO [NONEXISTENT]" in done


def test_setquota_is_refused_the_administrator_sets_limits(ports):
    raw = Raw(ports[0]).login()
    _, done = raw.command('SETQUOTA "" (STORAGE 100000)')
    assert b" NO [NOPERM]" in done and b"eider user quota" in done


def test_limits_set_with_the_cli_show_at_once(cli, ports):
    raw = Raw(ports[0]).login("free")
    cli.ok("user", "quota", "free", "--quota-messages", "50")
    untagged, _ = raw.command('GETQUOTA ""')
    assert quota_lines(untagged) == [(b"", {"MESSAGE": (0, 50)})]
    cli.ok("user", "quota", "free", "--quota", "2048")
    untagged, _ = raw.command('GETQUOTA ""')
    assert quota_lines(untagged) == [(b"", {"STORAGE": (0, 2), "MESSAGE": (0, 50)})]


def test_append_over_the_storage_limit_is_overquota_and_stores_nothing(cli, ports):
    raw = Raw(ports[0]).login()
    before = usage(cli)
    untagged, done = append(raw, message(2, body_lines=200))
    assert done.split()[1:3] == [b"NO", b"[OVERQUOTA]"], done
    assert quota_lines(untagged) == [expected_quota(cli)]
    assert usage(cli) == before
    untagged, _ = raw.command("STATUS INBOX (MESSAGES)")
    assert untagged == [b'* STATUS "INBOX" (MESSAGES 1)\r\n']
    _, done = append(raw, message(3))  # a small one still fits
    assert done.split()[1] == b"OK", done


def test_append_and_copy_over_the_message_limit(cli, ports):
    raw = Raw(ports[0]).login()
    _, done = append(raw, message(2))
    assert done.split()[1] == b"OK", done
    raw.command("SELECT INBOX")
    untagged, done = raw.command("COPY 1:2 Archive")
    assert done.split()[1:3] == [b"NO", b"[OVERQUOTA]"], done
    assert quota_lines(untagged) == [(b"", {"STORAGE": expected_quota(cli)[1]["STORAGE"],
                                            "MESSAGE": (2, 3)})]
    _, done = raw.command("COPY 1 Archive")  # the third message fits
    assert b" OK [COPYUID" in done
    untagged, done = append(raw, message(4))
    assert done.split()[1:3] == [b"NO", b"[OVERQUOTA]"], done
    assert quota_lines(untagged)[0][1]["MESSAGE"] == (3, 3)
    # A move at the limit needs no room.
    _, done = raw.command("MOVE 1 Trash")
    assert done.split()[1] == b"OK", done
    assert usage(cli)[1] == 3


def test_lmtp_over_either_limit_is_552_5_2_2_and_imap_sees_the_same_numbers(cli, ports):
    imap_port, lmtp_port = ports
    conn = LmtpConnection(lmtp_port)
    try:
        code, text = conn.deliver(b"s@example.com", ADDRESS, message(2, body_lines=200))
        assert (code, text[:5]) == (552, b"5.2.2"), (code, text)
        for n in (3, 4):
            code, _ = conn.deliver(b"s@example.com", ADDRESS, message(n))
            assert code == 250
        code, text = conn.deliver(b"s@example.com", ADDRESS, message(5))  # a fourth message
        assert (code, text[:5]) == (552, b"5.2.2"), (code, text)
    finally:
        conn.close()
    raw = Raw(imap_port).login()
    untagged, _ = raw.command("GETQUOTAROOT INBOX")
    assert quota_lines(untagged) == [expected_quota(cli)]
    assert expected_quota(cli)[1]["MESSAGE"] == (3, 3)


BAD_QUOTA_COMMANDS = [
    b"GETQUOTAROOT",
    b"GETQUOTAROOT INBOX extra",
    b"GETQUOTA",
    b'GETQUOTA "" x',
    b"SETQUOTA",
    b'SETQUOTA ""',
    b'SETQUOTA "" STORAGE 1',
    b'SETQUOTA "" (STORAGE)',
    b'SETQUOTA "" (STORAGE x)',
    b'SETQUOTA "" (STORAGE 1',
]


def test_malformed_quota_commands_are_bad_and_the_connection_goes_on(ports):
    raw = Raw(ports[0]).login()
    for command in BAD_QUOTA_COMMANDS:
        untagged, done = raw.command(command)
        assert done.split()[1] == b"BAD", (command, done)
        assert len(done.split(b" ", 2)[2].strip()) > 0, (command, done)
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done


def test_quota_commands_need_a_login(ports):
    raw = Raw(ports[0])
    for command in ("GETQUOTAROOT INBOX", 'GETQUOTA ""', 'SETQUOTA "" (STORAGE 1)'):
        _, done = raw.command(command)
        assert done.split()[1] == b"BAD", done


def test_status_deleted_and_deleted_storage_say_what_expunge_would_free(cli, ports):
    raw = Raw(ports[0]).login()
    append(raw, message(2))
    untagged, _ = raw.command("STATUS INBOX (DELETED DELETED-STORAGE MESSAGES)")
    assert untagged == [b'* STATUS "INBOX" (DELETED 0 DELETED-STORAGE 0 MESSAGES 2)\r\n']
    raw.command("SELECT INBOX")
    raw.command("STORE 2 +FLAGS.SILENT (\\Deleted)")
    size = len(message(2))
    untagged, _ = raw.command("STATUS INBOX (DELETED-STORAGE DELETED)")
    assert untagged == [b'* STATUS "INBOX" (DELETED-STORAGE %d DELETED 1)\r\n'
                        % math.ceil(size / 1024)]
    untagged, _ = raw.command('LIST "" INBOX RETURN (STATUS (DELETED))')
    assert untagged[-1] == b'* STATUS "INBOX" (DELETED 1)\r\n'
    before = usage(cli)
    raw.command("EXPUNGE")
    assert usage(cli) == (before[0] - size, before[1] - 1)
