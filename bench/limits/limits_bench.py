"""Peak memory of eider serve under the memory probes of issue 14.

Run through bench/limits/run, which builds a Release eider (or give --eider).
Each probe starts a fresh server (so VmHWM, the kernel's peak resident set,
is the probe's own), runs its clients at once, and samples the server's
VmRSS every 10 ms meanwhile:

  appends  N parallel IMAP `APPEND INBOX {S+}` of an S-byte message (a
           multipart with a random base64 attachment, so nothing compresses),
           each from its own logged-in user;
  logins   N parallel pre-auth `LOGIN` of unknown users (each hashes a decoy
           password, as a real user's check would);
  lmtp     N parallel LMTP sessions, each delivering one S-byte message.

It prints one table: clients, size, replies, wall time, peak sampled RSS and
VmHWM, and the target from the issue. Messages over max-message-size would
be refused unread, so the server runs with max-message-size = 100 MiB.
"""

import argparse
import base64
import os
import re
import shutil
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

MIB = 1024 * 1024
TIMEOUT = 600


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--probes", default="appends,logins,lmtp")
    p.add_argument("--append-clients", default=8, type=int)
    p.add_argument("--append-bytes", default=62914560, type=int)
    p.add_argument("--login-clients", default=60, type=int)
    p.add_argument("--lmtp-clients", default=8, type=int)
    p.add_argument("--lmtp-bytes", default=70 * 1000 * 1000, type=int)
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-release" / "bench-data")),
                   help="parent of the temporary folder")
    p.add_argument("--eider-arg", action="append", default=[], metavar="FLAG",
                   help="one more `eider serve` argument (repeat), e.g. --eider-arg=--memory-budget=0")
    return p.parse_args()


def make_message(size, seed):
    """A size-byte multipart message (CRLF) whose attachment is random base64."""
    head = (b"From: bench <bench@example.test>\r\nTo: u0@example.test\r\n"
            b"Subject: memory probe %d\r\nMessage-ID: <probe-%d@example.test>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nA large attachment follows.\r\n"
            b"--b\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" % (seed, seed))
    tail = b"\r\n--b--\r\n"
    room = size - len(head) - len(tail)
    raw = os.urandom(room // 78 * 57 + 57)
    body = base64.encodebytes(raw).replace(b"\n", b"\r\n")[:room]
    # Whole lines only: cut at the last CRLF and pad the last line.
    cut = body.rfind(b"\r\n") + 2
    body = body[:cut]
    pad = room - len(body)
    if pad:
        body += b"A" * max(pad - 2, 0) + b"\r\n"[: pad if pad < 2 else 2]
    message = head + body + tail
    assert len(message) == size, (len(message), size)
    return message


class Sampler:
    """Samples the server's VmRSS every 10 ms until stopped."""

    def __init__(self, pid):
        self.pid = pid
        self.peak_kib = 0
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def field(self, name):
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
        return 0

    def run(self):
        while self.running:
            try:
                self.peak_kib = max(self.peak_kib, self.field("VmRSS"))
            except OSError:
                return
            time.sleep(0.01)

    def stop(self):
        self.running = False
        self.thread.join()
        return self.peak_kib, self.field("VmHWM")


def read_line(sock_file):
    line = sock_file.readline()
    if not line:
        raise EOFError("connection closed")
    return line


def imap_append(port, user, message, results):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            f = sock.makefile("rb")
            read_line(f)
            sock.sendall(b"a LOGIN %s %s\r\n" % (user.encode(), servers.USER_PASSWORD.encode()))
            while not (line := read_line(f)).startswith(b"a "):
                pass
            assert line.startswith(b"a OK"), line
            sock.sendall(b"b APPEND INBOX {%d+}\r\n" % len(message))
            sock.sendall(message)
            sock.sendall(b"\r\n")
            while not (line := read_line(f)).startswith(b"b "):
                pass
            results.append(line.split(b" ", 2)[1].decode() + " " +
                           (re.search(rb"\[([A-Z]+)", line) or [b"", b""])[1].decode())
            sock.sendall(b"c LOGOUT\r\n")
    except Exception as e:  # noqa: BLE001 - reported in the table
        results.append(f"error {e!r}"[:60])


def imap_login(port, n, results):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            f = sock.makefile("rb")
            read_line(f)
            sock.sendall(b"a LOGIN nobody%d wrong-password\r\n" % n)
            while not (line := read_line(f)).startswith(b"a "):
                pass
            results.append(line.split(b" ", 2)[1].decode())
    except Exception as e:  # noqa: BLE001
        results.append(f"error {e!r}"[:60])


def lmtp_deliver(port, user, message, results):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
            f = sock.makefile("rb")

            def reply():
                while True:
                    line = read_line(f)
                    if line[3:4] != b"-":
                        return line

            reply()
            sock.sendall(b"LHLO bench\r\n")
            reply()
            sock.sendall(b"MAIL FROM:<bench@example.test>\r\n")
            reply()
            sock.sendall(b"RCPT TO:<%s@example.test>\r\n" % user.encode())
            assert reply().startswith(b"250"), "RCPT"
            sock.sendall(b"DATA\r\n")
            line = reply()
            if not line.startswith(b"354"):
                results.append(line[:9].decode())
                return
            # The message is all base64 and headers: no line starts with ".".
            sock.sendall(message)
            sock.sendall(b".\r\n")
            results.append(reply()[:9].decode().strip())
            sock.sendall(b"QUIT\r\n")
    except Exception as e:  # noqa: BLE001
        results.append(f"error {e!r}"[:60])


def run_probe(server, tag, target, clients):
    server.start(tag)
    sampler = Sampler(server.proc.pid)
    results = []
    threads = [threading.Thread(target=target, args=(i, results)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    peak, hwm = sampler.stop()
    server.stop()
    server.cleanup()
    counts = {}
    for r in results:
        counts[r] = counts.get(r, 0) + 1
    replies = ", ".join(f"{n}x {r}" for r, n in sorted(counts.items()))
    return replies, seconds, peak, hwm


def main():
    args = parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="limits-", dir=args.work))
    users = max(args.append_clients, args.lmtp_clients)
    # A config file, not a flag: max-message-size has no flag on every version.
    # The password-guessing lockout is off: 60 failed logins from one address
    # would otherwise be refused unchecked after the 50th, and the probe is of
    # what checking them costs.
    config = work / "limits.toml"
    config.write_text(f"max-message-size = {100 * MIB}\n"
                      "max-auth-failures-per-ip = 0\nmax-auth-failures-per-user = 0\n")
    serve_args = ["--config", str(config), *args.eider_arg]
    server = servers.Eider(args.eider, work, users, protocols=("lmtp", "imap"),
                           serve_args=serve_args)
    rows = []
    try:
        for probe in args.probes.split(","):
            if probe == "appends":
                message = make_message(args.append_bytes, 1)
                row = run_probe(
                    server, "appends",
                    lambda i, out: imap_append(server.ports["imap"], f"u{i}", message, out),
                    args.append_clients)
                rows.append(("appends", args.append_clients, args.append_bytes, 300, *row))
            elif probe == "logins":
                row = run_probe(server, "logins",
                                lambda i, out: imap_login(server.ports["imap"], i, out),
                                args.login_clients)
                rows.append(("unknown-user logins", args.login_clients, 0, 150, *row))
            elif probe == "lmtp":
                message = make_message(args.lmtp_bytes, 2)
                row = run_probe(
                    server, "lmtp",
                    lambda i, out: lmtp_deliver(server.port, f"u{i}", message, out),
                    args.lmtp_clients)
                rows.append(("lmtp deliveries", args.lmtp_clients, args.lmtp_bytes, 300, *row))
            else:
                raise SystemExit(f"unknown probe {probe}")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"eider serve --max-message-size {100 * MIB} --max-auth-failures-per-ip 0 "
          f"--max-auth-failures-per-user 0 {' '.join(args.eider_arg)}".rstrip())
    print()
    print("| probe | clients | bytes each | replies | wall s | peak RSS MiB (sampled) "
          "| VmHWM MiB | target MiB | met |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---|")
    for probe, clients, size, target, replies, seconds, peak, hwm in rows:
        print(f"| {probe} | {clients} | {size or '-'} | {replies} | {seconds:.1f} "
              f"| {peak / 1024:.0f} | {hwm / 1024:.0f} | {target} "
              f"| {'yes' if hwm / 1024 < target else 'NO'} |")


if __name__ == "__main__":
    main()
