"""Dovecot IMAP for differential tests: one user with a known password, in a
temporary folder, on a free loopback port, stopped afterwards.

The configuration itself is the benchmarks' (bench/harness/servers.py), so
there is one Dovecot config in the repository; this module only imports it
and picks the IMAP listener. Dovecot is installed by scripts/setup.
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "bench" / "harness"))

import servers  # noqa: E402  (bench/harness/servers.py)

USER = servers.user_names(1)[0]  # "u0"; Dovecot adds the @example.test realm
PASSWORD = servers.USER_PASSWORD


def missing_binaries():
    """The Dovecot programs this needs that are not installed (empty when all are).

    `dovecot` is the master; `imap` and `imap-login` are its IMAP service
    binaries (package dovecot-imapd), found in Debian's libexec folder, and
    `lmtp` (dovecot-lmtpd) because the shared config always listens for LMTP.
    """
    missing = []
    if shutil.which("dovecot") is None and not Path("/usr/sbin/dovecot").is_file():
        missing.append("dovecot (package dovecot-core)")
    libexec = Path("/usr/lib/dovecot")
    for name, package in (("imap", "dovecot-imapd"), ("imap-login", "dovecot-imapd"),
                          ("lmtp", "dovecot-lmtpd")):
        if not (libexec / name).is_file():
            missing.append(f"{libexec / name} (package {package})")
    return missing


class DovecotImap:
    """`with DovecotImap() as dovecot:` -> dovecot.port speaks IMAP,
    USER/PASSWORD log in. Mail is maildir, mail user nobody (Dovecot refuses
    root). fsync is off: nothing here measures durability."""

    def __init__(self, tag="diff"):
        # Its own folder under the system temp folder, mode 0755: Dovecot's
        # auth process (user dovecot) must reach the users file, and pytest's
        # tmp_path sits below 0700 folders.
        self.work = Path(tempfile.mkdtemp(prefix="eider-dovecot-"))
        os.chmod(self.work, 0o755)
        self.server = servers.Dovecot(self.work, users=1, protocols=("imap",),
                                      mail_fsync="never")
        self.tag = tag
        self.port = None

    def __enter__(self):
        try:
            self.server.start(self.tag)
        except BaseException:
            if self.server.proc is not None:
                self.server.proc.kill()
                self.server.proc.wait()
            shutil.rmtree(self.work, ignore_errors=True)
            raise
        self.port = self.server.ports["imap"]
        return self

    def log(self):
        """Dovecot's log, for failure messages."""
        path = self.server.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.is_file() else ""

    def __exit__(self, *exc):
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
        return False
