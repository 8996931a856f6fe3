"""POP3 load generator: N concurrent clients download whole mailboxes.

One asyncio loop, raw sockets. Client i logs in as user u<i> (its own
maildrop, so no two sessions ever share one), then over and over: USER, PASS,
STAT, RETR 1..n one at a time (each RETR waits for the previous answer, as
fetchmail and phones do), QUIT without DELE so the mailbox stays. When the
time is up, the client finishes the RETR in flight and QUITs. Only complete
RETR answers (+OK ... CRLF.CRLF) count; any -ERR stops the run.
"""

import asyncio
import time
from dataclasses import dataclass

END = b"\r\n.\r\n"
READ_LIMIT = 1 << 26  # a RETR answer is read in one readuntil()


class ReplyError(Exception):
    pass


async def ok_line(reader, what):
    line = await reader.readline()
    if not line.startswith(b"+OK"):
        raise ReplyError(f"{what}: {line[:200]!r}")
    return line


class Session:
    """One POP3 session in the TRANSACTION state."""

    def __init__(self, reader, writer, count):
        self.reader = reader
        self.writer = writer
        self.count = count  # messages in the maildrop (STAT)

    @classmethod
    async def open(cls, host, port, user, password):
        reader, writer = await asyncio.open_connection(host, port, limit=READ_LIMIT)
        await ok_line(reader, "greeting")
        writer.write(b"USER %s\r\n" % user)
        await ok_line(reader, "USER")
        writer.write(b"PASS %s\r\n" % password)
        await ok_line(reader, "PASS")
        writer.write(b"STAT\r\n")
        stat = await ok_line(reader, "STAT")
        return cls(reader, writer, int(stat.split()[1]))

    async def retr(self, number):
        """The message as sent: dot-stuffed, CRLF, without the +OK line and
        the final ".CRLF"."""
        self.writer.write(b"RETR %d\r\n" % number)
        answer = await self.reader.readuntil(END)
        first = answer.find(b"\r\n") + 2
        if not answer.startswith(b"+OK"):
            raise ReplyError(f"RETR {number}: {answer[:200]!r}")
        return answer[first:-3]

    async def quit(self):
        self.writer.write(b"QUIT\r\n")
        try:
            await ok_line(self.reader, "QUIT")
        finally:
            self.writer.close()


@dataclass
class Result:
    clients: int
    messages: int
    bytes: int
    sessions: int
    seconds: float
    generator_cpu: float  # seconds of this process's CPU during the run

    @property
    def messages_per_s(self):
        return self.messages / self.seconds

    @property
    def mb_per_s(self):
        return self.bytes / self.seconds / 1e6


async def _run(host, port, users, password, clients, seconds):
    counts = [0] * clients
    sizes = [0] * clients
    sessions = [0] * clients
    start = time.monotonic()
    cpu_start = time.process_time()
    deadline = start + seconds

    async def client(index):
        while time.monotonic() < deadline:
            session = await Session.open(host, port, users[index], password)
            sessions[index] += 1
            for number in range(1, session.count + 1):
                if time.monotonic() >= deadline:
                    break
                body = await session.retr(number)
                counts[index] += 1
                sizes[index] += len(body)
            await session.quit()

    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.monotonic() - start
    cpu = time.process_time() - cpu_start
    return Result(clients, sum(counts), sum(sizes), sum(sessions), elapsed, cpu)


def run(host, port, users, password, clients, seconds):
    """Downloads for `seconds` with `clients` sessions at a time; a Result."""
    return asyncio.run(_run(host, port, users, password, clients, seconds))


async def _download(host, port, user, password):
    session = await Session.open(host, port, user, password)
    try:
        return [await session.retr(n) for n in range(1, session.count + 1)]
    finally:
        await session.quit()


def download(host, port, user, password):
    """Every message of one maildrop, as RETR sent it (dot-stuffed)."""
    return asyncio.run(_download(host, port, user, password))
