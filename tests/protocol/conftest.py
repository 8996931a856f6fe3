"""Fixtures for the protocol tests: the eider binary, a fresh data folder per
test, a CLI runner bound to it, and a running `eider serve` on free ports."""

import signal

import pytest

import store_backend
from eider_harness import LISTENER_FLAGS, Cli, Server, eider_binary, free_port, port_of
from imap_support import ADDRESS, PASSWORD, USER

SQLITE_ONLY_REASON = "about the SQLite store itself (its files in the data folder)"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): the test is about the SQLite store itself (its files, vacuum, "
        "a damaged or unwritable data folder); skipped when EIDER_TEST_STORE=postgresql")


def pytest_report_header(config):
    return f"store: {store_backend.NAME} (EIDER_TEST_STORE)"


def pytest_collection_modifyitems(config, items):
    if not store_backend.is_postgresql():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else
                                                     SQLITE_ONLY_REASON)
            item.add_marker(pytest.mark.skip(reason=f"sqlite_only: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def store_servers():
    """On PostgreSQL, the run's private PostgreSQL and Redis (started on
    first use by store_backend), stopped when the run ends."""
    yield
    store_backend.close()


@pytest.fixture(autouse=True)
def fresh_store_state(store_servers, tmp_path):
    """Every test starts with an empty Redis; its databases go with it."""
    yield
    store_backend.forget_test_state(tmp_path)


@pytest.fixture(scope="session")
def eider_bin():
    path = eider_binary()
    if not path.is_file():
        pytest.fail(f"eider binary not found at {path}: build it or set EIDER_BIN")
    return path


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def cli(eider_bin, data_dir, tmp_path):
    # cwd is the test's own folder so a command that ignores --data cannot
    # touch ./data of whoever runs the tests.
    return Cli(eider_bin, data_dir, cwd=tmp_path)


@pytest.fixture
def listener_args():
    """--imap 127.0.0.1:P ... for every listener, each on its own free port."""
    args = []
    for flag in LISTENER_FLAGS:
        args += [f"--{flag}", f"127.0.0.1:{free_port()}"]
    return args


@pytest.fixture
def server(eider_bin, data_dir, tmp_path, listener_args):
    """A ready `eider serve` on the test's data folder; must exit 0 on SIGTERM."""
    for attempt in range(3):
        srv = Server(eider_bin, ["--data", data_dir, *listener_args], cwd=tmp_path)
        if srv.start():
            break
        _, err = srv.communicate()
        # A port picked as free can be taken by another process before eider
        # binds it; pick new ones (in place: tests read their ports from here).
        if b"in use" not in err or attempt == 2:
            pytest.fail(f"eider serve exited {srv.proc.returncode} before ready: {err!r}")
        for i in range(1, len(listener_args), 2):
            listener_args[i] = f"127.0.0.1:{free_port()}"
    try:
        yield srv
        code = srv.stop(signal.SIGTERM)
        assert code == 0, f"eider serve exited {code} on SIGTERM"
    finally:
        srv.kill()


@pytest.fixture
def custom_server(eider_bin, data_dir, tmp_path, listener_args):
    """start(*flags): `eider serve` with extra flags on the usual ports (a
    test may start several in turn); each must exit 0 on SIGTERM."""
    servers = []

    def start(*extra):
        srv = Server(eider_bin, ["--data", data_dir, *listener_args, *extra], cwd=tmp_path)
        servers.append(srv)
        assert srv.start(), srv.communicate()
        return srv

    yield start
    for srv in servers:
        try:
            assert srv.stop(signal.SIGTERM) == 0
        finally:
            srv.kill()


@pytest.fixture
def imap_port(listener_args):
    return port_of(listener_args, "imap")


@pytest.fixture
def account(cli, server):
    """The IMAP tests' user, on a running server; returns the CLI."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    return cli


@pytest.fixture
def api_port(listener_args):
    return port_of(listener_args, "api")


@pytest.fixture
def api(server, api_port):
    """An API client (api_client.py) to the running server, which has no
    api-token: every request without a token is the admin's."""
    from api_client import ApiClient
    client = ApiClient(api_port)
    yield client
    client.close()
