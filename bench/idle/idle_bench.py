"""IDLE memory per session: Eider beside Dovecot (plain and imap-hibernate).

Run through bench/idle/run, which raises `ulimit -n`, builds eider and
installs Dovecot. For each mode (eider, dovecot-plain, dovecot-hibernate) in
turn: a fresh server with --users users, each INBOX filled over LMTP with
--messages messages (bench/imap/imapload.message). Session i logs in as
u<i mod users> (so many sessions per user), SELECTs INBOX and enters IDLE.
The client is one Python process with non-blocking sockets (selectors),
speaking raw IMAP, with at most --concurrency handshakes in flight.

PSS (/proc/<pid>/smaps_rollup, summed over the server's whole process tree:
for Dovecot master, config, log, anvil, auth, imap-login, imap and
imap-hibernate) is read after a warm-up of 10 sessions that come and go
(so one-time costs such as Dovecot's auth process or Eider's first login are
in the baseline) and again once all sessions idle (for imap-hibernate: once
the imap processes have handed their clients to imap-hibernate and exited).
Per session = (after - before) / sessions.

Then one message is delivered over LMTP to u0, and every session of u0 must
see `* n EXISTS` while in IDLE (the sessions are alive); the time from the
LMTP 250 to the last EXISTS is reported.

With --compress, each session sends `COMPRESS DEFLATE` (RFC 4978) after
SELECT and speaks raw deflate from then on (IDLE, DONE, the EXISTS push),
so the PSS per session is that of a compressed idle session. Dovecot offers
COMPRESS only with its imap_zlib plugin, which the Dovecot configured here
does not load, so --compress is for --modes eider.

With --tls, each session sends `STARTTLS` after the greeting and speaks TLS
from then on (Python's ssl over memory BIOs, so one selector still drives
every session). Dovecot gets ssl = yes with a self-signed certificate made
by `openssl req`; in the high-performance login mode configured here its
imap-login processes keep every TLS connection and proxy it to the imap
process (or to imap-hibernate), so their PSS is in the sum as Eider's TLS
state is in its one process.
"""

import argparse
import errno
import json
import os
import selectors
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "imap"))
sys.path.insert(0, str(HERE.parent / "harness"))

import asyncio  # noqa: E402
import imapload  # noqa: E402  (bench/imap/imapload.py)
import imapservers  # noqa: E402  (bench/imap/imapservers.py)
import servers  # noqa: E402  (bench/harness/servers.py)

TARGET_KIB = 8.0  # the target for Eider: PSS per IDLE session
WARMUP = 10


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--eider", required=True, help="the eider binary")
    p.add_argument("--sessions", default=10000, type=int)
    p.add_argument("--plain-sessions", type=int, default=1000,
                   help="sessions for dovecot-plain (one imap process each; "
                        "capped at --sessions)")
    p.add_argument("--users", default=10, type=int, help="users, sessions spread over them")
    p.add_argument("--messages", default=1000, type=int, help="messages in each INBOX")
    p.add_argument("--hibernate-timeout", default=2, type=int,
                   help="Dovecot imap_hibernate_timeout, seconds")
    p.add_argument("--concurrency", default=100, type=int, help="handshakes in flight")
    p.add_argument("--modes", default="eider,dovecot-plain,dovecot-hibernate")
    p.add_argument("--work", type=Path,
                   default=Path(os.environ.get("EIDER_BENCH_DIR",
                                               REPO_ROOT / "build-bench-imap" / "bench-data")))
    p.add_argument("--eider-arg", action="append", default=[], metavar="FLAG")
    p.add_argument("--compress", action="store_true",
                   help="COMPRESS DEFLATE after SELECT, before IDLE (eider mode only)")
    p.add_argument("--tls", action="store_true",
                   help="STARTTLS after the greeting, every mode")
    p.add_argument("--json", type=Path)
    p.add_argument("--keep", action="store_true")
    return p.parse_args()


def log(text):
    print(text, file=sys.stderr, flush=True)


PASSWORD = servers.USER_PASSWORD.encode()


class Conn:
    __slots__ = ("sock", "user", "state", "buf", "exists_at", "error", "deflate", "inflate",
                 "tls", "tls_in", "tls_out")

    def __init__(self, sock, user):
        self.sock = sock
        self.user = user
        self.state = "connect"
        self.buf = b""
        self.exists_at = None
        self.error = None
        self.deflate = None  # after COMPRESS: the client's compressor
        self.inflate = None  # and the decompressor of what the server sends
        self.tls = None  # after STARTTLS: an ssl.SSLObject over the two BIOs
        self.tls_in = None
        self.tls_out = None


class IdleClient:
    """Many IMAP sessions in IDLE, driven by one selector."""

    def __init__(self, port, users, compress=False, tls=False):
        self.port = port
        self.users = users
        self.compress = compress
        self.tls_context = None
        if tls:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.tls_context.check_hostname = False
            self.tls_context.verify_mode = ssl.CERT_NONE
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.idling = 0
        self.failed = []
        self.expect_exists = None

    def _start(self, index):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", self.port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, os.strerror(err))
        c = Conn(s, index % self.users)
        self.conns.append(c)
        self.sel.register(s, selectors.EVENT_WRITE, c)

    def _fail(self, c, why):
        c.error = why
        c.state = "dead"
        self.failed.append(c)
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()

    def _send(self, c, data):
        if c.deflate:
            data = c.deflate.compress(data) + c.deflate.flush(zlib.Z_SYNC_FLUSH)
        if c.tls:
            c.tls.write(data)
            data = c.tls_out.read()
        c.sock.sendall(data)  # tiny commands fit the empty send buffer

    def _login(self, c):
        self._send(c, b'a LOGIN u%d "%s"\r\n' % (c.user, PASSWORD))
        c.state = "login"

    def _handshake(self, c):
        """One step of the client's TLS handshake; LOGIN once it is done."""
        try:
            c.tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        out = c.tls_out.read()
        if out:
            c.sock.sendall(out)
        if done:
            self._login(c)

    def _line(self, c, line):
        st = c.state
        if st == "greeting":
            if not line.startswith(b"* OK"):
                return self._fail(c, f"greeting {line[:100]!r}")
            if self.tls_context:
                self._send(c, b"s STARTTLS\r\n")
                c.state = "starttls"
            else:
                self._login(c)
        elif st == "starttls":
            if line.startswith(b"s "):
                if not line.startswith(b"s OK"):
                    return self._fail(c, f"STARTTLS {line[:100]!r}")
                c.tls_in, c.tls_out = ssl.MemoryBIO(), ssl.MemoryBIO()
                c.tls = self.tls_context.wrap_bio(c.tls_in, c.tls_out)
                c.state = "handshake"
                self._handshake(c)
        elif st == "login":
            if line.startswith(b"a "):
                if not line.startswith(b"a OK"):
                    return self._fail(c, f"LOGIN {line[:100]!r}")
                self._send(c, b"b SELECT INBOX\r\n")
                c.state = "select"
        elif st == "select":
            if line.startswith(b"b "):
                if not line.startswith(b"b OK"):
                    return self._fail(c, f"SELECT {line[:100]!r}")
                if self.compress:
                    self._send(c, b"z COMPRESS DEFLATE\r\n")
                    c.state = "compress"
                else:
                    self._send(c, b"c IDLE\r\n")
                    c.state = "idle"
        elif st == "compress":
            if line.startswith(b"z "):
                if not line.startswith(b"z OK"):
                    return self._fail(c, f"COMPRESS {line[:100]!r}")
                # Small client-side state: 1,000s of sessions in one process.
                c.deflate = zlib.compressobj(6, zlib.DEFLATED, -9, 1)
                c.inflate = zlib.decompressobj(wbits=-15)
                self._send(c, b"c IDLE\r\n")
                c.state = "idle"
        elif st == "idle":
            if line.startswith(b"+"):
                c.state = "idling"
                self.idling += 1
            elif line.startswith(b"c "):
                return self._fail(c, f"IDLE {line[:100]!r}")
        elif st == "idling":
            if line.startswith(b"* BYE"):
                return self._fail(c, f"BYE while idling {line[:100]!r}")
            if (self.expect_exists and c.exists_at is None
                    and line == b"* %d EXISTS" % self.expect_exists):
                c.exists_at = time.monotonic()

    def _event(self, c, mask):
        if c.state == "connect":
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                return self._fail(c, f"connect: {os.strerror(err)}")
            c.state = "greeting"
            self.sel.modify(c.sock, selectors.EVENT_READ, c)
            return
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            return self._fail(c, f"recv: {e}")
        if not data:
            return self._fail(c, f"closed by server in state {c.state}")
        if c.tls:
            c.tls_in.write(data)
            try:
                if c.state == "handshake":
                    return self._handshake(c)
                data = b""
                while True:
                    data += c.tls.read(65536)
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as e:
                return self._fail(c, f"TLS: {e}")
        try:
            buf = c.buf + (c.inflate.decompress(data) if c.inflate else data)
            while True:
                nl = buf.find(b"\r\n")
                if nl < 0:
                    break
                line, buf = buf[:nl], buf[nl + 2:]
                plain = c.inflate is None
                self._line(c, line)
                if c.state == "dead":
                    return
                if plain and c.inflate:  # what followed COMPRESS's OK is compressed
                    buf = c.inflate.decompress(buf)
                if c.state == "handshake":  # the server sent nothing after its OK
                    buf = b""
                    break
        except zlib.error as e:
            return self._fail(c, f"inflate: {e}")
        c.buf = buf

    def poll(self, timeout):
        for key, mask in self.sel.select(timeout):
            self._event(key.data, mask)

    def open(self, count, concurrency, timeout=1800):
        """Opens `count` sessions, at most `concurrency` handshakes at once."""
        target = len(self.conns) + count
        deadline = time.monotonic() + timeout
        base = self.idling + len(self.failed)
        while self.idling + len(self.failed) - base < count:
            in_flight = len(self.conns) - (self.idling + len(self.failed))
            while len(self.conns) < target and in_flight < concurrency:
                self._start(len(self.conns))
                in_flight += 1
            self.poll(0.5)
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.idling} sessions idle after {timeout} s")
        if self.failed:
            raise RuntimeError(f"{len(self.failed)} sessions failed, first: "
                               f"{self.failed[0].error}")

    def wait_exists(self, user, exists, timeout):
        self.expect_exists = exists
        mine = [c for c in self.conns if c.user == user and c.state == "idling"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(c.exists_at is not None for c in mine):
                break
            self.poll(0.2)
        got = [c.exists_at for c in mine if c.exists_at is not None]
        return len(mine), len(got), (max(got) if got else None)

    def close_all(self):
        for c in self.conns:
            if c.state != "dead":
                try:
                    self.sel.unregister(c.sock)
                except (KeyError, ValueError):
                    pass
                c.sock.close()
        self.conns = []
        self.idling = 0


def dovecot_tls_conf(folder):
    """Config lines for Dovecot's STARTTLS, with a fresh self-signed pair."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "tls-cert.pem", folder / "tls-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "2",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    os.chmod(key, 0o644)
    return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\nssl_min_protocol = TLSv1.2\n"


def count_named(pid, name):
    n = 0
    for p in servers.process_tree(pid):
        try:
            if Path(f"/proc/{p}/comm").read_text().strip() == name:
                n += 1
        except OSError:
            pass
    return n


def run_mode(mode, args, work, eider_binary):
    users = args.users
    sessions = args.sessions if mode != "dovecot-plain" else min(args.sessions,
                                                                 args.plain_sessions)
    if mode == "eider":
        server = imapservers.Eider(eider_binary, work / mode, users,
                                   max_connections=sessions + 200,
                                   # Thousands of logins at once for a few users
                                   # would wait on the guessing limiter's cap of
                                   # checks under way; the bench is of memory.
                                   serve_args=["--max-auth-failures-per-user", "0",
                                               "--max-auth-failures-per-ip", "0",
                                               *args.eider_arg])
    else:
        hib = args.hibernate_timeout if mode == "dovecot-hibernate" else None
        # High-performance login, one imap process per session and none
        # reused: a hibernated session's imap process exits.
        server = imapservers.Dovecot(work / mode, users, sessions=sessions + WARMUP,
                                     hibernate=hib, mail_fsync="never",
                                     services="high-performance-login")
        server.work.mkdir(parents=True, exist_ok=True)
        os.chmod(server.work, 0o755)
    if args.tls and mode != "eider":
        server.extra_conf = dovecot_tls_conf(work / mode)
    result = {"mode": mode, "server": server.name, "sessions": sessions, "users": users,
              "messages": args.messages, "compress": args.compress, "tls": args.tls}
    server.start("idle")
    client = None
    try:
        fill = imapload.fill(server.port, args.messages, servers.recipients(users), 8)
        log(f"{mode}: {users} INBOXes of {args.messages} messages filled in {fill:.1f} s")
        # A fresh server process, without what the fill left (LMTP processes,
        # caches): the measurement starts from the same state on both.
        server.restart("idle")
        client = IdleClient(server.ports["imap"], users, compress=args.compress, tls=args.tls)
        client.open(WARMUP, args.concurrency)
        client.close_all()
        time.sleep(3)
        before, before_by = server.pss()
        # Opened in two halves, with PSS read in between: the second half's
        # cost per session is the marginal cost, free of one-time growth
        # (allocator arenas, thread caches, Dovecot's helper processes).
        t0 = time.monotonic()
        half = sessions // 2
        client.open(half, args.concurrency)
        settle = time.monotonic() + 3
        while time.monotonic() < settle:
            client.poll(0.5)
        middle, _ = server.pss()
        client.open(sessions - half, args.concurrency)
        opened = time.monotonic() - t0
        log(f"{mode}: {sessions} sessions in IDLE after {opened:.1f} s")
        if mode == "dovecot-hibernate":
            deadline = time.monotonic() + 120
            while count_named(server.proc.pid, "imap") > 0 and time.monotonic() < deadline:
                client.poll(0.5)
            log(f"{mode}: imap processes left: {count_named(server.proc.pid, 'imap')}")
        settle = time.monotonic() + 5
        while time.monotonic() < settle:
            client.poll(0.5)
        after, after_by = server.pss()
        result.update({
            "open_seconds": opened, "pss_before_kib": before, "pss_after_kib": after,
            "pss_per_session_kib": (after - before) / sessions,
            "pss_middle_kib": middle,
            "pss_per_session_marginal_kib": (after - middle) / (sessions - half),
            "processes_before": before_by, "processes_after": after_by,
            "imap_processes": after_by.get("imap", (0, 0))[0],
        })
        log(f"{mode}: PSS {before / 1024:.1f} MiB -> {middle / 1024:.1f} MiB at {half} "
            f"sessions -> {after / 1024:.1f} MiB, {result['pss_per_session_kib']:.1f} KiB "
            f"per session ({result['pss_per_session_marginal_kib']:.1f} KiB for the second half)")
        # Liveness: one message to u0; each of u0's sessions must see it.
        t0 = time.monotonic()
        asyncio.run(imapload.deliver_one(server.port, servers.recipients(1)))
        delivered = time.monotonic()
        total, got, last = client.wait_exists(0, args.messages + 1, timeout=120)
        result.update({
            "deliver_seconds": delivered - t0, "u0_sessions": total, "u0_saw_exists": got,
            "exists_seconds": (last - delivered) if last else None,
            "dead_sessions": len(client.failed),
            "first_dead": client.failed[0].error if client.failed else None,
        })
        log(f"{mode}: {got}/{total} of u0's sessions saw * {args.messages + 1} EXISTS, "
            f"the last {result['exists_seconds'] or float('nan'):.2f} s after the LMTP 250; "
            f"{len(client.failed)} sessions dead")
    finally:
        if client:
            client.close_all()
        if server.proc is not None and server.proc.poll() is None:
            try:
                server.stop()
            except RuntimeError as e:  # the numbers above still stand
                result["stop_error"] = str(e)
                log(f"{mode}: {e}")
        elif server.proc is not None:
            result["exit"] = server.proc.returncode
            log(f"{mode}: server exited with {server.proc.returncode}, see "
                f"{server.log_path('idle')}")
        if not args.keep:
            server.cleanup()
    return result


def print_table(results):
    print("\nIDLE sessions: server PSS (/proc/*/smaps_rollup, whole process tree)\n")
    print("| server / mode | sessions | PSS before MiB | PSS after MiB | PSS per session KiB "
          "| second half KiB/session | imap processes | open s | alive (u0 saw EXISTS) "
          "| EXISTS after s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        label = (r["mode"] + (" +TLS" if r.get("tls") else "")
                 + (" +COMPRESS" if r.get("compress") else ""))
        if "pss_per_session_kib" not in r:
            print(f"| {label} | {r['sessions']} | failed: {r.get('error', '')} "
                  "| | | | | | | |")
            continue
        ex = r.get("exists_seconds")
        print(f"| {label} | {r['sessions']} | {r['pss_before_kib'] / 1024:.1f} "
              f"| {r['pss_after_kib'] / 1024:.1f} | {r['pss_per_session_kib']:.1f} "
              f"| {r['pss_per_session_marginal_kib']:.1f} "
              f"| {r['imap_processes']} | {r['open_seconds']:.1f} "
              f"| {r.get('u0_saw_exists')}/{r.get('u0_sessions')} "
              + (f"| {ex:.2f} |" if ex is not None else "| - |"))
    by = {r["mode"]: r.get("pss_per_session_kib") for r in results}
    e = by.get("eider")
    tls = any(r.get("tls") for r in results)
    if e and tls:
        print(f"\nThe {TARGET_KIB:g} KiB target is for plain sessions; with TLS Eider holds "
              f"{e:.1f} KiB per session")
    elif e:
        print(f"\nTarget: Eider at most {TARGET_KIB:g} KiB per session: "
              f"{'met' if e <= TARGET_KIB else 'NOT met'} ({e:.1f} KiB)")
    for mode in ("dovecot-plain", "dovecot-hibernate"):
        if e and by.get(mode):
            print(f"eider/{mode} PSS per session: {e / by[mode]:.3f} "
                  f"(< 1 means Eider uses less memory)")
    print("\nPSS by process after opening the sessions (count, MiB):")
    for r in results:
        if "processes_after" in r:
            parts = sorted(r["processes_after"].items(), key=lambda kv: -kv[1][1])
            print(f"- {r['mode']}: " + ", ".join(
                f"{name} x{n} {kib / 1024:.1f}" for name, (n, kib) in parts))


def main():
    args = parse_args()
    if args.compress and args.modes != "eider":
        sys.exit("--compress needs --modes eider (Dovecot here has no imap_zlib)")
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="idle-", dir=args.work))
    os.chmod(work, 0o755)
    log(f"work folder {work}; ulimit -n {os.sysconf('SC_OPEN_MAX')}")
    results = []
    for mode in args.modes.split(","):
        try:
            results.append(run_mode(mode, args, work, args.eider))
        except Exception as e:  # noqa: BLE001  one mode failing still reports the others
            log(f"{mode}: FAILED: {e}")
            results.append({"mode": mode, "sessions": args.sessions, "error": str(e)})
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "results": results}, indent=1))
    print_table(results)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
