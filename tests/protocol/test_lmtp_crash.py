"""LMTP durability under SIGKILL: 8 clients deliver while the server is killed
at random moments and restarted on the same data folder, 10 rounds.

A 250 means stored: every acknowledged message must be there, intact (the
trace headers prepended, the rest byte for byte) under the UID its 250 names,
and no message may be stored twice. A message whose reply was cut off by the
kill may or may not be stored; one refused with 4xx/5xx must not be.
"""

import hashlib
import random
import re
import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from lmtp_client import LmtpConnection, LmtpError, LmtpServer

SEED = 20261125
ROUNDS = 10
CLIENTS = 8
USERS = ("crash0", "crash1", "crash2")
KILL_AFTER = (0.3, 1.2)  # seconds of delivery before each SIGKILL
TEST_ID = re.compile(rb"^X-Test-Id: (\S+)\r$", re.M)
# docs/lmtp.md: 250 2.0.0 <rcpt> <uidvalidity>:<uid> delivered to <mailbox>; ...
DELIVERED = re.compile(rb"2\.0\.0 <[^>]*> \d+:(\d+) delivered to INBOX;")
HEADER_LINE = re.compile(rb"[!-9;-~]+:|[ \t]")

MAX_UID_GAP = 64
ACKED, REFUSED, UNKNOWN = "acked", "refused", "unknown"


def recipient(user):
    return f"{user}@example.test".encode()


def make_message(rng, test_id):
    """A message identified by test_id with a body of random size and lines,
    some starting with dots (dot-stuffing), and its SHA-256 in a header."""
    lines = []
    for _ in range(rng.choice((1, 5, 40, 400, 2000))):
        text = "".join(rng.choices("abcdefghij .=-", k=rng.randint(0, 76)))
        lines.append(("." + text if rng.random() < 0.05 else text).encode() + b"\r\n")
    body = b"".join(lines)
    head = (
        b"Message-ID: <%s@crash.example.test>\r\n"
        b"X-Test-Id: %s\r\n"
        b"X-Test-Sha256: %s\r\n"
        b"From: sender@example.test\r\n"
        b"Subject: crash test %s\r\n\r\n"
        % (test_id, test_id, hashlib.sha256(body).hexdigest().encode(), test_id)
    )
    return head + body


class Client(threading.Thread):
    """Delivers messages on one connection until the connection breaks."""

    def __init__(self, port, rnd, index, sent):
        super().__init__(daemon=True)
        self.port = port
        self.rnd = rnd
        self.index = index
        self.sent = sent  # test id -> [message, outcome, user, reply], one writer per id
        self.rng = random.Random(SEED * 1000 + rnd * CLIENTS + index)
        self.error = None

    def run(self):
        try:
            conn = LmtpConnection(self.port)
        except (OSError, LmtpError):
            return  # killed before this client got in
        seq = 0
        try:
            while True:
                test_id = b"r%dc%ds%d" % (self.rnd, self.index, seq)
                seq += 1
                message = make_message(self.rng, test_id)
                user = USERS[(self.index + seq) % len(USERS)]
                entry = self.sent[test_id] = [message, UNKNOWN, user, None]
                try:
                    code, text = conn.deliver(b"sender@example.test", recipient(user), message)
                except LmtpError:
                    return
                entry[1] = ACKED if code == 250 else REFUSED
                entry[3] = text
        except Exception as e:  # noqa: BLE001: reported by the test
            self.error = e
        finally:
            conn.close()


def run_round(eider_bin, data_dir, tmp_path, rnd, kill_after, sent):
    server = LmtpServer(eider_bin, data_dir, tmp_path / "serve.log", cwd=tmp_path)
    assert server.start(), f"round {rnd}: eider serve exited before ready"
    try:
        clients = [Client(server.lmtp_port, rnd, i, sent) for i in range(CLIENTS)]
        for c in clients:
            c.start()
        stop = threading.Event()
        stop.wait(kill_after)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        for c in clients:
            c.join(timeout=60)
            assert not c.is_alive(), f"round {rnd}: client {c.index} hangs after the kill"
            assert c.error is None, f"round {rnd}: client {c.index}: {c.error!r}"
    finally:
        server.kill()


def stored_messages(cli, total):
    """(user, uid, bytes) of every message in USERS' INBOXes, found by
    exporting UIDs from 1 up until `total` (the store's own count) are found."""
    found = []

    def export(user, uid):
        result = cli.run("export", "--user", user, "--mailbox", "INBOX", "--uid", uid)
        return result.stdout if result.returncode == 0 else None

    with ThreadPoolExecutor(4) as pool:
        for user in USERS:
            uid, misses = 1, 0
            # UIDs should have no gaps, but walk past a few rather than miss
            # a message behind one: a gap shows as a count mismatch anyway.
            while misses < MAX_UID_GAP and len(found) < total:
                uids = range(uid, uid + 32)
                uid += 32
                for n, data in zip(uids, pool.map(lambda u: export(user, u), uids)):
                    misses = misses + 1 if data is None else 0
                    if data is not None:
                        found.append((user, n, data))
    return found


def split_trace(stored, original):
    """The header lines prepended before the original message."""
    assert stored.endswith(original), "stored message does not end with the sent bytes"
    prefix = stored[: len(stored) - len(original)]
    lines = prefix.split(b"\r\n")
    assert lines[-1] == b"", f"trace headers not CRLF-terminated: {prefix!r}"
    for line in lines[:-1]:
        assert HEADER_LINE.match(line), f"prepended line is not a header line: {line!r}"
    return prefix


def test_acknowledged_deliveries_survive_sigkill(eider_bin, cli, data_dir, tmp_path):
    for user in USERS:
        cli.add_user(user, addresses=[recipient(user).decode()])
    rng = random.Random(SEED)
    sent = {}
    per_round = []
    for rnd in range(ROUNDS):
        before = sum(1 for e in sent.values() if e[1] == ACKED)
        run_round(cli.binary, data_dir, tmp_path, rnd, rng.uniform(*KILL_AFTER), sent)
        per_round.append(sum(1 for e in sent.values() if e[1] == ACKED) - before)

    outcomes = [e[1] for e in sent.values()]
    assert all(n > 0 for n in per_round), f"a round without any 250: {per_round}"
    assert outcomes.count(UNKNOWN) > 0, "no kill caught a delivery in flight"

    # A last clean start and stop: the store recovers from the kills.
    server = LmtpServer(cli.binary, data_dir, tmp_path / "serve.log", cwd=tmp_path)
    assert server.start(), "eider serve does not start after the kills"
    assert server.stop(signal.SIGTERM) == 0

    total = cli.stats()["message_count"]
    stored = stored_messages(cli, total)
    assert len(stored) == total, f"stats counts {total} messages, export finds {len(stored)}"

    copies = {}
    for user, uid, data in stored:
        ids = TEST_ID.findall(data)
        assert len(ids) == 1, f"stored message without one X-Test-Id: {data[:300]!r}"
        copies.setdefault(ids[0], []).append((user, uid, data))

    twice = [i for i, c in copies.items() if len(c) > 1]
    assert not twice, f"stored more than once: {twice[:10]}"
    unknown_ids = [i for i in copies if i not in sent]
    assert not unknown_ids, f"stored but never sent: {unknown_ids[:10]}"
    refused_but_stored = [i for i in copies if sent[i][1] == REFUSED]
    assert not refused_but_stored, f"refused but stored: {refused_but_stored[:10]}"

    lost = [i for i, e in sent.items() if e[1] == ACKED and i not in copies]
    assert not lost, f"{len(lost)} acknowledged messages missing, e.g. {lost[:10]}"
    for test_id, (message, outcome, user, reply) in sent.items():
        if test_id not in copies:
            continue
        ((stored_user, uid, data),) = copies[test_id]
        assert stored_user == user, f"{test_id}: sent to {user}, stored for {stored_user}"
        if outcome == ACKED:
            # The acknowledgement names the very copy that is stored.
            named = DELIVERED.search(reply)
            assert named, f"{test_id}: 250 reply without the stored UID: {reply!r}"
            assert int(named[1]) == uid, f"{test_id}: 250 names UID {named[1]}, stored as {uid}"
        trace = split_trace(data, message)
        assert b"Delivered-To:" in trace, f"{test_id}: no Delivered-To in {trace!r}"
