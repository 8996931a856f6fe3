"""GET /users/:user/updates (Server-Sent Events over the user's change feed)
and PUT /users/:user/logout (docs/api.md, "Events"): an SSE client hears an
IMAP STORE and an LMTP delivery at once, resumes with Last-Event-ID with
exactly the events it missed (also across a restart, and across nodes on
PostgreSQL + Redis), and a logout ends IMAP and POP3 sessions."""

import http.client
import json
import poplib
import signal
import statistics
import time

import pytest

import store_backend
from api_client import ApiClient
from cluster import Cluster, pg, redis  # noqa: F401  (fixtures)
from eider_harness import port_of
from imap_support import ADDRESS, PASSWORD, USER, Raw, message, selected
from lmtp_client import LmtpConnection

SENDER = b"sender@example.com"
ROUNDS = 10


class EventStream:
    """One SSE connection (http.client): reads events as the server sends
    them. `events` keeps every (data, id) read so far."""

    def __init__(self, port, user_id, last_event_id=None, in_query=False, token=None):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        path = f"/users/{user_id}/updates"
        headers = {"Accept": "text/event-stream"}
        if token is not None:
            headers["X-Access-Token"] = token
        if last_event_id is not None:
            if in_query:
                path += "?Last-Event-ID=" + last_event_id
            else:
                headers["Last-Event-ID"] = last_event_id
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        self.status = self.response.status
        self.comments = []
        self.events = []

    def next(self, timeout=10.0):
        """The next event as (data, id), skipping comments; None when the
        stream ended. Nothing in `timeout` seconds fails the test: a socket
        file is unusable after a timeout, so tests never wait for silence
        (to show nothing more came, they make one more change and see that
        its event is the next)."""
        self.conn.sock.settimeout(timeout)
        data_lines, event_id = [], None
        while True:
            try:
                line = self.response.readline()
            except (http.client.IncompleteRead, ConnectionError):
                # The server closed the stream (logout, shutdown) without a
                # last empty chunk.
                return None
            if not line:
                return None
            line = line.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data_lines:
                    event = (json.loads("\n".join(data_lines)), event_id)
                    self.events.append(event)
                    return event
                continue
            if line.startswith(":"):
                self.comments.append(line)
            elif line.startswith("data:"):
                data_lines.append(line[5:].lstrip(" "))
            elif line.startswith("id:"):
                event_id = line[3:].lstrip(" ")

    def take(self, count):
        """The next `count` events."""
        out = []
        for _ in range(count):
            event = self.next()
            assert event is not None, f"the stream ended after {out}"
            out.append(event)
        return out

    def close(self):
        self.conn.close()


def user_id(api):
    """The API id of the IMAP tests' user (POST /authenticate answers it)."""
    reply = api.post("/authenticate", {"username": USER, "password": PASSWORD})
    assert reply.status == 200, reply
    return reply.json["id"]


def deliver(lmtp_port, n):
    connection = LmtpConnection(lmtp_port)
    try:
        code, text = connection.deliver(SENDER, ADDRESS, message(n))
        assert code == 250, (code, text)
    finally:
        connection.close()


def summary(events):
    """What a test compares: each event's command and what it names."""
    out = []
    for data, _ in events:
        item = [data["command"]]
        for key in ("uid", "path", "flags"):
            if key in data:
                item.append(data[key])
        out.append(tuple(map(lambda v: tuple(v) if isinstance(v, list) else v, item)))
    return out


@pytest.fixture
def alice(account, api):
    return user_id(api)


@pytest.fixture
def lmtp_port(listener_args):
    return port_of(listener_args, "lmtp")


@pytest.fixture
def imap_port(listener_args):
    return port_of(listener_args, "imap")


def test_an_sse_client_hears_each_imap_store_and_lmtp_delivery_at_once(alice, api_port,
                                                                       lmtp_port, imap_port):
    stream = EventStream(api_port, alice)
    assert stream.status == 200
    assert stream.response.getheader("Content-Type").startswith("text/event-stream")
    connection = LmtpConnection(lmtp_port)
    session = selected(imap_port)
    delivery, store = [], []
    try:
        for n in range(1, ROUNDS + 1):
            code, text = connection.deliver(SENDER, ADDRESS, message(n))
            stored = time.monotonic()  # the final DATA reply: committed
            assert code == 250, (code, text)
            data, event_id = stream.next()
            delivery.append(time.monotonic() - stored)
            assert data["command"] == "EXISTS" and data["uid"] == n, data
            assert data["message"] == n and len(data["mailbox"]) == 24 and event_id

            # The session learns of the message first (a STORE of a UID it
            # has not been told of changes nothing).
            session.command("NOOP")
            _, done = session.command(f"UID STORE {n} +FLAGS (\\Flagged)")
            changed = time.monotonic()
            assert done.split()[1] == b"OK", done
            data, _ = stream.next()
            store.append(time.monotonic() - changed)
            assert data["command"] == "FETCH" and data["uid"] == n, data
            assert "\\Flagged" in data["flags"]
    finally:
        connection.close()
        session.close()
        stream.close()
    print(f"\nLMTP 250 to SSE event, {ROUNDS} deliveries: median "
          f"{statistics.median(delivery) * 1000:.1f} ms, max {max(delivery) * 1000:.1f} ms")
    print(f"IMAP STORE OK to SSE event, {ROUNDS} changes: median "
          f"{statistics.median(store) * 1000:.1f} ms, max {max(store) * 1000:.1f} ms")
    # Generous: the machine may be busy; the figures above are the measure.
    assert statistics.median(delivery) < 0.5 and statistics.median(store) < 0.5


def test_reconnecting_with_last_event_id_gives_exactly_the_missed_events(alice, api_port,
                                                                         lmtp_port, imap_port):
    stream = EventStream(api_port, alice)
    deliver(lmtp_port, 1)
    first = stream.next()
    assert first[0]["command"] == "EXISTS"
    stream.close()

    # While nobody listens: every kind of change.
    deliver(lmtp_port, 2)
    session = selected(imap_port)
    for command in ("UID STORE 1 +FLAGS (\\Seen)", "CREATE Projects",
                    "RENAME Projects Done", "DELETE Archive",
                    "UID STORE 2 +FLAGS (\\Deleted)", "EXPUNGE"):
        _, done = session.command(command)
        assert done.split()[1] == b"OK", (command, done)
    session.close()

    expected = [("EXISTS", 2), ("FETCH", 1, ("\\Seen",)), ("FETCH", 2, ("\\Deleted",)),
                ("EXPUNGE", 2), ("DELETE", "Archive"), ("CREATE", "Projects"),
                ("RENAME", "Done")]
    n = 2
    for in_query in (False, True):
        # Last-Event-ID as EventSource sends it (a header), then as WildDuck
        # takes it (a query parameter).
        resumed = EventStream(api_port, alice, last_event_id=first[1], in_query=in_query)
        assert resumed.status == 200
        missed = resumed.take(len(expected))
        assert summary(missed) == expected, missed
        ids = [event_id for _, event_id in missed]
        assert len(set(ids)) == len(ids)
        # Nothing more, nothing twice: the next event is the next change's.
        n += 1
        deliver(lmtp_port, n)
        assert summary([resumed.next()]) == [("EXISTS", n)]
        # A catch-up goes mailbox by mailbox: INBOX's four events, then this.
        expected.insert(4, ("EXISTS", n))
        last = resumed.events[-1][1]
        resumed.close()

    # From the last event: only what comes after it.
    resumed = EventStream(api_port, alice, last_event_id=last)
    deliver(lmtp_port, n + 1)
    assert summary([resumed.next()]) == [("EXISTS", n + 1)]
    resumed.close()


def test_a_cursor_survives_a_restart_of_the_server(cli, custom_server, api_port, lmtp_port):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    srv = custom_server()
    api = ApiClient(api_port)
    alice = user_id(api)
    stream = EventStream(api_port, alice)
    deliver(lmtp_port, 1)
    _, cursor = stream.next()
    # The stream ends cleanly when the server stops.
    assert srv.stop(signal.SIGTERM) == 0
    assert stream.next() is None
    stream.close()
    api.close()

    custom_server()
    deliver(lmtp_port, 2)
    resumed = EventStream(api_port, alice, last_event_id=cursor)
    assert summary(resumed.take(1)) == [("EXISTS", 2)]
    deliver(lmtp_port, 3)
    assert summary(resumed.take(1)) == [("EXISTS", 3)]
    resumed.close()


def test_an_unreadable_cursor_gives_a_reset_event_and_a_malformed_one_is_400(alice, api):
    other = "01" + "0" * 40
    stream = EventStream(api.port, alice, last_event_id=other)
    data, event_id = stream.next()
    stream.close()
    assert data == {"command": "RESET"} and event_id
    reply = api.get(f"/users/{alice}/updates", query={"Last-Event-ID": "not a cursor"})
    assert reply.status == 400 and reply.json["code"] == "InputValidationError"
    assert "Last-Event-ID" in reply.json["details"]


def test_an_unknown_user_is_404(account, api):
    for path in ("/users/000000000000000000000999/updates",
                 "/users/000000000000000000000999/logout"):
        method = api.get if path.endswith("updates") else api.put
        reply = method(path)
        assert reply.status == 404 and reply.json["code"] == "UserNotFound", (path, reply)


def test_logout_ends_imap_and_pop3_sessions_and_the_event_stream(alice, api, api_port,
                                                                 lmtp_port, imap_port,
                                                                 listener_args):
    deliver(lmtp_port, 1)
    imap = selected(imap_port)
    idle = selected(imap_port)
    idle.send(b"i1 IDLE\r\n")
    assert idle.line().startswith(b"+")
    pop = poplib.POP3("127.0.0.1", port_of(listener_args, "pop3"), timeout=10)
    pop.user(USER)
    pop.pass_(PASSWORD)
    pop.dele(1)
    stream = EventStream(api_port, alice)

    reply = api.put(f"/users/{alice}/logout", {"reason": "security"})
    assert reply.status == 200 and reply.json == {"success": True}

    assert idle.line().startswith(b"* BYE"), "IDLE session"
    # A session waiting for its next command hears BYE at once too.
    assert imap.line().startswith(b"* BYE"), "selected session"
    with pytest.raises((EOFError, poplib.error_proto, OSError)):
        pop.stat()
    data, _ = stream.next()
    assert data["command"] == "LOGOUT"
    assert stream.next() is None
    for connection in (imap, idle, stream):
        connection.close()
    # POP3 ended without UPDATE: the DELE did not apply.
    pop = poplib.POP3("127.0.0.1", port_of(listener_args, "pop3"), timeout=10)
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 1
    pop.quit()


def test_a_user_token_reaches_only_its_own_stream(account, cli, api, api_port):
    cli.add_user("bob", "bobsecret", addresses=["bob@example.test"])
    alice = user_id(api)
    _, token = api.authenticate("bob", "bobsecret")
    bob_api = api.with_token(token)
    assert bob_api.get(f"/users/{alice}/updates").status == 403
    assert bob_api.put(f"/users/{alice}/logout").status == 403
    own = EventStream(api_port, "me", token=token)
    assert own.status == 200
    own.close()


@pytest.mark.skipif(not store_backend.is_postgresql(),
                    reason="nodes share a store on PostgreSQL + Redis only")
def test_an_sse_client_on_one_node_hears_changes_made_on_another(pg, redis, eider_bin, tmp_path):
    redis.start()
    cluster = Cluster(eider_bin, tmp_path, pg.create_database(), notify=redis.url)
    try:
        cluster.add_user()
        _, a = cluster.start("a", "api")
        _, b = cluster.start("b", "lmtp", "imap")
        api = ApiClient(a["api"])
        alice = user_id(api)
        stream = EventStream(a["api"], alice)
        # The first read after the stream opens covers a Redis SUBSCRIBE
        # still on its way; wait it out so the latencies below are beacons'.
        time.sleep(1.5)
        latencies = []
        session = selected(b["imap"])
        for n in range(1, ROUNDS + 1):
            deliver(b["lmtp"], n)
            stored = time.monotonic()
            data, _ = stream.next()
            latencies.append(time.monotonic() - stored)
            assert (data["command"], data["uid"]) == ("EXISTS", n)
        session.command("NOOP")  # the session learns of the messages first
        _, done = session.command("UID STORE 1:* +FLAGS (\\Seen)")
        assert done.split()[1] == b"OK"
        flags = [stream.next()[0] for _ in range(ROUNDS)]
        assert [(d["command"], d["uid"]) for d in flags] == [("FETCH", n)
                                                             for n in range(1, ROUNDS + 1)]
        cursor = stream.events[-1][1]
        stream.close()
        session.close()
        print(f"\nLMTP 250 on B to SSE event on A, {ROUNDS} deliveries: median "
              f"{statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms")
        assert statistics.median(latencies) < 0.5

        # Resuming on the other node with the cursor the first one gave.
        deliver(b["lmtp"], ROUNDS + 1)
        _, c = cluster.start("c", "api")
        resumed = EventStream(c["api"], alice, last_event_id=cursor)
        assert summary(resumed.take(1)) == [("EXISTS", ROUNDS + 1)]
        deliver(b["lmtp"], ROUNDS + 2)
        assert summary(resumed.take(1)) == [("EXISTS", ROUNDS + 2)]
        resumed.close()
        api.close()
    finally:
        cluster.stop_all()
