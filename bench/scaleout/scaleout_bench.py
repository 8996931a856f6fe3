"""Scale-out: LMTP messages/s and IMAP mixed-load commands/s of 1, 2 and 4
`eider serve` nodes on one PostgreSQL and one Redis, beside one node on
SQLite, in one run.

Run through bench/scaleout/run, which builds eider. Setups (--setups):
`sqlite` is one node on its own SQLite store and the in-process notifier
(eider's defaults); `pg-N` is N nodes on one private PostgreSQL database
(tests/protocol/postgres_server.py, durable here: fsync, full_page_writes
and synchronous_commit on, its folder under --work beside SQLite's) and one
private Redis (tests/protocol/redis_server.py) for beacons and shared
limits, each node with a pool of --pg-connections (32). Every node runs
IMAP and LMTP; clients take the nodes in turn (round robin, as a TCP load
balancer would spread them).

Each cell (setup, round) starts on a fresh store with the same users (a
copy of a template data folder, or of a template database), then:
1. fill: --imap-users users' INBOXes get --messages messages each, over
   LMTP through the first node (not measured);
2. imap: --imap-clients clients, client i logged in as u<i mod imap-users>,
   run bench/imap's fixed random mix (NOOP, SELECT, FETCH, STORE, SEARCH;
   imapload.MIX) for --seconds: commands/s;
3. lmtp: --lmtp-clients clients deliver the corpus (bench/lmtp's load
   generator, one recipient of --users each) for --seconds: messages/s;
4. the nodes stop; the store must hold the fill plus every message that got
   a 250, no more and no fewer.
During 2 and 3 the CPU time (user + system) of each process tree is read
from /proc: the eider nodes, PostgreSQL (postmaster and its backends),
Redis, the load generator (this process), and the whole machine (/proc/stat)
less all of those ("other": the rest of a shared machine). As a share of one
core: 200 % is all of this 2-core machine.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
for folder in (HERE.parent / "harness", HERE.parent / "lmtp", HERE.parent / "imap",
               REPO_ROOT / "tests" / "protocol"):
    sys.path.insert(0, str(folder))

import imapload  # noqa: E402  (bench/imap/imapload.py)
import imapservers  # noqa: E402  (bench/imap/imapservers.py)
import loadgen  # noqa: E402  (bench/lmtp/loadgen.py)
import postgres_server  # noqa: E402  (tests/protocol/postgres_server.py)
import redis_server  # noqa: E402  (tests/protocol/redis_server.py)
import servers  # noqa: E402  (bench/harness/servers.py)
from cells import median_of  # noqa: E402  (bench/harness/cells.py)

PASSWORD = servers.USER_PASSWORD.encode()
# Durable as the SQLite store (synchronous=FULL): a 250 means on disk.
PG_SETTINGS = {"fsync": "on", "full_page_writes": "on", "synchronous_commit": "on"}
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--setups", default="sqlite,pg-1,pg-2,pg-4",
                   help="comma-separated: sqlite, pg-N (N nodes on PostgreSQL + Redis)")
    p.add_argument("--corpus", default=REPO_ROOT / "tests" / "corpus", type=Path)
    p.add_argument("--lmtp-clients", default=32, type=int)
    p.add_argument("--users", default=64, type=int, help="LMTP recipients, one per message")
    p.add_argument("--imap-clients", default=50, type=int)
    p.add_argument("--imap-users", default=4, type=int, help="users of the IMAP mix")
    p.add_argument("--messages", default=2500, type=int,
                   help="messages in each IMAP user's INBOX")
    p.add_argument("--seconds", default=10.0, type=float, help="time of each load")
    p.add_argument("--rounds", default=3, type=int)
    p.add_argument("--pg-connections", default=32, type=int,
                   help="store-connections of a node on PostgreSQL (its pool; 32:"
                        " eider's store-threads, so no store call waits for a connection)")
    p.add_argument("--pg-setting", action="append", default=[], metavar="NAME=VALUE",
                   help="one more PostgreSQL server setting (repeat)")
    p.add_argument("--eider-arg", action="append", default=[], metavar="FLAG",
                   help="one more `eider serve` argument for every node (repeat)")
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-release" / "bench-data")),
                   help="parent of the temporary folder (use a real disk, not tmpfs)")
    p.add_argument("--json", type=Path, help="write every cell's numbers here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    p.add_argument("--table", type=Path, metavar="JSON",
                   help="only print the table of an earlier run's --json file")
    return p.parse_args()


def log(text):
    print(text, file=sys.stderr, flush=True)


def node_count(setup):
    return 1 if setup == "sqlite" else int(setup.split("-", 1)[1])


def machine_cpu():
    """CPU seconds the whole machine spent busy (all cores), /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICK


class Shared:
    """The PostgreSQL server and Redis every pg-N setup uses, and a template
    database holding the users (each cell's database is a copy of it)."""

    def __init__(self, binary, work, users, settings):
        self.pg = postgres_server.PostgresServer(settings={**PG_SETTINGS, **settings},
                                                 parent=work)
        self.redis = redis_server.RedisServer()
        url = self.pg.create_database()
        self.template = url.rsplit("/", 1)[1]
        servers.add_users(binary, users, ["--data", str(work / "pg-users"), "--store", url])

    def close(self):
        try:
            self.redis.close()
        finally:
            self.pg.close()


class Cell:
    """One setup's nodes on a fresh store, and the CPU each part used."""

    def __init__(self, setup, tag, args, work, shared, sqlite_template):
        self.setup = setup
        self.tag = tag
        self.shared = shared
        if setup == "sqlite":
            self.nodes = [sqlite_template]
            self.store = None
        else:
            self.store = shared.pg.create_database(template=shared.template)
            serve = ["--notify", shared.redis.url, "--store-connections",
                     str(args.pg_connections), *args.eider_arg]
            self.nodes = [imapservers.Eider(args.eider, work, 0, serve_args=serve,
                                            name=f"{setup}-{tag}-n{i}", store=self.store)
                          for i in range(node_count(setup))]

    def start(self):
        for node in self.nodes:
            node.start(self.tag)

    def ports(self, protocol):
        return [node.ports[protocol] for node in self.nodes]

    def cpu(self):
        """{part: CPU seconds so far} of the processes of this cell."""
        parts = {"eider": sum(servers.tree_cpu(n.proc.pid) for n in self.nodes),
                 "generator": time.process_time(), "machine": machine_cpu()}
        if self.store:
            parts["postgres"] = servers.tree_cpu(self.shared.pg.pid())
            parts["redis"] = servers.tree_cpu(self.shared.redis.proc.pid)
        return parts

    def stop(self):
        for node in self.nodes:
            node.stop()

    def stored(self):
        return self.nodes[0].stored()

    def cleanup(self):
        for node in self.nodes:
            node.cleanup()


def cpu_shares(before, after, seconds):
    """{part: % of one core} between two Cell.cpu() readings; "other" is
    the machine less every part of the cell."""
    used = {k: after[k] - before[k] for k in before}
    machine = used.pop("machine")
    used["other"] = max(machine - sum(used.values()), 0.0)
    return {k: 100 * v / seconds for k, v in used.items()}


def run_cell(setup, tag, args, work, shared, sqlite_template, corpus, rcpts, imap_users):
    cell = Cell(setup, tag, args, work, shared, sqlite_template)
    cell.start()
    try:
        imapload.fill(cell.ports("lmtp")[0], args.messages,
                      [b"%s@example.test" % u for u in imap_users])
        imap = imapload.mixed("127.0.0.1", cell.ports("imap"), imap_users, PASSWORD,
                              args.imap_clients, args.seconds, args.messages, probe=cell.cpu)
        lmtp = loadgen.run("127.0.0.1", cell.ports("lmtp"), corpus, rcpts,
                           args.lmtp_clients, args.seconds, probe=cell.cpu)
    finally:
        cell.stop()
    stored = cell.stored()
    expected = args.messages * len(imap_users) + lmtp.messages
    cell.cleanup()
    if stored != expected:
        raise RuntimeError(f"{setup}: {expected} acknowledged (fill and LMTP), {stored} stored")
    return {
        "server": setup, "clients": 0, "nodes": node_count(setup),
        "imap_ops_per_s": imap.ops_per_s,
        "imap_cpu": cpu_shares(*imap.probes, imap.seconds),
        # kind: [commands, mean ms], to see which command a setup is slow at
        "imap_by_kind": {k: [n, 1000 * t / max(n, 1)] for k, (n, t) in imap.by_kind.items()},
        "lmtp_messages_per_s": lmtp.messages_per_s,
        "lmtp_mb_per_s": lmtp.mb_per_s,
        "lmtp_cpu": cpu_shares(*lmtp.probes, lmtp.seconds),
        "stored": stored,
    }


def cpu_text(cells, setup, key):
    """The median CPU shares of one load, "eider 120 / pg 45 / ..."."""
    parts = ["eider", "postgres", "redis", "generator", "other"]
    short = {"postgres": "pg", "generator": "gen"}
    out = []
    for part in parts:
        values = sorted(c[key][part] for c in cells if c["server"] == setup and part in c[key])
        if values:
            out.append(f"{short.get(part, part)} {values[len(values) // 2]:.0f}")
    return " / ".join(out)


def server_cpu_ms(cell, load, rate):
    """CPU milliseconds of the servers (eider, PostgreSQL, Redis) per message
    or command of one load: what a setup costs, whatever share of a busy
    machine it got."""
    shares = cell[load + "_cpu"]
    percent = sum(shares.get(k, 0.0) for k in ("eider", "postgres", "redis"))
    return 10 * percent / max(cell[rate], 1e-9)


def print_table(cells, setups, args):
    print(f"\nScale-out, median of {args.rounds} rounds ({args.seconds:g} s each load; "
          f"LMTP {args.lmtp_clients} clients, IMAP {args.imap_clients} clients on "
          f"{args.imap_users} users x {args.messages} messages)\n")
    print("| setup | nodes | LMTP msg/s | vs sqlite | server CPU ms/msg | CPU % during LMTP "
          "| IMAP cmd/s | vs sqlite | server CPU ms/cmd | CPU % during IMAP |")
    print("|---|---:|---:|---:|---:|---|---:|---:|---:|---|")
    for setup in setups:
        row = f"| {setup} | {node_count(setup)} |"
        for load, rate in (("lmtp", "lmtp_messages_per_s"), ("imap", "imap_ops_per_s")):
            value = median_of(cells, setup, 0, rate)
            base = median_of(cells, "sqlite", 0, rate)
            ratio = f"{value / base:.2f}" if base else ""
            costs = sorted(server_cpu_ms(c, load, rate) for c in cells if c["server"] == setup)
            row += (f" {value:.0f} | {ratio} | {costs[len(costs) // 2]:.2f} "
                    f"| {cpu_text(cells, setup, load + '_cpu')} |")
        print(row)


def main():
    args = parse_args()
    setups = args.setups.split(",")
    if args.table:
        saved = json.loads(args.table.read_text())
        for key in ("rounds", "seconds", "lmtp_clients", "imap_clients", "imap_users",
                    "messages"):
            setattr(args, key, type(getattr(args, key))(saved["args"][key]))
        cells = saved["cells"]
        print_table(cells, list(dict.fromkeys(c["server"] for c in cells)), args)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="scaleout-", dir=args.work))
    # PostgreSQL runs as nobody (it refuses root) and keeps its folder here.
    os.chmod(work, 0o755)
    log(f"work folder {work}")
    corpus = loadgen.load_corpus(args.corpus)
    rcpts = servers.recipients(args.users)
    users = max(args.users, args.imap_users)
    imap_users = [name.encode() for name in servers.user_names(args.imap_users)]
    shared = sqlite_template = None
    try:
        if "sqlite" in setups:
            sqlite_template = imapservers.Eider(args.eider, work, users, name="sqlite",
                                                serve_args=args.eider_arg)
        if any(s != "sqlite" for s in setups):
            settings = dict(s.split("=", 1) for s in args.pg_setting)
            settings.setdefault("max_connections",
                                str(max(100, 4 * args.pg_connections + 20)))
            shared = Shared(args.eider, work, users, settings)
        cells = []
        for rnd in range(args.rounds):
            # Alternate who goes first, so none always runs on a warmer disk.
            order = setups if rnd % 2 == 0 else setups[::-1]
            for setup in order:
                cell = run_cell(setup, f"r{rnd}", args, work, shared, sqlite_template,
                                corpus, rcpts, imap_users)
                cells.append(cell)
                log(f"round {rnd + 1} {setup:7} LMTP {cell['lmtp_messages_per_s']:6.0f} msg/s "
                    f"({cpu_text([cell], setup, 'lmtp_cpu')}) "
                    f"IMAP {cell['imap_ops_per_s']:6.0f} cmd/s "
                    f"({cpu_text([cell], setup, 'imap_cpu')}), {cell['stored']} stored")
    finally:
        if shared:
            shared.close()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "args": {k: str(v) for k, v in vars(args).items()}, "cells": cells,
        }, indent=1))
    print_table(cells, setups, args)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
