"""Helpers shared by the protocol tests: running the eider CLI and server.

Tests import this module directly (pytest puts this folder on sys.path);
conftest.py turns it into fixtures.
"""

import json
import os
import selectors
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import store_backend

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO_ROOT / "tests" / "corpus"
# Hand-made MIME edge cases (tests/mime-cases/README.md), tested with the
# corpus wherever it is.
MIME_CASES_DIR = REPO_ROOT / "tests" / "mime-cases"

# Generous: CI machines are small and shared, and a timeout is a failure,
# never a measurement.
CLI_TIMEOUT = 120
READY_TIMEOUT = 30
STOP_TIMEOUT = 15

LISTENER_FLAGS = ("imap", "imaps", "pop3", "pop3s", "lmtp", "api")


def eider_binary():
    """The eider binary under test: $EIDER_BIN, else <repo>/build/eider.

    Made absolute because the tests run eider from their own temp folders.
    """
    return Path(os.environ.get("EIDER_BIN", REPO_ROOT / "build" / "eider")).resolve()


def corpus_messages():
    """Every tests/corpus and tests/mime-cases message, in file name order
    (the names do not collide)."""
    return sorted([*CORPUS_DIR.glob("*.eml"), *MIME_CASES_DIR.glob("*.eml")],
                  key=lambda p: p.name)


def free_port():
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stderr_lines(result):
    return result.stderr.decode("utf-8", "replace").splitlines()


# Exit codes of docs/cli.md.
EXIT_FAILED = 1  # the command failed and changed nothing
EXIT_USAGE = 2  # the command line is wrong


def assert_one_line_error(result, exit_code=EXIT_FAILED):
    """A refused command: the given exit code and exactly one non-empty stderr line."""
    lines = stderr_lines(result)
    assert result.returncode == exit_code, (
        f"expected exit {exit_code}, got {result.returncode}; stderr={lines!r}"
    )
    assert len(lines) == 1 and lines[0].strip(), f"expected one stderr line, got {lines!r}"
    return lines[0]


def dir_size(path):
    """Sum of the sizes of every file below path (database, WAL, blobs)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


class Cli:
    """Runs `eider ...` against one data folder, capturing bytes."""

    def __init__(self, binary, data_dir, cwd=None):
        self.binary = Path(binary)
        self.data_dir = Path(data_dir)
        self.cwd = cwd

    def argv(self, *args, data=True):
        """eider with args, plus --data DIR and the run's store
        (store_backend.py) unless data=False."""
        argv = [str(self.binary), *map(str, args)]
        if data:
            argv += ["--data", str(self.data_dir)]
        return store_backend.with_store_args(argv)

    def run(self, *args, input=None, data=True, timeout=CLI_TIMEOUT):
        """Runs eider with args (plus --data DIR unless data=False).

        input is the bytes given on stdin; None gives no stdin at all.
        """
        return subprocess.run(
            self.argv(*args, data=data),
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            timeout=timeout,
            cwd=self.cwd,
        )

    def ok(self, *args, input=None, data=True, timeout=CLI_TIMEOUT):
        """Runs eider, asserts exit 0 and returns stdout."""
        result = self.run(*args, input=input, data=data, timeout=timeout)
        assert result.returncode == 0, (
            f"eider {' '.join(map(str, args))} exited {result.returncode}: "
            f"{result.stderr.decode('utf-8', 'replace')}"
        )
        return result.stdout

    def add_user(self, name, password="secret", addresses=()):
        args = ["user", "add", name, "--password", password]
        for a in addresses:
            args += ["--address", a]
        self.ok(*args)

    def deliver(self, user, message, mailbox=None, extra=()):
        """Delivers message bytes and returns the UID eider printed."""
        args = ["deliver", "--user", user, *extra]
        if mailbox is not None:
            args += ["--mailbox", mailbox]
        out = self.ok(*args, input=message)
        return int(out.strip())

    def export(self, user, uid, mailbox="INBOX"):
        return self.ok("export", "--user", user, "--mailbox", mailbox, "--uid", uid)

    def stats(self):
        return json.loads(self.ok("stats"))

    def user_list(self):
        return self.ok("user", "list")


class Server:
    """One `eider serve` process; start() waits for its `eider ready` line."""

    def __init__(self, binary, args, cwd=None):
        # On the run's store and notifier (store_backend.py).
        self.argv = [str(binary), "serve", *map(str, store_backend.with_store_args(args, serve=True))]
        self.cwd = cwd
        self.proc = None
        self.stdout = b""
        # The log goes to a file, not a pipe: nobody reads stderr while the
        # server runs, and a full pipe would block the server mid-test.
        self.stderr_file = tempfile.TemporaryFile()

    def start(self, timeout=READY_TIMEOUT):
        """Starts the server; returns True once ready, False if it exited first."""
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            cwd=self.cwd,
        )
        return self._wait_ready(timeout)

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"eider ready\n" not in self.stdout:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no 'eider ready' within {timeout}s; stdout so far {self.stdout!r}"
                    )
                if not sel.select(left):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    self.proc.wait(timeout=STOP_TIMEOUT)
                    return False
                self.stdout += chunk
        return True

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Sends sig and returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"eider serve did not exit within {timeout}s of {sig!r}")
        return self.proc.returncode

    def communicate(self):
        """All of stdout and stderr, once the process has exited."""
        out, _ = self.proc.communicate(timeout=STOP_TIMEOUT)
        self.stdout += out
        self.stderr_file.seek(0)
        return self.stdout, self.stderr_file.read()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_server_until_exit(binary, args, cwd=None, timeout=READY_TIMEOUT):
    """Runs `eider serve` that is expected to refuse to start.

    Returns the CompletedProcess; a server that starts instead runs into the
    timeout, which fails the test.
    """
    return subprocess.run(
        [str(binary), "serve", *map(str, store_backend.with_store_args(args, serve=True))],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
    )


def port_of(listener_args, flag):
    """The port of `--flag` in a `listener_args` list (conftest.py)."""
    return int(listener_args[listener_args.index(f"--{flag}") + 1].rsplit(":", 1)[1])
