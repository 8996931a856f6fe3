"""A database eider cannot write: `serve` refuses to start with one line,
and a store that fails while the server runs is answered as a temporary
failure (IMAP NO [UNAVAILABLE]), with the cause in the log."""

import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from eider_harness import READY_TIMEOUT, Cli, assert_one_line_error
from imap_support import ADDRESS, PASSWORD, USER, Raw, message, port_of

NOBODY = 65534

# Both cases take the SQLite file away (its mode, its write lock); a server
# database going away is test_postgres_store.py's.
pytestmark = pytest.mark.sqlite_only(reason="the SQLite database file made unwritable or locked")


@pytest.fixture
def shared_dir():
    """A folder another user can reach (pytest's tmp_path is root's, 0700)."""
    path = Path(tempfile.mkdtemp(prefix="eider-ro-"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def as_unprivileged(argv):
    """argv run as nobody when the tests run as root, who may write any file."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv to drop root")
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]


def test_serve_refuses_a_database_it_cannot_write(eider_bin, shared_dir, listener_args):
    data = shared_dir / "data"
    data.mkdir()
    Cli(eider_bin, data, cwd=shared_dir).add_user(USER, PASSWORD)
    for leftover in data.glob("eider.db-*"):
        leftover.unlink()
    # The folder is the server's; only the database is not: as after a
    # restore by root, or a chmod 0444.
    if os.geteuid() == 0:
        os.chown(data, NOBODY, NOBODY)
    os.chmod(data / "eider.db", 0o444)
    argv = as_unprivileged([str(eider_bin), "serve", "--data", str(data), *listener_args])
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=READY_TIMEOUT, cwd=shared_dir)
    line = assert_one_line_error(result)
    assert b"eider ready" not in result.stdout
    assert "cannot write database" in line and str(data / "eider.db") in line, line


def test_store_failure_at_run_time_is_unavailable_and_logged(cli, server, data_dir,
                                                             listener_args):
    """Another process holds the database's write lock past the busy
    timeout (10 s): the write fails, the client is told to retry, and the
    log says why."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    raw = Raw(port_of(listener_args, "imap")).login()
    raw.command("SELECT INBOX")
    holder = sqlite3.connect(data_dir / "eider.db", isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        data = message(1)
        raw.send(b"a1 APPEND INBOX {%d+}\r\n" % len(data) + data + b"\r\n")
        _, done = raw.until("a1")
        assert done == b"a1 NO [UNAVAILABLE] Temporary failure, try again later\r\n", done
    finally:
        holder.rollback()
        holder.close()
    _, done = raw.command("NOOP")
    assert done.split()[1] == b"OK", done
    raw.close()
    assert server.stop(signal.SIGTERM) == 0
    _, err = server.communicate()
    failures = [line for line in err.decode().splitlines()
                if " error event=imap.store_failed " in line]
    assert len(failures) == 1, err
    assert "database is locked" in failures[0] and f"user={USER}" in failures[0], failures
    assert "command=APPEND" in failures[0], failures
