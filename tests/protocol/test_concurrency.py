"""Several eider processes on one data folder: concurrent CLI deliveries, and
admin commands while a server holds the store open."""

import subprocess

import store_backend
from eider_harness import CLI_TIMEOUT

WRITERS = 8
PER_WRITER = 5


def numbered_message(writer, index):
    return (
        b"From: w%d@example.test\r\nSubject: writer %d message %d\r\n\r\n" % (writer, writer, index)
        + b"body line\n" * (100 * (index + 1))
    )


def start_deliver(cli, message):
    argv = cli.argv("deliver", "--user", "u")
    proc = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cli.cwd
    )
    return proc, message


def test_concurrent_cli_deliveries_all_land_with_distinct_uids(cli):
    cli.add_user("u")
    delivered = {}
    for index in range(PER_WRITER):
        # WRITERS processes at once, each its own connection to the store.
        running = [start_deliver(cli, numbered_message(w, index)) for w in range(WRITERS)]
        for proc, message in running:
            out, err = proc.communicate(message, timeout=CLI_TIMEOUT)
            assert proc.returncode == 0, err
            uid = int(out.strip())
            assert uid not in delivered
            delivered[uid] = message
    assert len(delivered) == WRITERS * PER_WRITER
    assert cli.stats()["message_count"] == WRITERS * PER_WRITER
    for uid, message in delivered.items():
        assert cli.export("u", uid) == message


def test_admin_commands_work_while_the_server_runs(server, cli):
    cli.add_user("u", addresses=["u@example.test"])
    message = numbered_message(0, 0)
    uid = cli.deliver("u", message)
    assert cli.export("u", uid) == message
    assert cli.user_list().startswith(b"u\t")
    if not store_backend.is_postgresql():  # vacuum is for SQLite only
        cli.ok("vacuum")
    # The server fixture then stops it and checks it exits 0.
