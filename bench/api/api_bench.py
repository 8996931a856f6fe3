"""HTTP API throughput on one eider (SQLite store, its defaults): users
created per second over POST /users, messages listed per second paging
GET /users/:user/mailboxes/:mailbox/messages (limit 250, next cursors), and
message.eml downloads per second and MB/s, for N concurrent keep-alive
clients (threads, http.client). A route the server does not have (404
ResourceNotFound) shows as n/a. Users come from bench/harness/servers.py;
u0's INBOX is filled through LMTP with the test corpus.
"""

import argparse
import http.client
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "harness"))

import servers  # noqa: E402  (bench/harness/servers.py)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--corpus", default=REPO_ROOT / "tests" / "corpus", type=Path)
    p.add_argument("--clients", default="1,8,32", help="comma-separated client counts")
    p.add_argument("--seconds", default=5.0, type=float, help="time per cell")
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-release" / "bench-data")))
    p.add_argument("--json", type=Path, help="write every cell's numbers here")
    return p.parse_args()


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data else {}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def fill(port, corpus_dir, rcpt):
    messages = sorted(p for p in corpus_dir.rglob("*.eml"))[:500]
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")

    def expect(code):
        while True:
            line = f.readline()
            if line[3:4] != b"-":
                assert line.startswith(code), line
                return

    expect(b"220")
    sock.sendall(b"LHLO bench\r\n")
    expect(b"250")
    for path in messages:
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        data = b"\r\n".join(b"." + l if l.startswith(b".") else l for l in data.split(b"\r\n"))
        sock.sendall(b"MAIL FROM:<b@example.test>\r\nRCPT TO:<" + rcpt + b">\r\nDATA\r\n")
        expect(b"250")
        expect(b"250")
        expect(b"354")
        sock.sendall(data + (b"" if data.endswith(b"\r\n") else b"\r\n") + b".\r\n")
        expect(b"250")
    sock.sendall(b"QUIT\r\n")
    sock.close()
    return len(messages)


REFUSED = object()


def cell(port, clients, seconds, work):
    """Runs work(client, n, i) on `clients` threads for `seconds`; returns
    (operations, units, refusals) per second, or None when the route is
    missing. work returns None for a missing route, REFUSED for any reply
    but 200 (counted, never as an operation), else the units it moved."""
    stop = time.monotonic() + seconds
    totals = []
    missing = []

    def loop(n):
        client = Client(port)
        ops = units = refused = 0
        i = 0
        while time.monotonic() < stop:
            done = work(client, n, i)
            i += 1
            if done is None:
                missing.append(True)
                return
            if done is REFUSED:
                refused += 1
                time.sleep(0.01)
                continue
            ops += 1
            units += done
        totals.append((ops, units, refused))

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if missing:
        return None
    return (sum(t[0] for t in totals) / elapsed, sum(t[1] for t in totals) / elapsed,
            sum(t[2] for t in totals) / elapsed)


def main():
    args = parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    counts = [int(c) for c in args.clients.split(",")]
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        eider = servers.Eider(args.eider, work, 1, protocols=("api",))
        eider.start("api")
        port = eider.ports["api"]
        try:
            fill(eider.port, args.corpus, b"u0@example.test")
            probe = Client(port)
            status, body = probe.call("GET", "/users/resolve/u0")
            user = json.loads(body).get("id") if status == 200 else None
            inbox = None
            if user:
                status, body = probe.call("GET", f"/users/{user}/mailboxes")
                if status == 200:
                    for box in json.loads(body).get("results", []):
                        if box.get("path") == "INBOX":
                            inbox = box["id"]
            uids = []
            if inbox:
                status, body = probe.call(
                    "GET", f"/users/{user}/mailboxes/{inbox}/messages?limit=250")
                if status == 200:
                    uids = [m["id"] for m in json.loads(body).get("results", [])]

            def create(client, n, i):
                status, body = client.call("POST", "/users", {
                    "username": f"b{n}x{i}x{time.monotonic_ns()}", "password": "bench-secret"})
                if status == 404:
                    return None
                return 1 if status == 200 else REFUSED

            def page(client, n, i):
                if not inbox:
                    return None
                listed = 0
                cursor = None
                while True:
                    path = f"/users/{user}/mailboxes/{inbox}/messages?limit=250"
                    if cursor:
                        path += f"&next={cursor}"
                    status, body = client.call("GET", path)
                    if status == 404:
                        return None
                    if status != 200:
                        return REFUSED
                    reply = json.loads(body)
                    listed += len(reply.get("results", []))
                    cursor = reply.get("nextCursor")
                    if not cursor:
                        return listed

            def download(client, n, i):
                if not uids:
                    return None
                uid = uids[(n * 7919 + i) % len(uids)]
                status, body = client.call(
                    "GET", f"/users/{user}/mailboxes/{inbox}/messages/{uid}/message.eml")
                if status == 404:
                    return None
                return len(body) if status == 200 else REFUSED

            results = []
            for name, work_fn, unit in [("POST /users", create, "users/s"),
                                         ("GET .../messages pages", page, "messages/s"),
                                         ("GET .../message.eml", download, "MB/s")]:
                for clients in counts:
                    got = cell(port, clients, args.seconds, work_fn)
                    results.append({"route": name, "clients": clients,
                                    "requests_per_s": got and got[0],
                                    "units_per_s": got and (got[1] / 1e6 if unit == "MB/s"
                                                            else got[1]),
                                    "refused_per_s": got and got[2],
                                    "unit": unit})
        finally:
            eider.stop()
    print("| route | clients | requests/s (200) | throughput | refused/s |")
    print("|---|---:|---:|---:|---:|")
    for r in results:
        if r["requests_per_s"] is None:
            print(f"| {r['route']} | {r['clients']} | n/a | n/a | n/a |")
        else:
            print(f"| {r['route']} | {r['clients']} | {r['requests_per_s']:.0f} | "
                  f"{r['units_per_s']:.1f} {r['unit']} | {r['refused_per_s']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
