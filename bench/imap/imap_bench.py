"""IMAP, Eider beside Dovecot: SELECT, FETCH, STORE, SEARCH on one big mailbox.

Run through bench/imap/run, which builds eider and installs Dovecot. Each
server is started once on a fresh data folder with one user, u0, and its
INBOX is filled over LMTP with --messages synthetic messages (2.3-3.8 kB,
realistic headers, 16 subjects and 13 senders in turn) by --fill-connections
pipelining connections; the fill is timed. Eider is durable as always;
Dovecot fills with mail_fsync=never (the fill is not the comparison, and
with fsync it takes many minutes here), then restarts with mail_fsync=always
for the measured cells.

Each round, for each server (who goes first alternates), on u0's INBOX:
- cold: stop the server, sync and drop the page cache (when allowed), start
  it again; LOGIN (not timed), SELECT INBOX (select_cold), then
  FETCH 1:1000 BODY.PEEK[] (fetch_body_cold);
- the same FETCH again, WARM_RUNS times in the same session
  (fetch_body_warm: their median). The first of them alone
  (fetch_body_second, in the JSON) mostly measures the client: Python's heap
  grows to hold a second 3 MB answer (client CPU 35-43 ms of a 41-48 ms
  FETCH here, against 12-17 ms of server CPU), so it is not the server's
  warm path;
- a new session: SELECT INBOX (select), UID FETCH 1:* (UID FLAGS)
  (uid_fetch_flags), UID STORE 1:10000 +FLAGS.SILENT (\\Flagged) (store; the
  flag is taken off again afterwards, not timed), SEARCH SUBJECT and SEARCH
  FROM substrings (search_subject, search_from);
- resync (bench/imap/resync.py): a client that knows the mailbox at one
  MODSEQ returns with SELECT (QRESYNC ...) after another session added a
  keyword to 1% of the messages and expunged 0.1% of them (so each round
  leaves the mailbox 0.1% smaller): time, bytes, and the least bytes the
  RFC allows for that answer;
- 50 clients (--clients) on u0's INBOX for --seconds: a fixed random mix of
  NOOP, SELECT, FETCH of flags, envelopes and bodies, STORE and SEARCH
  (imapload.MIX): ops/s.
Times are wall-clock from sending the command to its tagged OK, as the
client sees it. The tables show the median over the rounds.
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "harness"))

import imapload  # noqa: E402
import imapservers  # noqa: E402
import resync  # noqa: E402
import servers  # noqa: E402  (bench/harness/servers.py)
from cells import comparison_head, comparisons, median_of, ratio_cell  # noqa: E402

TARGET_RATIO = 1.0
WARM_RUNS = 5
USER = b"u0"
PASSWORD = servers.USER_PASSWORD.encode()
# (key, label); each is a time in seconds, smaller is better.
TIMED = [
    ("select_cold", "SELECT INBOX, first after restart"),
    ("fetch_body_cold", "FETCH 1:1000 BODY.PEEK[], cold"),
    ("fetch_body_warm", "FETCH 1:1000 BODY.PEEK[], warm (median of 5)"),
    ("select", "SELECT INBOX"),
    ("uid_fetch_flags", "UID FETCH 1:* (UID FLAGS)"),
    ("store", "UID STORE 1:10000 +FLAGS.SILENT (\\Flagged)"),
    ("search_subject", f"SEARCH SUBJECT \"{imapload.SEARCH_SUBJECT}\""),
    ("search_from", f"SEARCH FROM \"{imapload.SEARCH_FROM}\""),
]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--messages", default=100000, type=int, help="messages in u0's INBOX")
    p.add_argument("--fill-connections", default=16, type=int)
    p.add_argument("--clients", default=50, type=int, help="clients of the mixed load")
    p.add_argument("--seconds", default=10.0, type=float, help="time of the mixed load")
    p.add_argument("--rounds", default=3, type=int)
    servers.add_server_args(p)
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-imap" / "bench-data")),
                   help="parent of the temporary folder (use a real disk, not tmpfs)")
    p.add_argument("--eider-arg", action="append", default=[], metavar="FLAG",
                   help="one more `eider serve` argument (repeat)")
    p.add_argument("--dovecot-fill-cache", type=Path, metavar="DIR",
                   help="keep a copy of Dovecot's filled maildir (and its fill time) in "
                        "DIR/dovecot-u0-<messages>, and use that copy in later runs "
                        "instead of filling Dovecot again (at 100,000 messages its fill "
                        "takes 20-30 minutes on a busy 2-core machine); without it, a "
                        "second Dovecot of the run (--dovecot-stock) copies the first's")
    p.add_argument("--json", type=Path, help="write every cell's numbers here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args()


def log(text):
    print(text, file=sys.stderr, flush=True)


async def _session(server):
    return await imapload.Session.open("127.0.0.1", server.ports["imap"], USER, PASSWORD)


async def check_mailbox(server, messages):
    """u0's INBOX must hold exactly the messages delivered."""
    s = await _session(server)
    try:
        _, body = await s.command(b"SELECT INBOX")
        exists = imapload.exists_of(body)
        if exists != messages:
            raise RuntimeError(f"{server.name}: INBOX has {exists} messages, "
                               f"{messages} delivered")
        _, body = await s.command(b"UID FETCH 1:* (UID)")
        uids = body.count(b" FETCH ")
        if uids != messages:
            raise RuntimeError(f"{server.name}: UID FETCH 1:* gave {uids} answers")
    finally:
        await s.logout()


async def _single_cells(server, messages, rnd, dropped, checks):
    cell = {"server": server.name, "clients": 1, "round": rnd,
            "page_cache_dropped": dropped}
    n = min(1000, messages)
    s = await _session(server)
    try:
        cell["select_cold"], body = await imapload.timed(s, b"SELECT INBOX")
        cell["fetch_body_cold"], body = await imapload.timed(s, b"FETCH 1:%d BODY.PEEK[]" % n)
        cell["fetch_body_bytes"] = len(body)
        if body.count(b" FETCH ") != n:
            raise RuntimeError(f"{server.name}: FETCH 1:{n} BODY.PEEK[] gave "
                               f"{body.count(b' FETCH ')} answers")
        warm = [(await imapload.timed(s, b"FETCH 1:%d BODY.PEEK[]" % n))[0]
                for _ in range(WARM_RUNS)]
        cell["fetch_body_second"] = warm[0]
        cell["fetch_body_warm"] = statistics.median(warm)
    finally:
        await s.logout()

    s = await _session(server)
    try:
        cell["select"], body = await imapload.timed(s, b"SELECT INBOX")
        messages = imapload.exists_of(body)  # resync cells expunge a few each round
        cell["uid_fetch_flags"], body = await imapload.timed(s, b"UID FETCH 1:* (UID FLAGS)")
        if body.count(b" FETCH ") != messages:
            raise RuntimeError(f"{server.name}: UID FETCH 1:* (UID FLAGS) gave "
                               f"{body.count(b' FETCH ')} answers")
        flagged = min(10000, messages)
        cell["store"], _ = await imapload.timed(
            s, b"UID STORE 1:%d +FLAGS.SILENT (\\Flagged)" % flagged)
        if checks:
            _, body = await s.command(b"UID SEARCH FLAGGED")
            got = imapload.search_hits(body)
            if got != flagged:
                raise RuntimeError(f"{server.name}: {got} messages \\Flagged after STORE, "
                                   f"expected {flagged}")
        await s.command(b"UID STORE 1:%d -FLAGS.SILENT (\\Flagged)" % flagged)
        cell["search_subject"], body = await imapload.timed(
            s, b'SEARCH SUBJECT "%s"' % imapload.SEARCH_SUBJECT.encode())
        cell["search_subject_hits"] = imapload.search_hits(body)
        cell["search_from"], body = await imapload.timed(
            s, b'SEARCH FROM "%s"' % imapload.SEARCH_FROM.encode())
        cell["search_from_hits"] = imapload.search_hits(body)
    finally:
        await s.logout()
    cell["exists"] = messages
    if await _has_qresync(server):
        cell.update(await resync.cell(lambda: _session(server), rnd))
        cell["exists"] -= cell["resync_expunged"]
    return cell


async def _has_qresync(server):
    s = await _session(server)
    try:
        _, body = await s.command(b"CAPABILITY")
        return b" QRESYNC" in body
    finally:
        await s.logout()


def run_round(server, messages, rnd, clients, seconds):
    dropped = [False]

    def cold():
        dropped[0] = imapservers.drop_caches()

    server.restart(f"imap", before_start=cold)
    cell = asyncio.run(_single_cells(server, messages, rnd, dropped[0], checks=rnd == 0))
    cpu_before = servers.tree_cpu(server.proc.pid)
    result = imapload.mixed("127.0.0.1", server.ports["imap"], USER, PASSWORD,
                            clients, seconds, cell["exists"])
    cpu = servers.tree_cpu(server.proc.pid) - cpu_before
    mixed = {
        "server": server.name, "clients": clients, "round": rnd,
        "ops": result.ops, "seconds": result.seconds, "ops_per_s": result.ops_per_s,
        "server_cpu_percent": 100 * cpu / result.seconds,
        "generator_cpu_percent": 100 * result.generator_cpu / result.seconds,
        "ms_by_kind": {k: 1000 * t / c if c else None for k, (c, t) in result.by_kind.items()},
        "ops_by_kind": {k: c for k, (c, t) in result.by_kind.items()},
    }
    return cell, mixed


def print_tables(cells, names, clients, rounds, messages, fills):
    pairs = comparisons(names, TARGET_RATIO)
    print(f"\nIMAP on a {messages}-message INBOX, median of {rounds} rounds "
          "(times in ms, client-side wall time)")
    print("ratio a/b = speed of a over b = b's time / a's time (ops/s: a's / b's); "
          ">= 1 means a is at least as fast\n")
    print("| operation |" + "".join(f" {n} ms |" for n in names) + comparison_head(pairs))
    print("|---|" + "---:|" * (len(names) + len(pairs)))
    rows = [(label, key, False) for key, label in TIMED]
    if all(median_of(cells, n, 1, "resync") is not None for n in names):
        rows.append(("SELECT (QRESYNC), 1% changed, 0.1% expunged", "resync", False))
    rows.append((f"{clients} clients, mixed load (ops/s)", "ops_per_s", True))
    for label, key, is_rate in rows:
        at = clients if is_rate else 1
        vals = {n: median_of(cells, n, at, key) for n in names}
        row = f"| {label} |" + "".join(
            f" {vals[n]:.0f} |" if is_rate else f" {1000 * vals[n]:.1f} |" for n in names)
        for a, b, target in pairs:
            ratio = vals[a] / vals[b] if is_rate else vals[b] / vals[a]
            row += ratio_cell(ratio, target)
        print(row)

    print("\nMixed load, mean latency per command kind (ms, median over rounds):\n")
    kinds = [k for _, k in imapload.MIX]
    print("| server | " + " | ".join(kinds) + " | server CPU % | generator CPU % |")
    print("|---|" + "---:|" * (len(kinds) + 2))
    for n in names:
        mine = [c for c in cells if c["server"] == n and c["clients"] == clients]
        row = []
        for k in kinds:
            v = sorted(c["ms_by_kind"][k] for c in mine if c["ms_by_kind"][k] is not None)
            row.append(f"{v[len(v) // 2]:.1f}" if v else "-")
        print(f"| {n} | " + " | ".join(row) +
              f" | {median_of(cells, n, clients, 'server_cpu_percent'):.0f}"
              f" | {median_of(cells, n, clients, 'generator_cpu_percent'):.0f} |")

    if all(median_of(cells, n, 1, "resync_bytes") is not None for n in names):
        print("\nSELECT (QRESYNC) answer, bytes (median), against the least the RFC allows "
              "(target: within 10%):\n")
        print("| server | changed | expunged | bytes | minimum | bytes/minimum |")
        print("|---|---:|---:|---:|---:|---:|")
        for n in names:
            sent = median_of(cells, n, 1, "resync_bytes")
            least = median_of(cells, n, 1, "resync_minimum_bytes")
            print(f"| {n} | {median_of(cells, n, 1, 'resync_changed'):.0f} "
                  f"| {median_of(cells, n, 1, 'resync_expunged'):.0f} | {sent:.0f} "
                  f"| {least:.0f} | {sent / least:.3f} |")
    print(f"\nWarm FETCH = median of {WARM_RUNS} runs after the cold one; the first of "
          "them alone (the client's heap still growing): " + ", ".join(
              f"{n} {1000 * median_of(cells, n, 1, 'fetch_body_second'):.1f} ms" for n in names))
    print("SEARCH hits: " + ", ".join(
        f"{n} SUBJECT {median_of(cells, n, 1, 'search_subject_hits'):.0f} "
        f"FROM {median_of(cells, n, 1, 'search_from_hits'):.0f}" for n in names))
    print("Fill over LMTP: " + ", ".join(
        f"{n} {fills[n]:.0f} s ({messages / fills[n]:.0f} messages/s)" for n in names))
    dropped = {c["page_cache_dropped"] for c in cells if c["clients"] == 1}
    print("Cold = first access after a server restart"
          + (" with the page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches)"
             if dropped == {True} else " (the page cache could NOT be dropped)"))
    print("\nRounds (ms / ops/s):")
    for n in names:
        for key, _ in TIMED:
            vals = [1000 * c[key] for c in cells if c["server"] == n and c["clients"] == 1]
            print(f"- {n} {key}: " + "/".join(f"{v:.1f}" for v in vals))
        vals = [c["ops_per_s"] for c in cells if c["server"] == n and c["clients"] == clients]
        print(f"- {n} mixed ops/s: " + "/".join(f"{v:.0f}" for v in vals))


def main():
    args = parse_args()
    names = servers.server_names(args)
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="imap-", dir=args.work))
    os.chmod(work, 0o755)  # Dovecot's mail user (nobody) must reach its maildirs
    log(f"work folder {work}")
    sample = [len(imapload.message(i)) for i in range(200)]
    log(f"messages: {args.messages}, {min(sample)}-{max(sample)} bytes "
        f"(mean {sum(sample) / len(sample):.0f})")

    conns = args.clients + 100
    targets = servers.build(
        names, args,
        lambda binary, name: imapservers.Eider(binary, work, 1, max_connections=conns,
                                               serve_args=args.eider_arg, name=name),
        lambda services, name: imapservers.Dovecot(work, 1, sessions=conns,
                                                   mail_fsync="never", services=services,
                                                   name=name))
    fill_cache = args.dovecot_fill_cache
    if fill_cache is None and sum(isinstance(s, servers.Dovecot) for s in targets) > 1:
        fill_cache = work / "fill-cache"  # the Dovecots differ in services, not in mail
    rcpts = servers.recipients(1)
    cells, fills, cached = [], {}, set()
    try:
        for server in targets:
            server.start("imap")
            cache = None
            if isinstance(server, servers.Dovecot) and fill_cache:
                cache = fill_cache / f"dovecot-u0-{args.messages}"
            if cache and (cache / "fill.json").exists():
                subprocess.run(["cp", "-a", str(cache / "u0"), str(server.dir / "mail" / "u0")],
                               check=True)
                fills[server.name] = json.loads((cache / "fill.json").read_text())["seconds"]
                cached.add(server.name)
                log(f"{server.name}: u0's maildir copied from {cache} (filled over LMTP "
                    f"in {fills[server.name]:.1f} s by an earlier run)")
            else:
                log(f"{server.name}: filling u0's INBOX with {args.messages} messages over "
                    f"LMTP, {args.fill_connections} connections")
                fills[server.name] = imapload.fill(server.port, args.messages, rcpts,
                                                   args.fill_connections,
                                                   progress=max(args.messages // 5, 1))
                log(f"{server.name}: filled in {fills[server.name]:.1f} s "
                    f"({args.messages / fills[server.name]:.0f} messages/s)")
            if isinstance(server, servers.Dovecot):
                server.restart(mail_fsync="always")
            asyncio.run(check_mailbox(server, args.messages))
            if cache and server.name not in cached:
                server.stop()
                cache.mkdir(parents=True, exist_ok=True)
                subprocess.run(["cp", "-a", str(server.dir / "mail" / "u0"), str(cache / "u0")],
                               check=True)
                (cache / "fill.json").write_text(json.dumps({"seconds": fills[server.name]}))
                server.restart()
        for rnd in range(args.rounds):
            order = targets if rnd % 2 == 0 else targets[::-1]
            for server in order:
                cell, mixed = run_round(server, args.messages, rnd, args.clients,
                                        args.seconds)
                cells += [cell, mixed]
                log(f"round {rnd + 1} {server.name:8} " + " ".join(
                    f"{k} {1000 * cell[k]:.1f}" for k, _ in TIMED)
                    + f" ms; mixed {mixed['ops_per_s']:.0f} ops/s "
                    f"(server {mixed['server_cpu_percent']:.0f}% CPU, "
                    f"generator {mixed['generator_cpu_percent']:.0f}%)")
    finally:
        for server in targets:
            if server.proc is not None and server.proc.poll() is None:
                server.stop()
            elif server.proc is not None:
                log(f"{server.name} exited with {server.proc.returncode}: see "
                    f"{server.log_path('imap')}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "messages": args.messages, "rounds": args.rounds, "clients": args.clients,
            "seconds": args.seconds, "fill_seconds": fills,
            "fill_from_cache": sorted(cached),
            "servers": names,
            "ratio": "a/b speed: b's time / a's time, a's ops/s / b's ops/s",
            "cells": cells,
        }, indent=1))
    print_tables(cells, names, args.clients, args.rounds, args.messages, fills)
    if cached:
        print(f"({', '.join(sorted(cached))}: the fill time is that of the earlier run whose "
              "filled maildir this run copied, see --dovecot-fill-cache)")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        for server in targets:  # Dovecot's base_dir (sockets) under /tmp
            if isinstance(server, servers.Dovecot):
                shutil.rmtree(server.run_dir(), ignore_errors=True)


if __name__ == "__main__":
    main()
