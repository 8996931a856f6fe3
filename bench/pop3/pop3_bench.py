"""POP3 RETR throughput, Eider beside Dovecot: messages/s and MB/s for N clients.

Run through bench/pop3/run, which builds eider and installs Dovecot. Each
server is started once, on a fresh data folder with the same users
(u0..uK-1, K = the largest client count), and filled once through its own
LMTP: every corpus message is delivered in one transaction to all K users,
in corpus order, so every user's INBOX holds the same messages in the same
order on both servers. Before measuring, u0's whole maildrop is downloaded
from each server and every message checked against what was delivered (the
message must end the RETR answer, after the trace headers each server puts
on top). Then for each round and client count the servers take turns
(alternating who goes first); the tables show the median over the rounds.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "harness"))
sys.path.insert(0, str(HERE.parent / "lmtp"))

import loadgen  # noqa: E402  (bench/lmtp/loadgen.py: corpus and LMTP replies)
import pop3load  # noqa: E402
import servers  # noqa: E402  (bench/harness/servers.py)
from cells import comparison_head, comparisons, median_of, ratio_cell  # noqa: E402

TARGET_RATIO = 1.0
# Eider files a message whose own headers say spam into Junk, Dovecot (no
# Sieve here) into INBOX: such messages are left out so both INBOXes match.
SPAM_HEADER = re.compile(
    rb"(?im)^(X-Spam-Flag:[ \t]*yes|X-Spam-Status:[ \t]*yes|X-Spam-Action:|X-Rspamd-Action:)")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--corpus", default=REPO_ROOT / "tests" / "corpus", type=Path)
    p.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    p.add_argument("--seconds", default=10.0, type=float, help="download time per cell")
    p.add_argument("--rounds", default=3, type=int)
    servers.add_server_args(p)
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-release" / "bench-data")),
                   help="parent of the temporary folder")
    p.add_argument("--eider-arg", action="append", default=[], metavar="FLAG",
                   help="one more `eider serve` argument (repeat), e.g. --eider-arg=--io-threads=1")
    p.add_argument("--json", type=Path, help="write every cell's numbers here")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return p.parse_args()


def log(text):
    print(text, file=sys.stderr, flush=True)


def header_of(message):
    end = message.wire.find(b"\r\n\r\n")
    return message.wire[: end + 2] if end >= 0 else message.wire


async def _fill(port, corpus, rcpts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await loadgen.expect(reader, 220, "greeting")
    writer.write(b"LHLO bench.example.test\r\n")
    await loadgen.expect(reader, 250, "LHLO")
    for message in corpus:
        writer.write(b"MAIL FROM:<bench@example.test>\r\n"
                     + b"".join(b"RCPT TO:<%s>\r\n" % r for r in rcpts) + b"DATA\r\n")
        await loadgen.expect(reader, 250, "MAIL")
        for r in rcpts:
            await loadgen.expect(reader, 250, f"RCPT {r!r}")
        await loadgen.expect(reader, 354, "DATA")
        writer.write(message.wire)
        for r in rcpts:
            text = await loadgen.expect(reader, 250, f"{message.name} to {r!r}")
            if b"Junk" in text:
                raise RuntimeError(f"{message.name} went to Junk: {text!r}")
    writer.write(b"QUIT\r\n")
    await writer.drain()
    writer.close()


def fill_and_check(server, corpus, users):
    """Delivers the corpus to every user, then checks u0's maildrop."""
    rcpts = servers.recipients(users)
    started = time.monotonic()
    if isinstance(server, servers.Dovecot):
        # Dovecot needs about 10 ms per message and recipient here: u0 gets
        # the corpus through LMTP, and the other users a copy of u0's maildir
        # (messages, uidlist and indexes, owner kept) before anyone reads it.
        asyncio.run(_fill(server.port, corpus, rcpts[:1]))
        mail = server.dir / "mail"
        for name in servers.user_names(users)[1:]:
            subprocess.run(["cp", "-a", str(mail / "u0"), str(mail / name)], check=True)
    else:
        asyncio.run(_fill(server.port, corpus, rcpts))
    log(f"{server.name}: {len(corpus)} messages delivered to {users} users "
        f"in {time.monotonic() - started:.0f} s")
    got = pop3load.download("127.0.0.1", server.ports["pop3"], b"u0",
                            servers.USER_PASSWORD.encode())
    if len(got) != len(corpus):
        raise RuntimeError(f"{server.name}: u0 has {len(got)} messages, "
                           f"{len(corpus)} delivered")
    for body, message in zip(got, corpus):
        # Both answers are dot-stuffed: the delivered wire form without ".CRLF".
        if not body.endswith(message.wire[:-3]):
            raise RuntimeError(f"{server.name}: RETR of {message.name} is not what "
                               "was delivered")
    return sum(len(b) for b in got)


def run_cell(server, corpus_count, clients, seconds):
    pid = server.proc.pid
    cpu_before = servers.tree_cpu(pid)
    users = [name.encode() for name in servers.user_names(clients)]
    result = pop3load.run("127.0.0.1", server.ports["pop3"], users,
                          servers.USER_PASSWORD.encode(), clients, seconds)
    server_cpu = servers.tree_cpu(pid) - cpu_before
    return {
        "server": server.name,
        "clients": clients,
        "messages": result.messages,
        "sessions": result.sessions,
        "seconds": result.seconds,
        "messages_per_s": result.messages_per_s,
        "mb_per_s": result.mb_per_s,
        "server_cpu_ms_per_message": 1000 * server_cpu / max(result.messages, 1),
        "server_cpu_percent": 100 * server_cpu / result.seconds,
        "generator_cpu_percent": 100 * result.generator_cpu / result.seconds,
    }


def print_tables(cells, names, client_counts, rounds):
    print(f"\nPOP3 RETR, median of {rounds} rounds\n")
    print("| server | clients | messages/s | MB/s | server CPU ms/message "
          "| server CPU % | generator CPU % |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for clients in client_counts:
        for name in names:
            m = lambda key: median_of(cells, name, clients, key)  # noqa: E731
            print(f"| {name} | {clients} | {m('messages_per_s'):.0f} | {m('mb_per_s'):.1f} "
                  f"| {m('server_cpu_ms_per_message'):.3f} | {m('server_cpu_percent'):.0f} "
                  f"| {m('generator_cpu_percent'):.0f} |")
    pairs = comparisons(names, TARGET_RATIO)
    if pairs:
        print("\n| clients |" + "".join(f" {n} messages/s |" for n in names)
              + comparison_head(pairs))
        print("|---:|" + "---:|" * (len(names) + len(pairs)))
        for clients in client_counts:
            rate = {n: median_of(cells, n, clients, "messages_per_s") for n in names}
            print(f"| {clients} |" + "".join(f" {rate[n]:.0f} |" for n in names)
                  + "".join(ratio_cell(rate[a] / rate[b], t) for a, b, t in pairs))
    print("\nRounds (messages/s):")
    for name in names:
        for clients in client_counts:
            values = [c["messages_per_s"] for c in cells
                      if c["server"] == name and c["clients"] == clients]
            print(f"- {name}, {clients} clients: " + "/".join(f"{v:.0f}" for v in values))


def main():
    args = parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    users = max(client_counts)
    names = servers.server_names(args)
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pop3-", dir=args.work))
    # Dovecot's mail user (nobody) must be able to reach its maildirs.
    os.chmod(work, 0o755)
    log(f"work folder {work}")

    corpus = loadgen.load_corpus(args.corpus)
    spam = [m.name for m in corpus if SPAM_HEADER.search(header_of(m))]
    if spam:
        log(f"left out (spam headers, Eider files them in Junk): {', '.join(spam)}")
    corpus = [m for m in corpus if m.name not in spam]
    total = sum(m.size for m in corpus)
    log(f"corpus: {len(corpus)} messages, {total / 1e6:.1f} MB, "
        f"mean {total / len(corpus) / 1e3:.1f} kB, in each of {users} INBOXes")

    # Delivery is not measured here: fsync only where Dovecot's default does,
    # so filling 32 mailboxes takes seconds, not minutes.
    targets = servers.build(
        names, args,
        lambda binary, name: servers.Eider(binary, work, users, protocols=("pop3",),
                                           serve_args=args.eider_arg, name=name),
        lambda services, name: servers.Dovecot(work, users, protocols=("pop3",),
                                               mail_fsync="optimized", services=services,
                                               name=name))
    cells = []
    try:
        for server in targets:
            server.start("pop3")
            wire = fill_and_check(server, corpus, users)
            log(f"{server.name}: u0's maildrop is {wire / 1e6:.2f} MB as RETR sends it")
        for rnd in range(args.rounds):
            for k, clients in enumerate(client_counts):
                order = targets if (rnd + k) % 2 == 0 else targets[::-1]
                for server in order:
                    cell = run_cell(server, len(corpus), clients, args.seconds)
                    cells.append(cell)
                    log(f"round {rnd + 1} {server.name:8} {clients:3} clients: "
                        f"{cell['messages_per_s']:8.0f} msg/s {cell['mb_per_s']:7.1f} MB/s "
                        f"server {cell['server_cpu_ms_per_message']:.3f} ms/msg "
                        f"({cell['server_cpu_percent']:.0f}% CPU) "
                        f"generator {cell['generator_cpu_percent']:.0f}% CPU")
    finally:
        for server in targets:
            if server.proc is not None:
                server.stop()

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "corpus_messages": len(corpus), "corpus_bytes": total,
            "seconds": args.seconds, "rounds": args.rounds, "users": users,
            "cells": cells,
        }, indent=1))
    print_tables(cells, names, client_counts, args.rounds)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
