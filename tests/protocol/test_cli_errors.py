"""Every refused CLI command says why in one stderr line, exits non-zero and
leaves the store exactly as it was."""

import hashlib
import sqlite3
import subprocess
import threading

import pytest

from eider_harness import EXIT_USAGE, Cli, assert_one_line_error

MESSAGE = (
    b"From: a@example.test\r\n"
    b"To: u@example.test\r\n"
    b"Subject: kept\r\n"
    b"\r\n"
    b"this message must survive every failed command\r\n"
)


@pytest.fixture
def populated(cli):
    """A store with user u, one message in INBOX, and its snapshot."""
    cli.add_user("u", addresses=["u@example.test"])
    uid = cli.deliver("u", MESSAGE)
    return cli, uid


def snapshot(cli, uid):
    return (cli.user_list(), cli.stats(), cli.export("u", uid))


def assert_refused_and_unchanged(cli, uid, *args, input=None, exit_code=1):
    before = snapshot(cli, uid)
    result = cli.run(*args, input=input)
    line = assert_one_line_error(result, exit_code)
    assert snapshot(cli, uid) == before
    return line


def test_deliver_to_unknown_user_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(cli, uid, "deliver", "--user", "nobody", input=MESSAGE)


def test_export_for_unknown_user_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli, uid, "export", "--user", "nobody", "--mailbox", "INBOX", "--uid", uid
    )


def test_deliver_to_missing_mailbox_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli, uid, "deliver", "--user", "u", "--mailbox", "No/Such", input=MESSAGE
    )


def test_export_from_missing_mailbox_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli, uid, "export", "--user", "u", "--mailbox", "No/Such", "--uid", uid
    )


def test_export_of_missing_uid_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli, uid, "export", "--user", "u", "--mailbox", "INBOX", "--uid", uid + 100
    )


def test_deliver_of_empty_stdin_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(cli, uid, "deliver", "--user", "u", input=b"")


def test_adding_an_existing_user_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(cli, uid, "user", "add", "u", "--password", "other")


def test_deleting_an_unknown_user_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(cli, uid, "user", "del", "nobody")


def test_address_taken_by_another_user_is_refused(populated):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli, uid, "user", "add", "v", "--password", "p", "--address", "u@example.test"
    )


LIMIT = 4096


def sized_message(size):
    head = b"From: a@example.test\r\nSubject: sized\r\n\r\n"
    return head + b"x" * (size - len(head))


@pytest.fixture
def small_limit_config(tmp_path):
    path = tmp_path / "eider.toml"
    path.write_text(f"max-message-size = {LIMIT}\n")
    return path


def test_message_over_configured_size_limit_is_refused(populated, small_limit_config):
    cli, uid = populated
    assert_refused_and_unchanged(
        cli,
        uid,
        "deliver",
        "--user",
        "u",
        "--config",
        small_limit_config,
        input=sized_message(LIMIT + 1),
    )


def test_stream_over_size_limit_is_refused_before_it_ends(populated, small_limit_config):
    # stdin stays open after 1 MiB: deliver must give up once the limit is
    # passed instead of reading (and buffering) to the end of the stream.
    cli, uid = populated
    before = snapshot(cli, uid)
    argv = cli.argv("deliver", "--user", "u", "--config", small_limit_config)
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=cli.cwd)

    def feed():
        try:
            proc.stdin.write(sized_message(1024 * 1024))
            proc.stdin.flush()
        except BrokenPipeError:
            pass  # eider stopped reading: what the test wants

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("deliver kept reading an over-limit stream that had not ended")
    finally:
        writer.join(timeout=5)
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
    result = subprocess.CompletedProcess(argv, proc.returncode, proc.stdout.read(),
                                         proc.stderr.read())
    assert_one_line_error(result)
    assert snapshot(cli, uid) == before


def test_message_of_exactly_the_size_limit_is_accepted(populated, small_limit_config):
    cli, _ = populated
    msg = sized_message(LIMIT)
    out = cli.ok("deliver", "--user", "u", "--config", small_limit_config, input=msg)
    assert cli.export("u", int(out.strip())) == msg


@pytest.fixture
def blocked_data_dir(tmp_path):
    """A data path below a regular file: unusable even for root, who ignores
    permission bits."""
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a folder\n")
    return blocker / "sub"


@pytest.mark.parametrize(
    "args, stdin",
    [
        (["user", "list"], None),
        (["user", "add", "u", "--password", "p"], None),
        (["deliver", "--user", "u"], MESSAGE),
        (["stats"], None),
    ],
    ids=["user-list", "user-add", "deliver", "stats"],
)
@pytest.mark.sqlite_only(reason="the data folder holds the SQLite store; a server store "
                                "does not need it to list users or deliver")
def test_unusable_data_folder_is_refused(eider_bin, tmp_path, blocked_data_dir, args, stdin):
    cli = Cli(eider_bin, blocked_data_dir, cwd=tmp_path)
    assert_one_line_error(cli.run(*args, input=stdin))
    assert (tmp_path / "file").read_bytes() == b"not a folder\n"


def user_version(db):
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def set_user_version(db, version):
    conn = sqlite3.connect(db)
    try:
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.commit()
    finally:
        conn.close()


def file_digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "args, stdin",
    [
        (["user", "list"], None),
        (["user", "add", "v", "--password", "p"], None),
        (["deliver", "--user", "u"], MESSAGE),
        (["export", "--user", "u", "--mailbox", "INBOX", "--uid", "1"], None),
        (["stats"], None),
        (["vacuum"], None),
    ],
    ids=["user-list", "user-add", "deliver", "export", "stats", "vacuum"],
)
@pytest.mark.sqlite_only(reason="sets the SQLite file's schema version (PRAGMA user_version)")
def test_database_from_a_newer_schema_is_refused_untouched(populated, args, stdin):
    cli, uid = populated
    before = snapshot(cli, uid)
    db = cli.data_dir / "eider.db"
    assert db.is_file(), "the sqlite store keeps its database in <data>/eider.db"
    version = user_version(db)
    set_user_version(db, 9999)
    digest = file_digest(db)

    assert_one_line_error(cli.run(*args, input=stdin))

    assert user_version(db) == 9999
    assert file_digest(db) == digest
    set_user_version(db, version)
    assert snapshot(cli, uid) == before


BAD_FLAGS = {
    "unknown-command": ["frobnicate"],
    "unknown-flag": ["deliver", "--user", "u", "--bogus"],
    "deliver-without-user": ["deliver"],
    "export-uid-not-a-number": ["export", "--user", "u", "--mailbox", "INBOX", "--uid", "one"],
    "export-without-uid": ["export", "--user", "u", "--mailbox", "INBOX"],
    "user-add-without-name": ["user", "add", "--password", "p"],
    "user-add-without-password": ["user", "add", "w"],
    "user-add-bad-quota": ["user", "add", "w", "--password", "p", "--quota", "lots"],
    "user-add-bad-message-quota": ["user", "add", "w", "--password", "p", "--quota-messages", "-5"],
    "user-unknown-subcommand": ["user", "frobnicate"],
}


@pytest.mark.parametrize("args", BAD_FLAGS.values(), ids=BAD_FLAGS.keys())
def test_bad_flags_are_refused(populated, args):
    cli, uid = populated
    assert_refused_and_unchanged(cli, uid, *args, input=MESSAGE, exit_code=EXIT_USAGE)


# Each command's --help, with flags its usage must mention.
HELP = {
    "eider": ([], ["serve", "user", "deliver", "export"]),
    "serve": (["serve"], ["--data", "--config", "--imap", "--lmtp"]),
    "user": (["user"], ["add", "list", "del", "passwd", "quota"]),
    "user-add": (["user", "add"], ["--password", "--address", "--quota", "--quota-messages"]),
    "user-quota": (["user", "quota"], ["--quota", "--quota-messages"]),
    "user-list": (["user", "list"], ["--data"]),
    "user-del": (["user", "del"], ["--data"]),
    "user-passwd": (["user", "passwd"], ["--password"]),
    "deliver": (["deliver"], ["--user", "--mailbox"]),
    "export": (["export"], ["--user", "--mailbox", "--uid"]),
    "vacuum": (["vacuum"], ["--data"]),
    "stats": (["stats"], ["--data"]),
}


@pytest.mark.parametrize("args, mentions", HELP.values(), ids=HELP.keys())
def test_help_exits_zero_and_prints_usage(cli, args, mentions):
    result = cli.run(*args, "--help", data=False)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8", "replace")
    assert "usage" in text.lower()
    for word in mentions:
        assert word in text


def test_vacuum_of_a_store_that_is_not_sqlite_says_it_is_for_sqlite(cli):
    # A server database reclaims space on its own; nothing is opened.
    result = cli.run("vacuum", "--store", "postgresql://eider@127.0.0.1:1/eider")
    line = assert_one_line_error(result)
    assert "SQLite" in line and "autovacuum" in line, line
