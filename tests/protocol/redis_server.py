"""A private redis-server for protocol tests (the Python twin of
tests/support/redis_server.h): 127.0.0.1 on a free port, no persistence, its
folder in /tmp. Never the system service. kill() and start() let a test take
Redis away and bring it back on the same port."""

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from eider_harness import free_port


def available():
    return shutil.which("redis-server") is not None


def _answers_ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="eider-redis-"))
        self.port = free_port()
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self):
        """Starts redis-server (again) on this server's port; waits until it
        answers PING."""
        if self.running:
            return
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir), "--daemonize", "no",
             "--loglevel", "warning", "--logfile", str(self.dir / "redis.log")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if _answers_ping(self.port):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        self.kill()
        raise RuntimeError(f"redis-server did not start on port {self.port}: "
                           f"{(self.dir / 'redis.log').read_text(errors='replace')}")

    def kill(self):
        """Kills redis-server at once (SIGKILL), as a crash would."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None

    def close(self):
        try:
            self.kill()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
