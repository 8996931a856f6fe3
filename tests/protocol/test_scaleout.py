"""Nodes on one PostgreSQL and one Redis, over the wire (issue 16, "What it
must show"): what one node changes reaches the sessions of another, at the
moments RFC 3501 allows, also while Redis is gone; and nodes started at once
on an empty database agree on who migrates.

The topology: node A runs LMTP only and node B IMAP and POP3 only, as the
issue asks. A flag change or an expunge needs an IMAP session on a node
other than B, and A has no IMAP, so those come from node C (IMAP only): a
third process with no state shared with B but the store and Redis, which is
what "a change on another node" means. Every test has a fresh database;
PostgreSQL and Redis are private servers (cluster.py)."""

import concurrent.futures
import poplib
import re
import statistics
import subprocess
import time

import pytest

from cluster import (SENDER, Cluster, deliver, log_text, pg, redis,  # noqa: F401  (fixtures)
                     skip_without)
from eider_harness import Cli
from imap_support import ADDRESS, PASSWORD, USER, Raw, message, selected
from lmtp_client import LmtpConnection
from postgres_server import BIN as PG_BIN
from postgres_server import USER as PG_USER

pytestmark = skip_without(postgres=True, redis=True)

# While Redis is away IMAP sessions read the journal this often (ms).
POLL_MS = 250
DELIVERIES = 20


@pytest.fixture
def cluster(pg, redis, eider_bin, tmp_path):
    """A fresh database with the IMAP tests' user, and Redis as the notifier."""
    redis.start()  # a test that killed it may have failed before its restart
    nodes = Cluster(eider_bin, tmp_path, pg.create_database(), notify=redis.url)
    nodes.add_user()
    yield nodes
    nodes.stop_all()


@pytest.fixture
def abc(cluster):
    """Nodes A (LMTP), B (IMAP, POP3) and C (IMAP): {name: (server, ports)}."""
    extra = ("--notify-poll-interval", str(POLL_MS))
    return {"a": cluster.start("a", "lmtp", extra=extra),
            "b": cluster.start("b", "imap", "pop3", extra=extra),
            "c": cluster.start("c", "imap", extra=extra)}


def lmtp(nodes):
    return LmtpConnection(nodes["a"][1]["lmtp"])


def imap_port(nodes, name):
    return nodes[name][1]["imap"]


def deliver_all(connection, numbers):
    for n in numbers:
        code, text = connection.deliver(SENDER, ADDRESS, message(n))
        assert code == 250, (n, code, text)


def start_idle(raw, tag=b"i"):
    raw.send(tag + b" IDLE\r\n")
    assert raw.line().startswith(b"+ "), "no IDLE continuation"


def end_idle(raw, tag="i"):
    raw.send(b"DONE\r\n")
    untagged, done = raw.until(tag)
    assert done.split()[1] == b"OK", done
    return untagged


def until_exists(raw, count, seen):
    """Reads pushed lines until `* count EXISTS`; adds every line to seen."""
    want = b"* %d EXISTS\r\n" % count
    while True:
        line = raw.line()
        seen.append(line)
        if line == want:
            return


def exists_counts(lines):
    return [int(m.group(1)) for line in lines if (m := re.match(rb"\* (\d+) EXISTS\r\n", line))]


def fetched_uids(raw):
    untagged, done = raw.command("FETCH 1:* (UID)")
    assert done.split()[1] == b"OK", done
    return [int(m.group(1)) for line in untagged
            if (m := re.match(rb"\* \d+ FETCH \(UID (\d+)\)", line))]


def test_an_idle_session_on_b_hears_each_delivery_on_a_within_100_ms(abc):
    watcher = selected(imap_port(abc, "b"))
    start_idle(watcher)
    connection = lmtp(abc)
    latencies = []
    seen = []
    try:
        for n in range(1, DELIVERIES + 1):
            code, text = connection.deliver(SENDER, ADDRESS, message(n))
            replied = time.monotonic()  # the final DATA reply: stored and committed
            assert code == 250, (code, text)
            until_exists(watcher, n, seen)
            latencies.append(time.monotonic() - replied)
    finally:
        connection.close()
    assert exists_counts(seen) == list(range(1, DELIVERIES + 1))
    end_idle(watcher)
    median, worst = statistics.median(latencies), max(latencies)
    print(f"\nLMTP 250 on A to '* n EXISTS' in IDLE on B, {DELIVERIES} deliveries: "
          f"median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms")
    assert median < 0.100, latencies
    assert fetched_uids(watcher) == list(range(1, DELIVERIES + 1))


def test_eider_deliver_with_notify_is_heard_at_once_by_an_idle_session_on_b(cluster, abc):
    watcher = selected(imap_port(abc, "b"))
    start_idle(watcher)
    cli = Cli(cluster.eider_bin, cluster.tmp_path, cwd=cluster.tmp_path)
    started = time.monotonic()
    uid = cli.ok("deliver", "--user", USER, "--store", cluster.store,
                 "--notify", cluster.notify, input=message(1), data=False)
    assert uid == b"1\n"
    seen = []
    until_exists(watcher, 1, seen)  # no poll can explain it: IDLE polls only while Redis is away
    print(f"\neider deliver --notify to '* 1 EXISTS' in IDLE on B: "
          f"{(time.monotonic() - started) * 1000:.0f} ms (the command's start included)")
    end_idle(watcher)
    assert fetched_uids(watcher) == [1]


def test_a_flag_change_on_c_reaches_a_selected_session_on_b_at_its_next_noop(abc):
    connection = lmtp(abc)
    deliver_all(connection, range(1, 4))
    connection.close()
    # C selects first, so \Recent is C's and B's FLAGS show only what changes.
    writer = selected(imap_port(abc, "c"))
    reader = selected(imap_port(abc, "b"))
    untagged, _ = writer.command("STORE 3 +FLAGS (\\Answered)")
    assert untagged == [b"* 3 FETCH (FLAGS (\\Answered \\Recent))\r\n"], untagged
    untagged, done = reader.command("NOOP")
    assert untagged == [b"* 3 FETCH (FLAGS (\\Answered) UID 3)\r\n"], untagged
    untagged, _ = reader.command("NOOP")
    assert untagged == []
    untagged, _ = writer.command("NOOP")
    assert untagged == []


def test_an_expunge_on_c_reaches_b_only_where_rfc_3501_allows(abc):
    """As test_imap_sessions.py checks on one node: no EXPUNGE during FETCH,
    the old numbering kept until NOOP tells it."""
    connection = lmtp(abc)
    deliver_all(connection, range(1, 6))
    connection.close()
    writer = selected(imap_port(abc, "c"))
    reader = selected(imap_port(abc, "b"))
    writer.command("STORE 2 +FLAGS.SILENT (\\Deleted)")
    untagged, _ = writer.command("EXPUNGE")
    assert untagged == [b"* 2 EXPUNGE\r\n"]
    # Whether or not B has heard the beacon yet, FETCH keeps its numbering.
    untagged, done = reader.command("FETCH 3 (UID)")
    assert b"* 3 FETCH (UID 3)\r\n" in untagged and done.split()[1] == b"OK", done
    assert b"EXPUNGE" not in b"".join(untagged)
    untagged, done = reader.command("FETCH 2 (UID BODY.PEEK[])")
    assert b"EXPUNGE" not in b"".join(untagged)
    assert done.split(b" ")[1] in (b"NO", b"OK"), done
    untagged, done = reader.command("NOOP")
    assert untagged == [b"* 2 EXPUNGE\r\n"] and done.split()[1] == b"OK", (untagged, done)
    untagged, _ = reader.command("FETCH 2 (UID)")
    assert untagged == [b"* 2 FETCH (UID 3)\r\n"]


def pop_login(port):
    pop = poplib.POP3("127.0.0.1", port, timeout=30)
    pop.user(USER)
    pop.pass_(PASSWORD)
    return pop


def test_pop3_on_b_beside_an_imap_expunge_on_c_behaves_as_on_one_node(abc):
    """The assertions of test_pop3.py's
    test_message_deleted_by_another_session_gives_err, the other session
    being IMAP on another node."""
    connection = lmtp(abc)
    deliver_all(connection, range(1, 4))
    connection.close()
    holder = pop_login(abc["b"][1]["pop3"])
    assert holder.stat()[0] == 3
    writer = selected(imap_port(abc, "c"))
    writer.command("STORE 2 +FLAGS.SILENT (\\Deleted)")
    untagged, _ = writer.command("EXPUNGE")
    assert untagged == [b"* 2 EXPUNGE\r\n"]
    with pytest.raises(poplib.error_proto, match="deleted by another session"):
        holder.retr(2)
    with pytest.raises(poplib.error_proto):
        holder.top(2, 0)
    assert holder.retr(1)[0].startswith(b"+OK")
    holder.dele(2)
    assert holder.quit().startswith(b"+OK")
    untagged, _ = writer.command("UID SEARCH ALL")
    assert b"* SEARCH 1 3\r\n" in untagged, untagged
    fresh = pop_login(abc["b"][1]["pop3"])
    assert fresh.stat()[0] == 2
    fresh.quit()


def wait_for_redis_up(servers, before, timeout=15):
    """Waits until each server has logged notify.redis_up more often than
    `before` says it had."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(log_text(srv).count("notify.redis_up") > n for srv, n in zip(servers, before)):
            return
        time.sleep(0.05)
    raise AssertionError("the nodes did not reconnect to Redis: "
                         + "\n".join(log_text(srv)[-2000:] for srv in servers))


def test_with_redis_killed_and_restarted_sessions_poll_catch_up_and_miss_nothing(redis, abc):
    servers = [abc[name][0] for name in "abc"]
    watcher = selected(imap_port(abc, "b"))  # IDLE on B throughout
    reader = selected(imap_port(abc, "b"))   # a selected session on B that sends commands
    writer = selected(imap_port(abc, "c"))
    start_idle(watcher)
    seen = []
    connection = lmtp(abc)
    try:
        deliver_all(connection, [1])
        until_exists(watcher, 1, seen)
        for session in (reader, writer):  # both know message 1 before Redis goes
            untagged, _ = session.command("NOOP")
            assert b"* 1 EXISTS\r\n" in untagged, untagged

        redis.kill()
        # Deliveries go on: LMTP does not need Redis, and the IDLE session
        # on B polls the journal while its notifier is down.
        deliver_all(connection, [2, 3, 4])
        stored = time.monotonic()
        until_exists(watcher, 4, seen)
        late = time.monotonic() - stored
        print(f"\nRedis down: IDLE on B heard the last delivery {late * 1000:.0f} ms after its 250"
              f" (notify-poll-interval {POLL_MS} ms)")
        # A couple of poll intervals, and slack for a loaded machine.
        assert late < 2 * POLL_MS / 1000 + 1, f"IDLE heard the deliveries {late:.2f} s late"
        untagged, done = writer.command("STORE 1 +FLAGS (\\Flagged)")
        assert done.split()[1] == b"OK", done
        # Every command of a selected session reads the journal meanwhile.
        untagged, done = reader.command("SEARCH ALL")
        assert done.split()[1] == b"OK", done
        assert any(line.startswith(b"* 4 EXISTS") for line in untagged), untagged
        assert any(line.startswith(b"* 1 FETCH (") and b"\\Flagged" in line
                   for line in untagged), untagged
        pop = pop_login(abc["b"][1]["pop3"])
        assert pop.stat()[0] == 4
        pop.quit()

        before = [log_text(srv).count("notify.redis_up") for srv in servers]
        redis.start()
        deliver_all(connection, [5])  # while the nodes may still be reconnecting
        wait_for_redis_up(servers, before)
        deliver_all(connection, [6, 7])
        until_exists(watcher, 7, seen)
        writer.command("NOOP")
        untagged, done = writer.command("STORE 7 +FLAGS (\\Seen)")
        assert done.split()[1] == b"OK", done
        deadline = time.monotonic() + 5
        while not any(line.startswith(b"* 7 FETCH (") and b"\\Seen" in line for line in seen):
            assert time.monotonic() < deadline, seen
            seen.append(watcher.line())
    finally:
        connection.close()
    seen += end_idle(watcher)
    # Every delivery was told once, in order; the flag changes too.
    assert exists_counts(seen) == sorted(set(exists_counts(seen))), seen
    assert exists_counts(seen)[-1] == 7
    assert any(line.startswith(b"* 1 FETCH (") and b"\\Flagged" in line for line in seen), seen
    assert fetched_uids(watcher) == list(range(1, 8))
    untagged, _ = reader.command("NOOP")
    assert b"* 7 EXISTS\r\n" in untagged, untagged
    assert fetched_uids(reader) == list(range(1, 8))


def psql(pg, *args, **kwargs):
    return subprocess.Popen([str(PG_BIN / "psql"), "-X", "-q", "-A", "-t", "-h", "127.0.0.1",
                             "-p", str(pg.port), "-U", PG_USER, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs)


def query(pg, database, sql):
    proc = psql(pg, "-d", database, "-c", sql)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    return out.decode().replace("|", " ").split()


# The migration lock of src/store/postgres/schema.h: kLockSpace, kMigrationLock.
MIGRATION_LOCK = "1162429522, 1"


@pytest.fixture
def unopened(pg, eider_bin, tmp_path):
    """Nodes on a new database that nothing has opened yet (no user)."""
    nodes = Cluster(eider_bin, tmp_path, pg.create_database())
    yield nodes
    nodes.stop_all()


def test_two_nodes_started_at_once_on_an_empty_database_one_migrates_and_both_serve(pg, unopened):
    """Both nodes are started while this test holds the migration lock, so
    both are waiting for it when it is released: one migrates, the other
    finds the schema current, neither gives up, and both serve."""
    cluster = unopened
    database = cluster.store.rsplit("/", 1)[1]
    holder = psql(pg, "-d", database, stdin=subprocess.PIPE)
    try:
        holder.stdin.write(f"SELECT pg_advisory_lock({MIGRATION_LOCK});\n"
                           "SELECT 'held';\n".encode())
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == b"", "no lock"  # the lock call's void row
        assert holder.stdout.readline().strip() == b"held"
        (a, a_ports), (b, b_ports) = (cluster.prepare("a", "lmtp"),
                                      cluster.prepare("b", "imap", "pop3"))
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            started = [pool.submit(a.start), pool.submit(b.start)]
            time.sleep(1.5)
            assert not any(f.done() for f in started), "a node served before the schema existed"
            assert query(pg, database, "SELECT to_regclass('schema_migrations') IS NULL") == ["t"]
            holder.stdin.close()  # psql ends, and the lock goes with its session
            holder.wait(timeout=30)
            assert [f.result() for f in started] == [True, True], [s.communicate() for s in (a, b)]
    finally:
        if holder.poll() is None:
            holder.kill()
    counts = query(pg, database, "SELECT count(*), count(DISTINCT version), max(version)"
                                 " FROM schema_migrations")
    assert counts[0] == counts[1] == counts[2] and int(counts[0]) > 0, counts
    cluster.add_user()
    code, text = deliver(a_ports["lmtp"], message(1))
    assert code == 250, (code, text)
    raw = Raw(b_ports["imap"]).login()
    untagged, done = raw.command("SELECT INBOX")
    assert b"* 1 EXISTS\r\n" in untagged, untagged
    pop = pop_login(b_ports["pop3"])
    assert pop.stat()[0] == 1
    pop.quit()
