"""LMTP load generator: N concurrent clients deliver a corpus for a fixed time.

One asyncio loop, raw sockets, one persistent connection per client (as an
MTA's connection cache does). Per message: MAIL FROM, RCPT TO and DATA sent
together (PIPELINING), three replies, then the message body, already
CRLF-normalised and dot-stuffed, and one reply. Every message is prepared once,
so both servers receive identical bytes and the generator only copies buffers.
Only 250 replies count; anything else stops the run with an error.
"""

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path

LINE_END = re.compile(rb"\r\n|\r|\n")
LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass
class Message:
    name: str
    size: int  # bytes of the message itself (CRLF-normalised, not dot-stuffed)
    wire: bytes  # dot-stuffed, ending with CRLF.CRLF


def prepare(raw, name=""):
    """The message as it goes over the wire: CRLF line ends, dot-stuffed."""
    body = LINE_END.sub(b"\r\n", raw)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return Message(name, len(body), LEADING_DOT.sub(b"..", body) + b".\r\n")


def load_corpus(folder):
    return [prepare(p.read_bytes(), p.name) for p in sorted(Path(folder).glob("*.eml"))]


class ReplyError(Exception):
    pass


async def read_reply(reader):
    """One (possibly multi-line) reply: (code, text of the last line)."""
    while True:
        line = await reader.readline()
        if not line:
            raise ReplyError("connection closed by server")
        if line[3:4] != b"-":
            return int(line[:3]), line[4:].rstrip(b"\r\n")


async def expect(reader, code, what):
    got, text = await read_reply(reader)
    if got != code:
        raise ReplyError(f"{what}: expected {code}, got {got} {text.decode('utf-8', 'replace')}")
    return text


class Session:
    """One LMTP connection, after the greeting and LHLO."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host, port):
        reader, writer = await asyncio.open_connection(host, port)
        await expect(reader, 220, "greeting")
        writer.write(b"LHLO loadgen.example.test\r\n")
        await expect(reader, 250, "LHLO")
        return cls(reader, writer)

    async def deliver(self, message, recipient):
        """Delivers to one recipient; returns the text of the final 250."""
        self.writer.write(
            b"MAIL FROM:<loadgen@example.test>\r\nRCPT TO:<%s>\r\nDATA\r\n" % recipient
        )
        await expect(self.reader, 250, "MAIL")
        await expect(self.reader, 250, "RCPT")
        await expect(self.reader, 354, "DATA")
        self.writer.write(message.wire)
        return await expect(self.reader, 250, f"end of data ({message.name})")

    async def close(self):
        try:
            self.writer.write(b"QUIT\r\n")
            await self.writer.drain()
            await asyncio.wait_for(read_reply(self.reader), 5)
        except (OSError, ReplyError, asyncio.TimeoutError):
            pass
        self.writer.close()


@dataclass
class Result:
    clients: int
    messages: int
    bytes: int
    seconds: float
    generator_cpu: float  # seconds of this process's CPU during the run
    probes: tuple = ()  # what probe() returned as the timed part began and ended

    @property
    def messages_per_s(self):
        return self.messages / self.seconds

    @property
    def mb_per_s(self):
        return self.bytes / self.seconds / 1e6


def spread(ports, clients):
    """The port of each of `clients` connections: `ports` (one port or a
    list, such as the nodes of a cluster) in turn."""
    ports = [ports] if isinstance(ports, int) else list(ports)
    return [ports[i % len(ports)] for i in range(clients)]


async def _run(host, port, corpus, recipients, clients, seconds, probe):
    sessions = await asyncio.gather(*(Session.open(host, p) for p in spread(port, clients)))
    counts = [0] * clients
    sizes = [0] * clients
    first = probe()
    start = time.monotonic()
    cpu_start = time.process_time()
    deadline = start + seconds

    async def client(index, session):
        # Each client walks the corpus and the recipients from its own offset,
        # so concurrent clients send different messages to different users.
        i = index * 7919
        while time.monotonic() < deadline:
            message = corpus[i % len(corpus)]
            await session.deliver(message, recipients[(i + index) % len(recipients)])
            counts[index] += 1
            sizes[index] += message.size
            i += 1

    try:
        await asyncio.gather(*(client(i, s) for i, s in enumerate(sessions)))
        elapsed = time.monotonic() - start
        cpu = time.process_time() - cpu_start
        last = probe()
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    return Result(clients, sum(counts), sum(sizes), elapsed, cpu, (first, last))


def run(host, port, corpus, recipients, clients, seconds, probe=lambda: None):
    """Delivers for `seconds` with `clients` connections; returns a Result.
    `port` may be a list: the connections take its ports in turn. probe()
    is called as the timed part begins and as it ends (after the
    connections opened, before they close), for readings such as CPU times
    that must cover only that part."""
    return asyncio.run(_run(host, port, corpus, recipients, clients, seconds, probe))


async def _accepted(host, port, corpus, recipient):
    session = await Session.open(host, port)
    ok = []
    try:
        for message in corpus:
            try:
                await session.deliver(message, recipient)
                ok.append(message)
            except ReplyError:
                await session.close()
                session = await Session.open(host, port)
    finally:
        await session.close()
    return ok


def accepted(host, port, corpus, recipient):
    """The messages of corpus the server accepts (one delivery of each)."""
    return asyncio.run(_accepted(host, port, corpus, recipient))
