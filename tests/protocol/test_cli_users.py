"""User administration through the CLI: add, list, passwd, quota, del."""

import pytest

from eider_harness import EXIT_USAGE, assert_one_line_error

MESSAGE = b"From: a@example.test\r\nSubject: hi\r\n\r\nhello\r\n"


def listed_names(cli):
    return [line.split()[0] for line in cli.user_list().decode().splitlines() if line.strip()]


def test_added_users_are_listed(cli):
    cli.add_user("alice", addresses=["alice@example.test"])
    cli.add_user("bob")
    names = listed_names(cli)
    assert "alice" in names and "bob" in names


def test_user_list_shows_name_addresses_and_usage_tab_separated(cli):
    cli.add_user("alice", addresses=["alice@example.test", "a@example.test"])
    cli.ok("user", "add", "bob", "--password", "p", "--quota", "1000000", "--no-address")
    uid = cli.deliver("alice", MESSAGE)
    assert uid > 0
    rows = [line.split("\t") for line in cli.user_list().decode().splitlines()]
    by_name = {row[0]: row for row in rows}
    assert sorted(by_name) == ["alice", "bob"]
    assert all(len(row) == 4 for row in rows)
    assert sorted(by_name["alice"][1].split(",")) == ["a@example.test", "alice@example.test"]
    assert by_name["alice"][2:] == [f"{len(MESSAGE)}/unlimited", "1/unlimited"]
    assert by_name["bob"][1:] == ["-", "0/1000000", "0/unlimited"]


def test_a_user_added_without_an_address_gets_one_at_the_default_domain(cli, tmp_path):
    config = tmp_path / "eider.toml"
    config.write_text('default-domain = "XN--BCHER-KVA.example"\n'
                      'new-user-mailboxes = "INBOX, Sent:\\\\Sent"\n')
    cli.ok("user", "add", "bob", "--password", "p", "--config", str(config),
           "--name", "Bob B.", "--tag", "staff")
    rows = [line.split("\t") for line in cli.user_list().decode().splitlines()]
    assert rows[0][:2] == ["bob", "bob@bücher.example"]


def test_a_bad_new_user_mailboxes_setting_is_one_line_error(cli, tmp_path):
    config = tmp_path / "eider.toml"
    config.write_text('new-user-mailboxes = "INBOX, Sent:\\\\Bogus"\n')
    assert_one_line_error(cli.run("user", "add", "bob", "--password", "p", "--config",
                                  str(config)))


def test_user_quota_sets_the_limits_given_and_keeps_the_others(cli):
    cli.ok("user", "add", "bob", "--password", "p", "--quota", "5000", "--quota-messages", "7")
    assert cli.user_list().decode().split("\t")[2:] == ["0/5000", "0/7\n"]
    cli.ok("user", "quota", "bob", "--quota-messages", "9")
    assert cli.user_list().decode().split("\t")[2:] == ["0/5000", "0/9\n"]
    cli.ok("user", "quota", "bob", "--quota", "0")
    assert cli.user_list().decode().split("\t")[2:] == ["0/unlimited", "0/9\n"]
    # Neither limit given, or no such user: refused, nothing changed.
    assert_one_line_error(cli.run("user", "quota", "bob"))
    assert_one_line_error(cli.run("user", "quota", "nobody", "--quota", "1"))
    assert_one_line_error(cli.run("user", "quota", "bob", "--quota-messages", "-1"), EXIT_USAGE)
    assert cli.user_list().decode().split("\t")[2:] == ["0/unlimited", "0/9\n"]


def test_addresses_are_stored_lowercase(cli):
    cli.add_user("carol", addresses=["Carol@Example.TEST"])
    assert cli.user_list().decode().split("\t")[1] == "carol@example.test"


def test_empty_store_lists_no_users(cli):
    assert listed_names(cli) == []


@pytest.mark.parametrize("mailbox", ["INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"])
def test_new_user_has_the_standard_mailboxes(cli, mailbox):
    cli.add_user("alice")
    uid = cli.deliver("alice", MESSAGE, mailbox=mailbox)
    assert cli.export("alice", uid, mailbox=mailbox) == MESSAGE


def test_uids_increase_within_a_mailbox(cli):
    cli.add_user("alice")
    uids = [cli.deliver("alice", MESSAGE) for _ in range(3)]
    assert uids == sorted(uids) and len(set(uids)) == 3


def test_password_change_keeps_the_users_mail(cli):
    cli.add_user("alice")
    uid = cli.deliver("alice", MESSAGE)
    cli.ok("user", "passwd", "alice", "--password", "new-secret")
    assert cli.export("alice", uid) == MESSAGE


def test_password_change_for_unknown_user_is_refused(cli):
    assert_one_line_error(cli.run("user", "passwd", "nobody", "--password", "x"))


def test_deleted_user_is_gone_with_their_mail(cli):
    cli.add_user("alice")
    cli.add_user("bob")
    cli.deliver("alice", MESSAGE)
    cli.deliver("bob", MESSAGE)
    cli.ok("user", "del", "alice")
    assert listed_names(cli) == ["bob"]
    assert cli.stats()["message_count"] == 1
    assert_one_line_error(cli.run("deliver", "--user", "alice", input=MESSAGE))


def test_deleted_users_name_can_be_reused(cli):
    cli.add_user("alice")
    cli.deliver("alice", MESSAGE)
    cli.ok("user", "del", "alice")
    cli.add_user("alice")
    assert cli.stats()["message_count"] == 0
