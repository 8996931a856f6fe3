"""Eider and Dovecot for the IMAP benches (bench/imap, bench/idle).

Built on bench/harness/servers.py (same users, same loopback set-up, same
passwd-file Dovecot on maildir), with what the IMAP benches need on top:

- an IMAP listener on both;
- raised connection limits: Eider gets a TOML config file with
  max-connections, max-connections-per-ip and max-connections-per-user
  (0: the benches open many sessions per user), Dovecot gets process_limit,
  client_limit and mail_max_userip_connections (on top of its services'
  set-up, servers.DOVECOT_SERVICES);
- Dovecot's imap-hibernate, optionally (imap_hibernate_timeout);
- restart() with more Dovecot config lines (servers.*.restart() stops and
  starts again on the same data folder and ports, for the "cold" cells);
- pss_kib(): the proportional set size of the server, summed over all its
  processes (Dovecot: master, auth, imap-login, imap, imap-hibernate, ...),
  from /proc/<pid>/smaps_rollup.
"""

import os
import shutil
import tempfile
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "harness"))
import servers  # noqa: E402  (bench/harness/servers.py)


def pss_of(pid):
    """PSS of one process in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss(pid):
    """(total PSS in KiB, {process name: (count, PSS KiB)}) over pid's tree."""
    total, by_name = 0, {}
    for p in servers.process_tree(pid):
        kib = pss_of(p)
        try:
            name = Path(f"/proc/{p}/comm").read_text().strip()
        except OSError:
            continue
        total += kib
        count, sub = by_name.get(name, (0, 0))
        by_name[name] = (count + 1, sub + kib)
    return total, by_name


class Eider(servers.Eider):
    """`eider serve` with IMAP and LMTP, limits raised through a config file."""

    def __init__(self, binary, work, users, max_connections=1000, serve_args=(),
                 name="eider", store=None):
        conf = Path(work) / f"{name}-bench.toml"
        Path(work).mkdir(parents=True, exist_ok=True)
        conf.write_text(f"max-connections = {max_connections}\n"
                        f"max-connections-per-ip = {max_connections}\n"
                        "max-connections-per-user = 0\n")
        super().__init__(binary, work, users, protocols=("imap",),
                         serve_args=["--config", str(conf), *serve_args], name=name,
                         store=store)

    def pss(self):
        return tree_pss(self.proc.pid)


DOVECOT_LIMITS = """\
# bench/imap: limits raised for the sessions.
mail_max_userip_connections = {sessions}
default_process_limit = {processes}
default_client_limit = {sessions}
"""


def service_limits(sessions, processes):
    """Dovecot's per-service limits for `sessions` connections and
    `processes` processes per service."""
    return {
        "imap-login": {"client_limit": sessions},
        "imap": {"process_limit": processes, "client_limit": 1},
        "anvil": {"client_limit": 2 * (sessions + processes) + 100},
        # A connection from each imap-login, imap, imap-urlauth-login and
        # lmtp process at most (Dovecot warns when fewer).
        "auth": {"client_limit": 4 * processes + 100},
    }


DOVECOT_HIBERNATE = """\
# imap-hibernate: an IDLE client moves to the imap-hibernate process after
# imap_hibernate_timeout, and its imap process exits.
imap_hibernate_timeout = {timeout}s
service imap {{
  unix_listener imap-master {{
    mode = 0666
  }}
}}
service imap-hibernate {{
  unix_listener imap-hibernate {{
    mode = 0666
  }}
  client_limit = {sessions}
}}
"""


class Dovecot(servers.Dovecot):
    """Dovecot with IMAP and LMTP (maildir), limits raised for `sessions`
    connections; `hibernate` is None or imap_hibernate_timeout in seconds;
    `services` a key of servers.DOVECOT_SERVICES."""

    def __init__(self, work, users, sessions=1000, processes=None, hibernate=None,
                 mail_fsync="always", services="tuned", name="dovecot"):
        super().__init__(work, users, protocols=("imap",), mail_fsync=mail_fsync,
                         services=services, name=name)
        self.sessions = sessions
        self.processes = processes or sessions + 100
        self.hibernate = hibernate
        self.extra_conf = ""  # more config lines (the fill uses some)

    def run_dir(self):
        # Unix socket paths must stay under 108 bytes: base_dir moves to /tmp.
        return self.tmp_run_dir

    def service_settings(self):
        return servers.merge_service_settings(
            super().service_settings(),
            service_limits(self.sessions + 100, self.processes))

    def _conf_text(self):
        text = super()._conf_text()
        text += DOVECOT_LIMITS.format(sessions=self.sessions + 100, processes=self.processes)
        text += self.extra_conf
        if self.hibernate is not None:
            text += DOVECOT_HIBERNATE.format(timeout=self.hibernate,
                                             sessions=self.sessions + 100)
        return text

    def start(self, tag):
        self.tmp_run_dir = tempfile.mkdtemp(prefix="eider-bench-dovecot-")
        return super().start(tag)

    def restart(self, tag=None, before_start=None, mail_fsync=None, extra_conf=None):
        """As servers.Dovecot.restart, optionally with more config lines."""
        if extra_conf is not None:
            self.extra_conf = extra_conf
        super().restart(tag, before_start, mail_fsync)

    def pss(self):
        return tree_pss(self.proc.pid)

    def cleanup(self):
        super().cleanup()
        shutil.rmtree(self.tmp_run_dir, ignore_errors=True)

    def log_path(self, tag=None):
        return self.dir / "dovecot.log"


def drop_caches():
    """Writes back and drops the page cache; False if not allowed."""
    os.sync()
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False
