"""The HTTP API's foundation (docs/api.md): tokens and their scope, user
tokens from /authenticate, WildDuck's error shapes, strict input, limits on
bodies and slow clients, and pipelining. The route groups have their own
test_api_<group>.py."""

import os
import socket
import threading
import time

import pytest

from api_client import ApiClient, parse_responses, raw_exchange, split_responses
from eider_harness import port_of
from imap_support import ADDRESS, PASSWORD, USER
from line_client import LineClient

ADMIN = "admin-secret-token"


@pytest.fixture
def secured(custom_server, cli, api_port):
    """start(*flags): a server with the admin token ADMIN (and alice);
    returns an admin client."""
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    clients = []

    def start(*extra):
        custom_server("--api-token", ADMIN, "--auth-failure-delay", "0", *extra)
        client = ApiClient(api_port, token=ADMIN)
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.close()


def server_pid(api_port):
    """The pid of the process listening on api_port (the server under test)."""
    inode = None
    port_hex = f"{api_port:04X}"
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if fields[1].endswith(":" + port_hex) and fields[3] == "0A":
                inode = fields[9]
    assert inode is not None
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return int(pid)
        except OSError:
            continue
    raise AssertionError("no process listens on the API port")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


# --- tokens -----------------------------------------------------------------


def test_without_a_token_the_api_answers_401(secured):
    admin = secured()
    reply = admin.with_token(None).get("/metrics")
    assert reply.status == 401
    assert reply.json == {"error": "Invalid accessToken value", "code": "InvalidToken"}


def test_a_wrong_token_is_401(secured):
    admin = secured()
    for token in ["wrong", ADMIN + "x", ADMIN[:-1], "0" * 40]:
        reply = admin.with_token(token).get("/metrics")
        assert reply.status == 401, token
        assert reply.json["code"] == "InvalidToken"


def test_the_admin_token_is_taken_from_header_query_or_bearer(secured):
    admin = secured()
    assert admin.get("/metrics").status == 200
    anonymous = admin.with_token(None)
    assert anonymous.get("/metrics", query={"accessToken": ADMIN}).status == 200
    reply = anonymous.get("/metrics", headers={"Authorization": "Bearer " + ADMIN})
    assert reply.status == 200


def test_health_and_the_openapi_document_need_no_token(secured):
    anonymous = secured().with_token(None)
    health = anonymous.get("/health")
    assert health.status == 200
    assert health.json == {"success": True, "store": "ok", "notifier": "ok"}
    document = anonymous.get("/openapi.json")
    assert document.status == 200
    assert document.json["openapi"].startswith("3.")


def test_without_api_token_configured_the_api_is_open(api):
    assert api.get("/metrics").status == 200


# --- user tokens --------------------------------------------------------------


def test_authenticate_returns_wildducks_fields_and_a_token(secured):
    admin = secured()
    reply = admin.post("/authenticate", {"username": USER, "password": PASSWORD, "token": True})
    assert reply.status == 200, reply
    body = reply.json
    assert set(body) == {"success", "id", "username", "scope", "require2fa",
                         "requirePasswordChange", "token"}
    assert body["success"] is True and body["username"] == USER and body["scope"] == "master"
    assert len(body["id"]) == 24 and all(c in "0123456789abcdef" for c in body["id"])
    assert len(body["token"]) == 40 and all(c in "0123456789abcdef" for c in body["token"])
    without = admin.post("/authenticate", {"username": USER, "password": PASSWORD})
    assert without.status == 200 and "token" not in without.json
    assert without.json["id"] == body["id"]


def test_authenticate_by_address(secured):
    admin = secured()
    reply = admin.post("/authenticate",
                       {"username": ADDRESS.decode().upper(), "password": PASSWORD})
    assert reply.status == 200, reply
    assert reply.json["username"] == USER


def test_a_wrong_password_or_unknown_user_is_403_auth_failed(secured):
    admin = secured()
    for name, password in [(USER, "wrong"), ("nobody", PASSWORD), ("x@nowhere.test", "p")]:
        reply = admin.post("/authenticate", {"username": name, "password": password})
        assert reply.status == 403, name
        assert reply.json == {"error": "Authentication failed", "code": "AuthFailed"}


def test_a_user_token_does_not_reach_admin_routes(secured):
    admin = secured()
    _, token = admin.authenticate(USER, PASSWORD)
    user = admin.with_token(token)
    reply = user.get("/metrics")
    assert reply.status == 403
    assert reply.json == {"error": "Not enough privileges", "code": "MissingPrivileges"}
    assert user.post("/authenticate", {"username": USER, "password": PASSWORD}).status == 403


def test_a_revoked_token_is_refused(secured):
    admin = secured()
    _, token = admin.authenticate(USER, PASSWORD)
    _, other = admin.authenticate(USER, PASSWORD)
    user = admin.with_token(token)
    assert user.delete("/authenticate").json == {"success": True}
    assert user.delete("/authenticate").status == 401
    # Only that token went.
    assert admin.with_token(other).delete("/authenticate").status == 200


def test_an_expired_token_is_refused(secured):
    admin = secured("--api-token-ttl", "1")
    _, token = admin.authenticate(USER, PASSWORD)
    user = admin.with_token(token)
    time.sleep(2.1)
    reply = user.delete("/authenticate")
    assert reply.status == 401
    assert reply.json["code"] == "InvalidToken"


def test_a_deleted_users_token_is_refused(secured, cli):
    admin = secured()
    _, token = admin.authenticate(USER, PASSWORD)
    cli.ok("user", "del", USER)
    assert admin.with_token(token).delete("/authenticate").status == 401


def test_tokens_survive_a_restart(custom_server, cli, api_port):
    cli.add_user(USER, PASSWORD)
    first = custom_server("--api-token", ADMIN)
    admin = ApiClient(api_port, token=ADMIN)
    _, token = admin.authenticate(USER, PASSWORD)
    admin.close()
    assert first.stop() == 0
    custom_server("--api-token", ADMIN)
    assert ApiClient(api_port, token=token).delete("/authenticate").status == 200


def test_preauth_checks_that_the_user_exists(secured):
    admin = secured()
    reply = admin.post("/preauth", {"username": USER})
    assert reply.status == 200
    assert set(reply.json) == {"success", "id", "username", "scope", "require2fa"}
    assert admin.post("/preauth", {"username": "nobody"}).status == 403


def test_failed_authenticate_calls_share_the_login_limiter_with_imap(secured, listener_args):
    admin = secured("--max-auth-failures-per-user", "3", "--max-auth-failures-per-ip", "0")
    for _ in range(3):
        assert admin.post("/authenticate", {"username": USER, "password": "wrong"}).status == 403
    locked = admin.post("/authenticate", {"username": USER, "password": PASSWORD})
    assert locked.status == 403
    assert locked.json["code"] == "RateLimitedError"
    imap = LineClient(port_of(listener_args, "imap"))
    imap.send(b"a LOGIN " + USER.encode() + b" " + PASSWORD.encode() + b"\r\n")
    assert b"a NO" in imap.until(b"a")
    imap.close()


# --- errors and validation ------------------------------------------------------


def test_unknown_routes_and_wrong_methods_answer_as_wildduck(api):
    reply = api.get("/no/such/route")
    assert reply.status == 404
    assert reply.json == {"error": "/no/such/route does not exist", "code": "ResourceNotFound"}
    wrong = api.put("/authenticate")
    assert wrong.status == 405
    assert wrong.json["code"] == "MethodNotAllowed"
    assert set(wrong.headers["allow"].split(", ")) == {"POST", "DELETE"}


def test_malformed_json_is_400(api):
    for raw in [b"{", b"[1, 2]", b"\"text\"", b"{\"username\": }"]:
        reply = api.request("POST", "/authenticate", raw=raw, content_type="application/json")
        assert reply.status == 400, raw
        assert reply.json["code"] == "InputValidationError"


def test_wrong_types_and_unknown_fields_are_reported_by_field(api):
    reply = api.post("/authenticate", {"username": 5, "password": "x", "token": "perhaps",
                                       "color": "blue"})
    assert reply.status == 400
    assert reply.json["code"] == "InputValidationError"
    assert reply.json["details"] == {
        "username": "\"username\" must be a string",
        "token": "\"token\" must be a boolean",
        "color": "\"color\" is not allowed",
    }
    missing = api.post("/authenticate", {})
    assert missing.json["details"] == {"username": "\"username\" is required",
                                       "password": "\"password\" is required"}


def test_booleans_come_as_wildduck_accepts_them(api, cli):
    cli.add_user(USER, PASSWORD)
    for value in ["true", "yes", "1", "Y", "on", True, 1]:
        reply = api.post("/authenticate", {"username": USER, "password": PASSWORD,
                                           "token": value})
        assert reply.status == 200 and "token" in reply.json, value


def test_query_parameters_are_validated_too(api):
    reply = api.get("/health", query={"verbose": "1"})
    assert reply.status == 400
    assert reply.json["details"] == {"verbose": "\"verbose\" is not allowed"}


# --- limits ------------------------------------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(server, api_port):
    head = (b"POST /authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 2000000\r\n\r\n")
    replies = parse_responses(raw_exchange(api_port, head))
    assert replies[0][0] == 413
    assert b'"code":"PayloadTooLarge"' in replies[0][2]


def test_a_chunked_body_over_the_limit_is_413(custom_server, api_port):
    custom_server("--api-body-limit", "1000")
    chunk = b"x" * 600
    data = (b"POST /authenticate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
            (b"258\r\n" + chunk + b"\r\n") * 2 + b"0\r\n\r\n")
    replies = parse_responses(raw_exchange(api_port, data))
    assert replies[0][0] == 413


def test_a_huge_header_is_refused(server, api_port):
    data = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"
    replies = parse_responses(raw_exchange(api_port, data))
    assert replies and replies[0][0] == 431


def test_slow_headers_are_cut_off_and_others_still_served(custom_server, api_port):
    custom_server("--api-header-timeout", "1")
    slow = socket.create_connection(("127.0.0.1", api_port), timeout=10)
    started = time.monotonic()
    slow.sendall(b"GET /health HTTP/1.1\r\n")
    closed = False
    other = ApiClient(api_port)
    for _ in range(40):
        try:
            slow.sendall(b"X-Drip: 1\r\n")
        except OSError:
            closed = True
            break
        assert other.get("/health").status == 200
        slow.settimeout(0.1)
        try:
            data = slow.recv(65536)
            if data == b"" or b"408" in data:
                closed = True
                break
        except socket.timeout:
            pass
    elapsed = time.monotonic() - started
    slow.close()
    other.close()
    assert closed and elapsed < 3.5


def test_a_silent_connection_is_closed_after_the_idle_timeout(custom_server, api_port):
    custom_server("--idle-timeout", "1")
    sock = socket.create_connection(("127.0.0.1", api_port), timeout=5)
    started = time.monotonic()
    assert sock.recv(100) == b""
    assert time.monotonic() - started < 3
    sock.close()


def test_concurrent_requests_per_ip_are_bounded(custom_server, cli, api_port):
    cli.add_user(USER, PASSWORD)
    # A failed login waits 1.5 s before its answer: long enough to overlap.
    custom_server("--api-requests-per-ip", "1", "--auth-failure-delay", "1500",
                  "--max-auth-failures-per-user", "0", "--max-auth-failures-per-ip", "0")
    slow = ApiClient(api_port)
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        reply=slow.post("/authenticate", {"username": USER, "password": "wrong"})))
    thread.start()
    time.sleep(0.5)
    busy = ApiClient(api_port).get("/health")
    thread.join()
    assert result["reply"].status == 403
    assert busy.status == 429
    assert busy.json["code"] == "TooManyRequests"
    assert ApiClient(api_port).get("/health").status == 200


def test_ten_thousand_pipelined_requests_are_answered_in_order(server, api_port):
    pid = server_pid(api_port)
    count = 10000
    requests = []
    for i in range(count):
        path = "/health" if i % 10 == 0 else f"/nothing/{i}"
        requests.append(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    sock = socket.create_connection(("127.0.0.1", api_port), timeout=60)
    rss_before = rss_kib(pid)
    # All requests at once from another thread, while this one reads: the
    # server must keep answering in order without buffering the flood.
    sender = threading.Thread(target=lambda: sock.sendall(b"".join(requests)))
    sender.start()
    probe = ApiClient(api_port)
    pending = b""
    replies = []
    next_probe = 0
    while len(replies) < count:
        chunk = sock.recv(1 << 20)
        assert chunk, f"closed after {len(replies)} replies"
        complete, pending = split_responses(pending + chunk)
        replies += [(status, body) for status, _, body in complete]
        if len(replies) >= next_probe:
            # Another client is served promptly meanwhile.
            started = time.monotonic()
            assert probe.get("/health").status == 200
            assert time.monotonic() - started < 2
            next_probe += 2000
    sender.join()
    sock.close()
    probe.close()
    for i, (status, body) in enumerate(replies):
        if i % 10 == 0:
            assert status == 200, i
        else:
            assert status == 404, i
            assert f"/nothing/{i} does not exist".encode() in body, i
    assert rss_kib(pid) - rss_before < 64 * 1024


# --- metrics -----------------------------------------------------------------


def test_metrics_count_connections_commands_deliveries_and_login_failures(api, cli,
                                                                          listener_args):
    from imap_support import lmtp_deliver, message
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)])
    imap = LineClient(port_of(listener_args, "imap"))
    imap.send(b"a LOGIN " + USER.encode() + b" wrong\r\n")
    imap.until(b"a")
    imap.close()
    reply = api.get("/metrics")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = reply.body.decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    assert values['eider_connections_total{protocol="imap"}'] >= 1
    assert values['eider_connections_total{protocol="lmtp"}'] >= 1
    assert values['eider_connections_open{protocol="api"}'] >= 1
    assert values['eider_commands_total{protocol="imap"}'] >= 1
    assert values['eider_commands_total{protocol="lmtp"}'] >= 4
    assert values['eider_deliveries_total{protocol="lmtp"}'] == 1
    assert values['eider_login_failures_total{protocol="imap"}'] == 1
    assert values["eider_store_call_seconds_count"] >= 1
    assert values['eider_store_call_seconds_bucket{le="+Inf"}'] == \
        values["eider_store_call_seconds_count"]
    assert "# TYPE eider_store_call_seconds histogram" in text
