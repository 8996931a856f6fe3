"""The servers of the side-by-side benchmarks (bench/lmtp, bench/pop3, and
through bench/imap/imapservers.py bench/imap and bench/idle): Eider and
Dovecot, each started fresh in its own folder, on loopback, with the same
users (u0..uN-1@example.test, password USER_PASSWORD) and their default
logging.

A run may hold two of each, told apart by `name` (it names their folders,
their cells and their table columns): "eider" and "eider-before" (the same
bench against an older eider binary, for same-run before/after ratios), and
"dovecot" (services set up as Dovecot's performance documentation advises,
DOVECOT_SERVICES["tuned"]) and "dovecot-stock" (Dovecot's default services:
a process per login and per session).

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
import sqlite3
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


def add_users(binary, count, store_args):
    """Adds users u0..u<count-1> (USER_PASSWORD, u<i>@example.test) to the
    store that `store_args` (eider flags: --data DIR or --store URL) name."""
    for name in user_names(count):
        subprocess.run(
            [str(binary), "user", "add", name, "--password", USER_PASSWORD,
             "--address", f"{name}@example.test", *store_args],
            check=True, stdout=subprocess.DEVNULL,
        )


class Eider:
    """`eider serve` on its own SQLite store (a fresh copy of a template
    data folder with `users` users per start) or, given `store` (a URL such
    as postgresql://...), on that store, which its users are already in
    (bench/scaleout: several nodes on one store); the data folder then only
    holds what a node keeps beside the store."""

    def __init__(self, binary, work, users, protocols=("lmtp",), serve_args=(), name="eider",
                 store=None):
        self.name = name
        self.binary = str(Path(binary).resolve())
        self.store = store
        self.serve_args = list(serve_args)  # more `eider serve` flags
        self.work = Path(work)
        self.template = self.work / f"{name}-template"
        self.protocols = ("lmtp", *(p for p in protocols if p != "lmtp"))
        self.proc = None
        self.port = None
        self.ports = {}
        self.data = None
        self.template.mkdir(parents=True)
        if store is None:
            add_users(self.binary, users, ["--data", str(self.template)])

    def start(self, tag):
        """Starts `eider serve` on a fresh copy of the data folder."""
        self.data = self.work / f"{self.name}-{tag}"
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
            [self.binary, "serve", *self.store_args(), *listeners, *self.serve_args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=open(self.log_path(tag), log_mode),
        )
        line = self.proc.stdout.readline()
        if line != b"eider ready\n":
            self.proc.wait(timeout=STOP_TIMEOUT)
            raise RuntimeError(f"eider serve did not start (exit {self.proc.returncode}), "
                               f"see {self.log_path(tag)}")

    def store_args(self):
        """The flags that name this server's data folder and store."""
        return ["--data", str(self.data), *(["--store", self.store] if self.store else [])]

    def log_path(self, tag):
        return self.work / f"{self.name}-{tag}.log"

    def stop(self):
        stop(self.proc)
        self.proc.stdout.close()
        if self.proc.returncode != 0:
            raise RuntimeError(f"eider serve exited {self.proc.returncode} on SIGTERM")

    def stored(self):
        """Number of messages in the store (checked against the 250s)."""
        out = subprocess.run([self.binary, "stats", *self.store_args()],
                             check=True, capture_output=True).stdout
        return json.loads(out)["message_count"]

    def password_hashes(self):
        """{user name: the argon2id hash Eider stored for it}, read from the
        template's SQLite file, so Dovecot can be given the very same hashes
        (and pay the same price per login)."""
        db = sqlite3.connect(f"file:{self.template / 'eider.db'}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT name, password_hash FROM users"))
        finally:
            db.close()

    def cleanup(self):
        shutil.rmtree(self.data, ignore_errors=True)


DOVECOT_CONF = """\
# Written by bench/harness: listeners on loopback only, maildir.
base_dir = {run_dir}
state_dir = {dir}/state
log_path = {dir}/dovecot.log
instance_name = eider-bench-{name}-{tag}
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

# The listener of each login service; Dovecot merges a service's sections, so
# its settings (DOVECOT_SERVICES, limits) follow in a section of their own.
DOVECOT_LISTENER = """\
service {protocol}-login {{
  inet_listener {protocol} {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener {protocol}s {{
    port = 0
  }}
}}
"""

CORES = os.cpu_count() or 1

# High-performance login mode (doc.dovecot.org/2.3, "Login processes"): a
# few long-lived login processes, one per core, take every connection
# instead of a new process per connection (Dovecot's default, the
# high-security mode). Without TLS they only see the login itself.
LOGIN_HIGH_PERFORMANCE = {
    f"{protocol}-login": {"service_count": 0, "process_min_avail": CORES}
    for protocol in ("imap", "pop3")
}

# The rest of the 2.3 "Performance tuning" page's CPU advice, and the
# Maildir page's optimisation for a maildir only Dovecot touches:
# - imap and pop3 processes serve up to 100 sessions each, one at a time,
#   instead of one (the page advises against unlimited); client_limit stays
#   1, the only value Dovecot recommends for mail processes, which block on
#   disk and locks. One per core is started ahead (process_min_avail), and
#   LMTP's processes, which Dovecot already reuses, too;
# - the auth process takes a connection from every process that may ask it
#   (client_limit). Its cache is left off: Dovecot 2.3 never caches
#   passwd-file answers, and so never checks their hashes in auth-worker
#   processes either (auth_cache_verify_password_with_worker): argon2id runs
#   in the single auth process, on one core, where Eider uses two threads;
# - maildir_very_dirty_syncs: Dovecot reads cur/ only when it did not make
#   the change itself, rather than at every sync of a 100,000-file folder.
# mail_fsync is left to each bench (always where delivery or flags are
# measured: Eider is durable).
DOVECOT_TUNED_SETTINGS = """\
maildir_very_dirty_syncs = yes
"""
DOVECOT_TUNED_SERVICES = {
    **LOGIN_HIGH_PERFORMANCE,
    "imap": {"service_count": 100, "process_min_avail": CORES},
    "pop3": {"service_count": 100, "process_min_avail": CORES},
    "lmtp": {"process_min_avail": CORES},
    # At Dovecot's default limits: 100 processes per login service, 1,024
    # per imap and pop3, 100 for lmtp and imap-urlauth-login (Dovecot warns
    # when client_limit is below their sum).
    "auth": {"client_limit": 2 * (100 + 1024) + 2 * 100},
}

# (global settings, {service: {setting: value}}) beyond Dovecot's defaults.
DOVECOT_SERVICES = {
    "tuned": (DOVECOT_TUNED_SETTINGS, DOVECOT_TUNED_SERVICES),
    # Dovecot's defaults: a login process per connection, an imap or pop3
    # process per session, maildir synced in full.
    "stock": ("", {}),
    # bench/idle: its hibernating imap processes must exit once they have
    # handed their client over, so they are not reused.
    "high-performance-login": ("", LOGIN_HIGH_PERFORMANCE),
}


def dovecot_service_sections(settings):
    """Config text for {service: {setting: value}}, one section each."""
    text = ""
    for service, values in settings.items():
        text += f"service {service} {{\n"
        text += "".join(f"  {key} = {value}\n" for key, value in values.items())
        text += "}\n"
    return text


def merge_service_settings(*layers):
    """{service: {setting: value}} of the layers, later ones winning."""
    merged = {}
    for layer in layers:
        for service, values in layer.items():
            merged.setdefault(service, {}).update(values)
    return merged


class Dovecot:
    def __init__(self, work, users, protocols=("lmtp",), mail_fsync="always",
                 password_hashes=None, services="tuned", name="dovecot"):
        self.name = name
        self.work = Path(work)
        # {user: "$argon2id$..."} to store instead of {PLAIN}USER_PASSWORD.
        self.password_hashes = password_hashes or {}
        self.users = users
        self.protocols = ("lmtp", *(p for p in protocols if p != "lmtp"))
        unknown = set(self.protocols) - {"lmtp", "pop3", "imap"}
        if unknown:
            raise ValueError(f"no Dovecot config for {sorted(unknown)}")
        self.mail_fsync = mail_fsync
        self.services = services  # a key of DOVECOT_SERVICES
        self.proc = None
        self.dir = None
        self.port = None
        self.ports = {}

    def start(self, tag):
        """Writes a fresh config and mail folder, runs `dovecot -F` on it."""
        self.dir = self.work / f"{self.name}-{tag}"
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

    def run_dir(self):
        """Dovecot's base_dir (its sockets)."""
        return self.dir / "run"

    def service_settings(self):
        """{service: {setting: value}} beyond Dovecot's defaults."""
        return DOVECOT_SERVICES[self.services][1]

    def _conf_text(self):
        text = DOVECOT_CONF.format(dir=self.dir, run_dir=self.run_dir(), name=self.name,
                                   tag=self.tag, port=self.port,
                                   protocols=" ".join(self.protocols),
                                   mail_fsync=self.mail_fsync)
        for protocol in ("pop3", "imap"):
            if protocol in self.ports:
                text += DOVECOT_LISTENER.format(protocol=protocol, port=self.ports[protocol])
        text += DOVECOT_SERVICES[self.services][0]
        return text + dovecot_service_sections(self.service_settings())

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


def add_server_args(parser):
    """The flags, shared by the side-by-side benches, that choose the servers."""
    parser.add_argument("--servers", default="eider,dovecot",
                        help="comma-separated: eider, dovecot, and on request eider-before, "
                             "dovecot-stock")
    parser.add_argument("--eider-baseline", metavar="BINARY",
                        help="another eider binary (e.g. the commit before a change), run "
                             "as server eider-before in the same run: eider/eider-before "
                             "is the same-run speed ratio of the change")
    parser.add_argument("--dovecot-stock", action="store_true",
                        help="also run dovecot-stock: Dovecot with its default services "
                             "(a process per login and per session), beside the tuned one")


def server_names(args):
    """The servers the flags of add_server_args() ask for, in run order."""
    names = args.servers.split(",")
    if args.eider_baseline and "eider-before" not in names:
        names.append("eider-before")
    if args.dovecot_stock and "dovecot-stock" not in names:
        names.append("dovecot-stock")
    if "eider-before" in names and not args.eider_baseline:
        raise SystemExit("eider-before needs --eider-baseline BINARY")
    return names


def build(names, args, make_eider, make_dovecot):
    """The servers named, made by make_eider(binary, name) and
    make_dovecot(services, name). Every Dovecot gets the password hashes
    Eider stored (argon2id), so a login costs both servers the same."""
    made = []
    for name in names:
        if name in ("eider", "eider-before"):
            made.append(make_eider(args.eider if name == "eider" else args.eider_baseline,
                                   name))
        elif name in ("dovecot", "dovecot-stock"):
            made.append(make_dovecot("tuned" if name == "dovecot" else "stock", name))
        else:
            raise SystemExit(f"unknown server {name!r}")
    eiders = [s for s in made if isinstance(s, Eider)]
    for server in made:
        if isinstance(server, Dovecot) and eiders:
            server.password_hashes = eiders[0].password_hashes()
    return made
