"""Several `eider serve` nodes on one private PostgreSQL (postgres_server.py)
and, when asked, one private Redis (redis_server.py): the fixtures of the
scale-out tests (test_postgres_store.py, test_scaleout.py).

Test modules import the fixtures they use from here (`from cluster import
nodes, pg`); pytest then finds them in the module's namespace."""

import os
import signal

import pytest

from eider_harness import LISTENER_FLAGS, Cli, Server, free_port
from imap_support import ADDRESS, PASSWORD, USER
from lmtp_client import LmtpConnection
from postgres_server import PostgresServer
from postgres_server import available as postgres_available
from redis_server import RedisServer
from redis_server import available as redis_available

SENDER = b"sender@example.com"


def skip_without(postgres=True, redis=False):
    """A mark that skips a module whose servers are not installed, except
    under CI, where scripts/setup installs them and a missing one fails."""
    missing = [name for name, wanted, there in (("PostgreSQL", postgres, postgres_available),
                                                ("redis-server", redis, redis_available))
               if wanted and not there()]
    return pytest.mark.skipif(bool(missing) and not os.environ.get("CI"),
                              reason=f"not installed: {', '.join(missing)}")


class Cluster:
    """Nodes on one store (and one notifier): each a `eider serve` with its
    own data folder and only the listeners it is given, on free ports."""

    def __init__(self, eider_bin, tmp_path, store, notify=None):
        self.eider_bin = eider_bin
        self.tmp_path = tmp_path
        self.store = store
        self.notify = notify
        self.servers = []

    def add_user(self, user=USER, password=PASSWORD, address=ADDRESS.decode()):
        Cli(self.eider_bin, self.tmp_path, cwd=self.tmp_path).ok(
            "user", "add", user, "--password", password, "--address", address,
            "--store", self.store, data=False)

    def prepare(self, name, *listeners, extra=()):
        """A node not started yet: (server, {listener: port})."""
        data = self.tmp_path / name
        data.mkdir()
        ports = {flag: free_port() for flag in listeners}
        args = ["--data", data, "--store", self.store]
        if self.notify is not None:
            args += ["--notify", self.notify]
        for flag in LISTENER_FLAGS:
            args += [f"--{flag}", f"127.0.0.1:{ports[flag]}" if flag in ports else "off"]
        srv = Server(self.eider_bin, [*args, *extra], cwd=self.tmp_path)
        self.servers.append(srv)
        return srv, ports

    def start(self, name, *listeners, extra=()):
        """A ready node with the given listeners ("imap", "pop3", "lmtp", ...);
        returns (server, {listener: port})."""
        srv, ports = self.prepare(name, *listeners, extra=extra)
        assert srv.start(), srv.communicate()
        return srv, ports

    def stop_all(self):
        """Every node must exit 0 on SIGTERM."""
        for srv in self.servers:
            if srv.proc is None:
                continue
            try:
                assert srv.stop(signal.SIGTERM) == 0, srv.communicate()
            finally:
                srv.kill()


def log_text(srv):
    """What a node has logged so far (its stderr)."""
    srv.stderr_file.seek(0)
    return srv.stderr_file.read().decode("utf-8", "replace")


def deliver(port, data, recipient=ADDRESS):
    """One message over a fresh LMTP connection: its final (code, text)."""
    connection = LmtpConnection(port)
    try:
        return connection.deliver(SENDER, recipient, data)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def pg():
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def redis():
    server = RedisServer()
    yield server
    server.close()


@pytest.fixture
def nodes(pg, eider_bin, tmp_path):
    """start(name, *listeners): a node on the test's fresh database (the
    IMAP tests' user already in it) with only the given listeners on free
    ports; returns (server, {listener: port})."""
    cluster = Cluster(eider_bin, tmp_path, pg.create_database())
    cluster.add_user()
    yield cluster.start
    cluster.stop_all()
