"""The store and notifier every protocol test runs on, chosen for the whole
run by $EIDER_TEST_STORE:

- `sqlite` (the default): the data folder's SQLite store and the in-process
  notifier, as `eider` runs with no --store or --notify;
- `postgresql`: one private PostgreSQL (postgres_server.py) and one private
  Redis (redis_server.py) per pytest session (per xdist worker), started on
  first use; every data folder a test uses gets a fresh database of its own.

The one mechanism: Cli and Server (eider_harness.py) add store_args() to
every command that names a data folder with --data, unless the command
names its own --store; `serve` also gets --notify. So a test written for one
data folder runs unchanged on both, and two data folders stay two stores.
Tests about SQLite itself are marked `sqlite_only` (conftest.py)."""

import os
import socket
from pathlib import Path

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
NAME = os.environ.get("EIDER_TEST_STORE", SQLITE)
if NAME not in (SQLITE, POSTGRESQL):
    raise RuntimeError(f"EIDER_TEST_STORE must be {SQLITE} or {POSTGRESQL}, not {NAME!r}")

_postgres = None
_redis = None
_stores = {}  # resolved data folder -> database URL


def is_postgresql():
    return NAME == POSTGRESQL


def _servers():
    global _postgres, _redis
    if _postgres is None:
        # Imported here: both import eider_harness, which imports this module.
        import postgres_server
        import redis_server

        if not postgres_server.available():
            raise RuntimeError("EIDER_TEST_STORE=postgresql needs PostgreSQL server binaries "
                               "(scripts/setup installs them)")
        if not redis_server.available():
            raise RuntimeError("EIDER_TEST_STORE=postgresql needs redis-server "
                               "(scripts/setup installs it)")
        _redis = redis_server.RedisServer()
        _postgres = postgres_server.PostgresServer()
    return _postgres, _redis


def store_url(data_dir):
    """The database of data_dir (created on first use); None on SQLite."""
    if not is_postgresql():
        return None
    key = Path(data_dir).resolve()
    if key not in _stores:
        postgres, _ = _servers()
        _stores[key] = postgres.create_database()
    return _stores[key]


def store_args(data_dir, serve=False):
    """The flags that put a command on data_dir onto the run's store:
    nothing on SQLite; --store (and, for serve, --notify) on PostgreSQL."""
    if not is_postgresql():
        return []
    args = ["--store", store_url(data_dir)]
    if serve:
        args += ["--notify", _servers()[1].url]
    return args


def with_store_args(args, serve=False):
    """args plus store_args() of its --data folder, unless it names its own
    --store or no --data."""
    args = [*args]
    if not is_postgresql() or "--store" in map(str, args) or "--data" not in map(str, args):
        return args
    data_dir = args[[str(a) for a in args].index("--data") + 1]
    if serve and "--notify" in map(str, args):
        serve = False
    return args + store_args(data_dir, serve=serve)


def forget_test_state(test_dir):
    """After a test: drops the databases of data folders below test_dir
    (module-scoped folders live on) and empties Redis, whose login-failure
    counts and per-user connection counts would otherwise carry over to the
    next test (every fresh database numbers its users from 1)."""
    if _postgres is None:
        return
    test_dir = Path(test_dir).resolve()
    for key in [k for k in _stores if k.is_relative_to(test_dir)]:
        _postgres.drop_database(_stores.pop(key))
    if _redis.running:
        with socket.create_connection(("127.0.0.1", _redis.port), timeout=5) as s:
            s.sendall(b"FLUSHALL\r\n")
            s.recv(16)
    else:
        _redis.start()  # a test that killed it and did not bring it back


def close():
    global _postgres, _redis
    try:
        if _postgres is not None:
            _postgres.close()
    finally:
        if _redis is not None:
            _redis.close()
        _postgres = _redis = None
        _stores.clear()
