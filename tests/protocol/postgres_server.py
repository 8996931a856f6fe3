"""A private PostgreSQL for protocol tests (the Python twin of
tests/support/postgres_server.h): initdb in a temporary folder as an
unprivileged user, 127.0.0.1 on a free port, unix socket in the folder,
fsync off. Never the system service. $EIDER_PG_BIN names another folder of
server binaries than Debian's."""

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from eider_harness import free_port

BIN = Path(os.environ.get("EIDER_PG_BIN", "/usr/lib/postgresql/15/bin"))
USER = "eider"


def available():
    return (BIN / "initdb").is_file()


class PostgresServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="eider-pg-"))
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
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
                   " -c fsync=off -c full_page_writes=off")
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

    def create_database(self):
        """A new, empty database; returns its URL. FILE_COPY: copying the
        small template's files (fsync is off) takes about half the time of
        writing it through the WAL, and the suite makes hundreds."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self._run(BIN / "psql", "-h", self.dir, "-p", self.port, "-U", USER, "-d", "postgres",
                  "-c", f"CREATE DATABASE {name} STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, url):
        """Drops a database of create_database(), closing its connections."""
        name = url.rsplit("/", 1)[1]
        self._run(BIN / "psql", "-h", self.dir, "-p", self.port, "-U", USER, "-d", "postgres",
                  "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
