"""The servers of the side-by-side benchmarks (bench/lmtp, bench/pop3):
Eider and Dovecot, each started fresh in its own folder, on loopback, with the
same users (u0..uN-1@example.test, password USER_PASSWORD) and their default
logging.

Each server speaks LMTP (so every bench fills it the same way) plus the
protocols given to its constructor; `ports` maps each protocol to its port,
`port` is the LMTP port. Both are durable: Eider acknowledges after a durable
SQLite commit, Dovecot stores maildir files with mail_fsync=always (unless a
bench that does not measure delivery asks for less).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

READY_TIMEOUT = 30
STOP_TIMEOUT = 30
USER_PASSWORD = "bench-secret"
# Dovecot refuses mail access as root (uid 0), whatever first_valid_uid says,
# so its mail user is nobody/nogroup; the bench runs as root and owns the rest.
DOVECOT_MAIL_UID = 65534
DOVECOT_MAIL_GID = 65534


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def user_names(count):
    return [f"u{i}" for i in range(count)]


def recipients(count):
    return [b"%s@example.test" % name.encode() for name in user_names(count)]


def wait_for_port(port, proc, timeout=READY_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def _proc_stats():
    """{pid: the fields of /proc/<pid>/stat after the command name} for
    every process (fields[1] is the ppid; [11..14] utime stime cutime
    cstime)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            stats[int(entry)] = text.rsplit(")", 1)[1].split()
    return stats


def _tree(pid, stats):
    children = {}
    for child, fields in stats.items():
        children.setdefault(int(fields[1]), []).append(child)
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def process_tree(pid):
    """pid and all its descendants, from /proc."""
    return _tree(pid, _proc_stats())


def tree_cpu(pid):
    """CPU seconds (user + system) of a running process and its descendants,
    including children they have already reaped (Dovecot's per-session
    processes), read from /proc."""
    stats = _proc_stats()
    ticks = sum(sum(int(f) for f in stats[p][11:15]) for p in _tree(pid, stats) if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"{proc.args[0]} did not stop within {STOP_TIMEOUT}s of SIGTERM")


class Eider:
    name = "eider"

    def __init__(self, binary, work, users, protocols=("lmtp",), serve_args=()):
        self.binary = str(Path(binary).resolve())
        self.serve_args = list(serve_args)  # more `eider serve` flags
        self.work = Path(work)
        self.template = self.work / "eider-template"
        self.protocols = ("lmtp", *(p for p in protocols if p != "lmtp"))
        self.proc = None
        self.port = None
        self.ports = {}
        self.data = None
        self.template.mkdir(parents=True)
        for name in user_names(users):
            subprocess.run(
                [self.binary, "user", "add", name, "--password", USER_PASSWORD,
                 "--address", f"{name}@example.test", "--data", str(self.template)],
                check=True, stdout=subprocess.DEVNULL,
            )

    def start(self, tag):
        """Starts `eider serve` on a fresh copy of the data folder."""
        self.data = self.work / f"eider-{tag}"
        shutil.copytree(self.template, self.data)
        self.ports = {p: free_port() for p in self.protocols}
        self.port = self.ports["lmtp"]
        self._spawn(tag, "wb")
        return self.port

    def restart(self, tag, before_start=None):
        """Stops the server and starts it again on the same data and ports
        (`before_start`, if given, runs while it is down)."""
        self.stop()
        if before_start:
            before_start()
        self._spawn(tag, "ab")

    def _spawn(self, tag, log_mode):
        listeners = []
        for flag in ("imap", "imaps", "pop3", "pop3s", "lmtp", "api"):
            port = self.ports.get(flag)
            listeners += [f"--{flag}", f"127.0.0.1:{port}" if port else "off"]
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--data", str(self.data), *listeners, *self.serve_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=open(self.log_path(tag), log_mode),
        )
        line = self.proc.stdout.readline()
        if line != b"eider ready\n":
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise RuntimeError(f"eider serve did not start (exit {self.proc.returncode}), "
                               f"see {self.log_path(tag)}")

    def log_path(self, tag):
        return self.work / f"eider-{tag}.log"

    def stop(self):
        stop(self.proc)
        self.proc.stdout.close()
        if self.proc.returncode != 0:
            raise RuntimeError(f"eider serve exited {self.proc.returncode} on SIGTERM")

    def stored(self):
        """Number of messages in the store (checked against the 250s)."""
        out = subprocess.run([self.binary, "stats", "--data", str(self.data)],
                             check=True, capture_output=True).stdout
        return json.loads(out)["message_count"]

    def password_hashes(self):
        """{user name: the argon2id hash Eider stored for it}, read from the
        template's SQLite file, so Dovecot can be given the very same hashes
        (and pay the same price per login)."""
        import sqlite3
        db = sqlite3.connect(f"file:{self.template / 'eider.db'}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT name, password_hash FROM users"))
        finally:
            db.close()

    def cleanup(self):
        shutil.rmtree(self.data, ignore_errors=True)


DOVECOT_CONF = """\
# Written by bench/harness: listeners on loopback only, maildir.
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
instance_name = eider-bench-{tag}
protocols = {protocols}
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Users log in as u0 (as in Eider); the passwd-file has u0@example.test.
auth_default_realm = example.test
mail_location = maildir:~/Maildir
mail_fsync = {mail_fsync}
# UIDL from UID and UIDVALIDITY, as Eider derives it.
pop3_uidl_format = %08Xu%08Xv
passdb {{
  driver = passwd-file
  args = {dir}/users
}}
userdb {{
  driver = passwd-file
  args = {dir}/users
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {port}
  }}
  unix_listener lmtp {{
    mode = 0
  }}
}}
"""

DOVECOT_POP3 = """\
service pop3-login {{
  inet_listener pop3 {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
"""

DOVECOT_IMAP = """\
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class Dovecot:
    name = "dovecot"

    def __init__(self, work, users, protocols=("lmtp",), mail_fsync="always",
                 password_hashes=None):
        self.work = Path(work)
        # {user: "$argon2id$..."} to store instead of {PLAIN}USER_PASSWORD.
        self.password_hashes = password_hashes or {}
        self.users = users
        self.protocols = ("lmtp", *(p for p in protocols if p != "lmtp"))
        unknown = set(self.protocols) - {"lmtp", "pop3", "imap"}
        if unknown:
            raise ValueError(f"no Dovecot config for {sorted(unknown)}")
        self.mail_fsync = mail_fsync
        self.proc = None
        self.dir = None
        self.port = None
        self.ports = {}

    def start(self, tag):
        """Writes a fresh config and mail folder, runs `dovecot -F` on it."""
        self.dir = self.work / f"dovecot-{tag}"
        self.tag = tag
        mail = self.dir / "mail"
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(parents=True)
        os.chown(mail, DOVECOT_MAIL_UID, DOVECOT_MAIL_GID)
        with open(self.dir / "users", "w") as f:
            for name in user_names(self.users):
                hashed = self.password_hashes.get(name)
                password = f"{{ARGON2ID}}{hashed}" if hashed else f"{{PLAIN}}{USER_PASSWORD}"
                f.write(f"{name}@example.test:{password}:"
                        f"{DOVECOT_MAIL_UID}:{DOVECOT_MAIL_GID}::{mail}/{name}::\n")
        self.ports = {p: free_port() for p in self.protocols}
        self.port = self.ports["lmtp"]
        self._launch()
        return self.port

    def restart(self, tag=None, before_start=None, mail_fsync=None):
        """Stops Dovecot and starts it again on the same mail, ports and
        config (optionally with another mail_fsync); `before_start`, if
        given, runs while it is down."""
        self.stop()
        if mail_fsync:
            self.mail_fsync = mail_fsync
        if before_start:
            before_start()
        self._launch()

    def _conf_text(self):
        text = DOVECOT_CONF.format(dir=self.dir, tag=self.tag, port=self.port,
                                   protocols=" ".join(self.protocols),
                                   mail_fsync=self.mail_fsync)
        if "pop3" in self.ports:
            text += DOVECOT_POP3.format(port=self.ports["pop3"])
        if "imap" in self.ports:
            text += DOVECOT_IMAP.format(port=self.ports["imap"])
        return text

    def _launch(self):
        conf = self.dir / "dovecot.conf"
        conf.write_text(self._conf_text())
        self.proc = subprocess.Popen(
            ["dovecot", "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "ab"),
        )
        for port in self.ports.values():
            wait_for_port(port, self.proc)

    def stop(self):
        stop(self.proc)

    def stored(self):
        """Number of message files in every user's maildir."""
        total = 0
        for home in (self.dir / "mail").iterdir():
            for sub in ("new", "cur"):
                folder = home / "Maildir" / sub
                if folder.is_dir():
                    total += len(os.listdir(folder))
        return total

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
