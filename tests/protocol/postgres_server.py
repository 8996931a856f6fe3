"""A private PostgreSQL for protocol tests (the Python twin of
tests/support/postgres_server.h): initdb in a temporary folder as an
unprivileged user, 127.0.0.1 on a free port, unix socket in the folder,
fsync off. Never the system service. $EIDER_PG_BIN names another folder of
server binaries than Debian's. bench/scaleout starts it durable, on the
bench's disk (`settings`, `parent`)."""

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from eider_harness import free_port

BIN = Path(os.environ.get("EIDER_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "eider"
# Tests need no durability; a bench that measures commits overrides these.
TEST_SETTINGS = {"fsync": "off", "full_page_writes": "off"}


def available():
    return (BIN / "initdb").is_file()


class PostgresServer:
    def __init__(self, settings=None, parent=None):
        """`settings`: server settings ({name: value}) over TEST_SETTINGS;
        `parent`: the folder to make the server's temporary folder in."""
        self.settings = {**TEST_SETTINGS, **(settings or {})}
        self.dir = Path(tempfile.mkdtemp(prefix="eider-pg-", dir=parent))
        self.port = free_port()
        self.running = False
        self._names = itertools.count(1)
        if os.geteuid() == 0:  # initdb and postgres refuse root
            shutil.chown(self.dir, "nobody", "nogroup")
        self._run(BIN / "initdb", "--no-sync", "--auth=trust", "-E", "UTF8", "-U", USER,
                  "-D", self.dir / "data")
        self.start()

    def _run(self, *argv):
        prefix = []
        if os.geteuid() == 0:
            prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        with open(self.dir / "setup.log", "ab") as log:
            subprocess.run([*prefix, *map(str, argv)], check=True, stdout=log, stderr=log,
                           stdin=subprocess.DEVNULL, timeout=60)

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1" + "".join(
            f" -c {name}={value}" for name, value in self.settings.items())
        self._run(BIN / "pg_ctl", "-w", "-t", "30", "-D", self.dir / "data",
                  "-l", self.dir / "server.log", "-o", options, "start")
        self.running = True

    def stop(self):
        if self.running:
            self.running = False
            self._run(BIN / "pg_ctl", "-w", "-t", "30", "-m", "fast", "-D", self.dir / "data",
                      "stop")

    def url(self, name):
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def create_database(self, template=None):
        """A new database, empty or a copy of the database `template` (a
        name; nobody may be connected to it); returns its URL. FILE_COPY:
        copying the template's files (fsync is off) takes about half the
        time of writing it through the WAL, and the suite makes hundreds."""
        name = f"t{os.getpid()}_{next(self._names)}"
        copy = f" TEMPLATE {template}" if template else ""
        self._run(BIN / "psql", "-h", self.dir, "-p", self.port, "-U", USER, "-d", "postgres",
                  "-c", f"CREATE DATABASE {name}{copy} STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, url):
        """Drops a database of create_database(), closing its connections."""
        name = url.rsplit("/", 1)[1]
        self._run(BIN / "psql", "-h", self.dir, "-p", self.port, "-U", USER, "-d", "postgres",
                  "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def pid(self):
        """The postmaster's pid (its backends are its children)."""
        return int((self.dir / "data" / "postmaster.pid").read_text().split()[0])

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
