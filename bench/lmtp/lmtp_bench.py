"""LMTP delivery, Eider beside Dovecot: messages/s and MB/s for N clients.

Run through bench/lmtp/run, which builds eider and installs Dovecot. Each
cell (server, client count, round) gets a freshly started server on a fresh
data folder with the same users; the two servers alternate, and each cell is
repeated --rounds times: the tables show the median. After each cell the
number of stored messages must equal the number of 250 replies.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import loadgen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import servers  # noqa: E402  (bench/harness/servers.py)
from cells import comparison_head, comparisons, median_of, ratio_cell  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGET_RATIO = 2.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--corpus", default=REPO_ROOT / "tests" / "corpus", type=Path)
    p.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    p.add_argument("--seconds", default=10.0, type=float, help="delivery time per cell")
    p.add_argument("--rounds", default=3, type=int)
    p.add_argument("--users", default=64, type=int, help="recipients, one per message, in turn")
    servers.add_server_args(p)
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-release" / "bench-data")),
                   help="parent of the temporary folder (use a real disk, not tmpfs)")
    p.add_argument("--json", type=Path, help="write every cell's numbers here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args()


def log(text):
    print(text, file=sys.stderr, flush=True)


def children_cpu():
    t = os.times()
    return t.children_user + t.children_system


def common_corpus(targets, corpus, recipient):
    """The corpus messages every server accepts; reports the others."""
    keep = {m.name for m in corpus}
    for server in targets:
        server.start("check")
        try:
            ok = loadgen.accepted("127.0.0.1", server.port, corpus, recipient)
        finally:
            server.stop()
            server.cleanup()
        refused = keep - {m.name for m in ok}
        if refused:
            log(f"{server.name} refuses {len(refused)} corpus messages, left out for both: "
                + ", ".join(sorted(refused)))
        keep -= refused
    return [m for m in corpus if m.name in keep]


def run_cell(server, tag, corpus, rcpts, clients, seconds):
    cpu_before = children_cpu()
    port = server.start(tag)
    try:
        result = loadgen.run("127.0.0.1", port, corpus, rcpts, clients, seconds)
    finally:
        server.stop()
    server_cpu = children_cpu() - cpu_before
    stored = server.stored()
    server.cleanup()
    if stored != result.messages:
        raise RuntimeError(f"{server.name}: {result.messages} acknowledged, {stored} stored")
    return {
        "server": server.name,
        "clients": clients,
        "messages": result.messages,
        "seconds": result.seconds,
        "messages_per_s": result.messages_per_s,
        "mb_per_s": result.mb_per_s,
        "server_cpu_ms_per_message": 1000 * server_cpu / max(result.messages, 1),
        "generator_cpu_percent": 100 * result.generator_cpu / result.seconds,
    }


def print_tables(cells, names, client_counts, rounds):
    print(f"\nLMTP delivery, median of {rounds} rounds\n")
    print("| server | clients | messages/s | MB/s | server CPU ms/message | generator CPU % |")
    print("|---|---:|---:|---:|---:|---:|")
    for clients in client_counts:
        for name in names:
            m = lambda key: median_of(cells, name, clients, key)  # noqa: E731
            print(f"| {name} | {clients} | {m('messages_per_s'):.0f} | {m('mb_per_s'):.2f} "
                  f"| {m('server_cpu_ms_per_message'):.2f} | {m('generator_cpu_percent'):.0f} |")
    pairs = comparisons(names, TARGET_RATIO)
    if not pairs:
        return
    print("\n| clients |" + "".join(f" {n} messages/s |" for n in names)
          + comparison_head(pairs))
    print("|---:|" + "---:|" * (len(names) + len(pairs)))
    for clients in client_counts:
        rate = {n: median_of(cells, n, clients, "messages_per_s") for n in names}
        row = f"| {clients} |" + "".join(f" {rate[n]:.0f} |" for n in names)
        for a, b, target in pairs:
            # The 2x target is for 8 clients and more.
            if b.startswith("dovecot") and clients < 8:
                target = None
            row += ratio_cell(rate[a] / rate[b], target)
        print(row)


def main():
    args = parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    names = servers.server_names(args)
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="lmtp-", dir=args.work))
    # Dovecot's mail user (nobody) must be able to reach its maildirs.
    os.chmod(work, 0o755)
    log(f"work folder {work}")

    corpus = loadgen.load_corpus(args.corpus)
    rcpts = servers.recipients(args.users)
    targets = servers.build(
        names, args,
        lambda binary, name: servers.Eider(binary, work, args.users, name=name),
        lambda services, name: servers.Dovecot(work, args.users, services=services,
                                               name=name))
    corpus = common_corpus(targets, corpus, rcpts[0])
    total = sum(m.size for m in corpus)
    log(f"corpus: {len(corpus)} messages, {total / 1e6:.1f} MB, "
        f"mean {total / len(corpus) / 1e3:.1f} kB")

    cells = []
    for rnd in range(args.rounds):
        for k, clients in enumerate(client_counts):
            # Alternate who goes first, so neither always runs on a warmer disk.
            order = targets if (rnd + k) % 2 == 0 else targets[::-1]
            for server in order:
                cell = run_cell(server, f"r{rnd}c{clients}", corpus, rcpts, clients,
                                args.seconds)
                cells.append(cell)
                log(f"round {rnd + 1} {server.name:8} {clients:3} clients: "
                    f"{cell['messages_per_s']:8.0f} msg/s {cell['mb_per_s']:7.2f} MB/s "
                    f"server {cell['server_cpu_ms_per_message']:.2f} ms/msg "
                    f"generator {cell['generator_cpu_percent']:.0f}% CPU")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "corpus_messages": len(corpus), "corpus_bytes": total,
            "seconds": args.seconds, "rounds": args.rounds, "users": args.users,
            "cells": cells,
        }, indent=1))
    print_tables(cells, names, client_counts, args.rounds)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
