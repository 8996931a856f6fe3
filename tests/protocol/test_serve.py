"""`eider serve`: ready line, clean stop on signals, one-line refusal to start,
and the services a host runs (--services)."""

import signal
import socket
import sqlite3

import pytest

from eider_harness import (
    LISTENER_FLAGS,
    Server,
    assert_one_line_error,
    free_port,
    port_of,
    run_server_until_exit,
)


def test_serve_prints_ready_and_exits_zero_on_sigterm(server):
    assert server.stdout.splitlines()[-1] == b"eider ready"
    assert server.stop(signal.SIGTERM) == 0


def test_serve_exits_zero_on_sigint(server):
    assert server.stop(signal.SIGINT) == 0


def test_serve_prints_ready_exactly_once(server):
    assert server.stop(signal.SIGTERM) == 0
    out, _ = server.communicate()
    assert out.count(b"eider ready") == 1


@pytest.mark.sqlite_only(reason="the SQLite store's file in the data folder")
def test_serve_creates_its_store_in_the_data_folder(server, data_dir):
    assert (data_dir / "eider.db").is_file()


def others_off(flag):
    """Flags switching off every listener except `flag`."""
    return [arg for f in LISTENER_FLAGS if f != flag for arg in (f"--{f}", "off")]


def only_listener(flag, addr):
    """Listener flags with every listener off but `flag`, set to addr."""
    return [f"--{flag}", addr, *others_off(flag)]


@pytest.mark.parametrize(
    "addr",
    ["nonsense", "127.0.0.1", "127.0.0.1:notaport", "127.0.0.1:99999", "127.0.0.1:0x10", ":"],
)
def test_serve_refuses_a_bad_listener_address(eider_bin, data_dir, tmp_path, addr):
    result = run_server_until_exit(
        eider_bin, ["--data", data_dir, *only_listener("imap", addr)], cwd=tmp_path
    )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


def test_serve_refuses_an_lmtp_address_already_in_use(eider_bin, data_dir, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        addr = f"127.0.0.1:{taken.getsockname()[1]}"
        result = run_server_until_exit(
            eider_bin, ["--data", data_dir, *only_listener("lmtp", addr)], cwd=tmp_path
        )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


def test_serve_refuses_an_api_on_a_public_address_without_a_token(eider_bin, data_dir,
                                                                  tmp_path):
    result = run_server_until_exit(
        eider_bin, ["--data", data_dir, *only_listener("api", f"0.0.0.0:{free_port()}")],
        cwd=tmp_path,
    )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


def test_serve_refuses_a_tls_certificate_without_its_key(eider_bin, data_dir, tmp_path,
                                                        listener_args):
    cert = tmp_path / "cert.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    result = run_server_until_exit(
        eider_bin, ["--data", data_dir, *listener_args, "--tls-cert", cert], cwd=tmp_path
    )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


@pytest.mark.sqlite_only(reason="sets the SQLite file's schema version (PRAGMA user_version)")
def test_serve_refuses_a_store_from_a_newer_schema(eider_bin, cli, tmp_path, listener_args):
    cli.add_user("u")
    db = cli.data_dir / "eider.db"
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA user_version = 9999")
        conn.commit()
    finally:
        conn.close()
    result = run_server_until_exit(
        eider_bin, ["--data", cli.data_dir, *listener_args], cwd=tmp_path
    )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


def test_serve_refuses_an_unusable_data_folder(eider_bin, tmp_path, listener_args):
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a folder\n")
    result = run_server_until_exit(
        eider_bin, ["--data", blocker / "sub", *listener_args], cwd=tmp_path
    )
    assert_one_line_error(result)
    assert b"eider ready" not in result.stdout


def test_serve_takes_the_data_folder_from_the_config_file(eider_bin, tmp_path, listener_args):
    data = tmp_path / "from-config"
    data.mkdir()
    config = tmp_path / "eider.toml"
    config.write_text(f'data = "{data}"\n')
    srv = Server(eider_bin, ["--config", config, *listener_args], cwd=tmp_path)
    try:
        assert srv.start(), srv.communicate()
        assert srv.stop(signal.SIGTERM) == 0
    finally:
        srv.kill()
    assert (data / "eider.db").is_file()
    # The default ./data (relative to cwd) must not have been used instead.
    assert not (tmp_path / "data").exists()


def test_serve_takes_a_listener_address_from_the_config_file(eider_bin, data_dir, tmp_path):
    # A bad address in the file must fail exactly as the same flag does.
    config = tmp_path / "eider.toml"
    config.write_text('imap = "nonsense"\n')
    result = run_server_until_exit(
        eider_bin, ["--config", config, "--data", data_dir, *others_off("imap")], cwd=tmp_path
    )
    from_file = assert_one_line_error(result)
    from_flag = assert_one_line_error(run_server_until_exit(
        eider_bin, ["--data", data_dir, *only_listener("imap", "nonsense")], cwd=tmp_path
    ))
    assert "imap" in from_flag and "nonsense" in from_flag, from_flag
    # The same refusal, naming the file the key came from.
    assert from_file == from_flag.replace("error: ", f"error: {config}: ", 1), (from_file, from_flag)


def test_serve_refuses_an_unreadable_config_file(eider_bin, data_dir, tmp_path, listener_args):
    result = run_server_until_exit(
        eider_bin, ["--config", tmp_path / "missing.toml", "--data", data_dir, *listener_args],
        cwd=tmp_path,
    )
    assert_one_line_error(result)


def test_serve_refuses_a_config_file_that_is_not_toml(eider_bin, data_dir, tmp_path,
                                                      listener_args):
    config = tmp_path / "eider.toml"
    config.write_text('data = "unterminated\n')
    result = run_server_until_exit(
        eider_bin, ["--config", config, "--data", data_dir, *listener_args], cwd=tmp_path
    )
    assert_one_line_error(result)


def refuses_connections(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def greeting(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        return conn.recv(200)


def test_an_imap_only_node_serves_imap_and_leaves_the_other_ports_closed(custom_server,
                                                                         listener_args):
    custom_server("--services", "imap")
    assert greeting(port_of(listener_args, "imap")).startswith(b"* OK")
    for flag in ("lmtp", "pop3", "pop3s", "api"):
        assert refuses_connections(port_of(listener_args, flag)), flag


def test_an_lmtp_only_node_serves_lmtp_and_leaves_imap_and_pop3_closed(custom_server,
                                                                       listener_args):
    custom_server("--services", "lmtp")
    assert greeting(port_of(listener_args, "lmtp")).startswith(b"220 ")
    for flag in ("imap", "imaps", "pop3", "pop3s"):
        assert refuses_connections(port_of(listener_args, flag)), flag


def test_services_from_the_config_file_with_an_address_off(eider_bin, data_dir, tmp_path,
                                                           listener_args):
    # Both switches hold: pop3 is listed but its plain port is off.
    config = tmp_path / "eider.toml"
    config.write_text('services = "imap, pop3"\n')
    args = list(listener_args)
    args[args.index("--pop3") + 1] = "off"
    srv = Server(eider_bin, ["--config", config, "--data", data_dir, *args], cwd=tmp_path)
    try:
        assert srv.start(), srv.communicate()
        assert greeting(port_of(listener_args, "imap")).startswith(b"* OK")
        assert refuses_connections(port_of(listener_args, "lmtp"))
        conn = socket.create_connection(("127.0.0.1", port_of(listener_args, "pop3s")), timeout=5)
        conn.close()
        assert srv.stop(signal.SIGTERM) == 0
    finally:
        srv.kill()


@pytest.mark.parametrize("services", ["imap,smtp", "", ",", "IMAP"])
def test_serve_refuses_unknown_or_no_services(eider_bin, data_dir, tmp_path, listener_args,
                                              services):
    result = run_server_until_exit(
        eider_bin, ["--data", data_dir, *listener_args, "--services", services], cwd=tmp_path
    )
    message = assert_one_line_error(result)
    assert "services" in message, message
    assert b"eider ready" not in result.stdout
