"""fetchmail (Debian's, a real POP3 client) downloads a 1,000-message INBOX
from Eider into an mbox, and every message in the mbox is compared with what
Eider stored.

The 1,000 messages are the corpus taken cyclically, each with a header of its
own (X-Fetchmail-Test: N) on top, CRLF line ends, delivered over LMTP by 8
connections at once. Eider puts its trace headers (Return-Path, Delivered-To,
Received) on top of each. So what Eider stored for message N is exactly
"trace headers + the bytes sent"; the test checks that for every message, and
checks 25 of them byte for byte against `eider export` as well.

fetchmail logs in with USER/PASS over plain TCP on loopback, fetches every
message (`fetchall`), and deletes them (no `keep`), so the INBOX must be empty
afterwards. Each message goes to an MDA, a shell command that appends it to
one mbox in mboxrd form: a "From " line, the message with every line that
matches ^>*From quoted by one more ">", then one empty line. mboxrd quoting is
reversible, so the test can take the mbox apart exactly.

What fetchmail does to a message on the way, as its manual says, and what the
test therefore undoes before comparing:
- it adds one Received header of its own, which it puts below the
  Return-Path and Delivered-To lines at the top of the message (here Eider's
  first two trace headers); the test removes exactly that one header field,
  in exactly that place, and it must say "with POP3 (fetchmail-...)";
- with an MDA it strips carriage returns (`stripcr` is on by default), so the
  mbox has LF line ends: the test compares with the stored bytes with CRLF
  turned into LF. The delivered messages have CRLF everywhere and no bare CR
  or LF, so that is a one-to-one mapping and the comparison stays exact;
- it drops every header line that starts with "From " (it takes such a line
  for an mbox envelope line; 27 corpus files open with one), and it ends a
  message that has no empty line with one: as_fetchmail_writes() applies the
  same two rules to the stored bytes;
- `no rewrite` stops it from rewriting addresses in the headers, and
  `bad-header accept` from refusing the corpus's malformed headers.
Nothing else may differ: not a byte added, dropped, or un-dot-stuffed wrongly.
"""

import os
import poplib
import re
import shutil
import subprocess
import threading

import pytest

from eider_harness import corpus_messages, port_of
from lmtp_client import LmtpConnection

MESSAGES = 1000
LMTP_CLIENTS = 8
EXPORT_SAMPLE = 25
USER = "fm"
PASSWORD = "fm-secret"
ADDRESS = b"fm@example.test"
SENDER = b"sender@example.test"
FETCHMAIL_TIMEOUT = 300

# What the delivery reply says: "2.0.0 <rcpt> UIDVALIDITY:UID delivered to MAILBOX; ..."
DELIVERED = re.compile(rb"^2\.0\.0 <[^>]*> (\d+):(\d+) delivered to (.*); queue id \S+$")
# Eider's trace headers, as they read with LF line ends.
TRACE = re.compile(
    rb"Return-Path: <%s>\n"
    rb"Delivered-To: %s\n"
    rb"Received: from [^\n]*\n"
    rb"\tby [^\n]* with LMTP id [^\n]*\n"
    rb"\tfor <%s>; [^\n]*\n" % (re.escape(SENDER), re.escape(ADDRESS), re.escape(ADDRESS))
)
# fetchmail's own Received header, which it inserts below the Return-Path and
# Delivered-To lines that open the message (Eider's first two trace headers).
FETCHMAIL_RECEIVED = re.compile(
    rb"(Return-Path: [^\n]*\nDelivered-To: [^\n]*\n)"
    rb"Received: from 127\.0\.0\.1 \[127\.0\.0\.1\]\n"
    rb"\tby [^\n]* with POP3 \(fetchmail-[^\n]*\n"
    rb"\tfor [^\n]*\n"
)
TEST_ID = re.compile(rb"^X-Fetchmail-Test: (\d+)\n", re.M)
FROM_LINE = b"From fetchmail@localhost Thu Jan  1 00:00:00 1970\n"


def crlf(raw):
    body = re.sub(rb"\r\n|\r|\n", b"\r\n", raw)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


def lf(data):
    assert b"\r" not in data.replace(b"\r\n", b""), "a bare CR would make CRLF->LF lossy"
    return data.replace(b"\r\n", b"\n")


def make_messages():
    """The 1,000 messages: the corpus cyclically, CRLF, one unique header each."""
    corpus = [crlf(p.read_bytes()) for p in corpus_messages()]
    assert corpus
    return [b"X-Fetchmail-Test: %d\r\n" % i + corpus[i % len(corpus)] for i in range(MESSAGES)]


def deliver_all(port, messages):
    """Delivers over LMTP_CLIENTS connections; returns {index: (mailbox, uid)}."""
    placed = {}
    errors = []

    def worker(first):
        try:
            conn = LmtpConnection(port)
            try:
                for i in range(first, len(messages), LMTP_CLIENTS):
                    code, text = conn.deliver(SENDER, ADDRESS, messages[i])
                    assert code == 250, f"message {i}: {code} {text!r}"
                    match = DELIVERED.match(text)
                    assert match, f"message {i}: not a delivery reply: {text!r}"
                    placed[i] = (match.group(3).decode(), int(match.group(2)))
            finally:
                conn.close()
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(LMTP_CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return placed


def as_fetchmail_writes(message):
    """A stored message (CRLF) as fetchmail hands it to the MDA.

    Three things differ, all fetchmail's doing: LF line ends; every line of
    the header that starts with "From " is dropped (fetchmail takes it for an
    mbox envelope line: 27 corpus files open with one, and one has an
    obsolete "From  : name" field); and a message with no empty line (all
    header) gets one at its end, where fetchmail ends the header it has read.
    """
    head, separator, body = lf(message).partition(b"\n\n")
    head = b"\n".join(line for line in head.split(b"\n") if not line.startswith(b"From "))
    return head + separator + body if separator else head + b"\n"


def split_mboxrd(data):
    """The messages of an mboxrd file written by the MDA below, unquoted."""
    assert data.startswith(FROM_LINE), data[:200]
    entries = data[len(FROM_LINE):].split(b"\n" + FROM_LINE)
    # Each entry ends with the message's own final LF; the last one still has
    # the empty line the MDA writes after every message.
    assert entries[-1].endswith(b"\n\n")
    entries[-1] = entries[-1][:-1]
    return [re.sub(rb"(?m)^>(>*From )", rb"\1", e) for e in entries]


@pytest.fixture
def fetchmail_bin():
    path = shutil.which("fetchmail")
    if path is None:
        pytest.fail("fetchmail is not installed: run scripts/setup")
    return path


def test_fetchmail_downloads_1000_messages_into_an_mbox(
        server, cli, listener_args, tmp_path, fetchmail_bin):
    cli.add_user(USER, PASSWORD, addresses=[ADDRESS.decode()])
    messages = make_messages()
    placed = deliver_all(port_of(listener_args, "lmtp"), messages)
    # Messages whose own headers say spam (two in the corpus) go to Junk.
    in_inbox = {i for i, (mailbox, _) in placed.items() if mailbox == "INBOX"}
    assert len(in_inbox) >= MESSAGES * 0.9, f"only {len(in_inbox)} of {MESSAGES} in INBOX"
    junk = set(placed) - in_inbox
    assert all(placed[i][0] == "Junk" for i in junk), {placed[i][0] for i in junk}

    # A sample of the stored bytes (eider export), read before fetchmail
    # deletes the messages.
    step = max(1, len(in_inbox) // EXPORT_SAMPLE)
    sample = {i: cli.export(USER, placed[i][1]) for i in sorted(in_inbox)[::step]}

    home = tmp_path / "fetchmail-home"
    home.mkdir()
    mbox = tmp_path / "inbox.mbox"
    # The MDA: one mboxrd entry per message (fetchmail runs it through sh).
    mda = (f"{{ echo '{FROM_LINE.decode().rstrip()}'; "
           f"sed 's/^>*From />&/'; echo; }} >> {mbox}")
    rcfile = home / "fetchmailrc"
    rcfile.write_text(
        "set no syslog\n"
        "set no bouncemail\n"
        f"poll 127.0.0.1 protocol pop3 port {port_of(listener_args, 'pop3')} "
        "auth password timeout 60 bad-header accept\n"
        f'  user "{USER}" there with password "{PASSWORD}" is root here\n'
        "  options fetchall no keep no rewrite sslproto '' no sslcertck\n"
        f'  mda "{mda}"\n'
    )
    os.chmod(rcfile, 0o600)
    env = dict(os.environ, HOME=str(home), FETCHMAILHOME=str(home), LC_ALL="C")
    result = subprocess.run(
        [fetchmail_bin, "--fetchmailrc", str(rcfile), "--nodetach", "--nosyslog", "--verbose",
         "--idfile", str(home / "fetchids")],
        env=env, capture_output=True, timeout=FETCHMAIL_TIMEOUT, cwd=tmp_path,
    )
    log = (result.stdout + result.stderr).decode("utf-8", "replace")
    (tmp_path / "fetchmail.log").write_text(log)
    assert result.returncode == 0, f"fetchmail exited {result.returncode}:\n{log[-3000:]}"

    downloaded = {}
    for entry in split_mboxrd(mbox.read_bytes()):
        received = FETCHMAIL_RECEIVED.match(entry)
        assert received, f"no fetchmail Received header where expected: {entry[:500]!r}"
        message = received.group(1) + entry[received.end():]
        ids = TEST_ID.findall(message)
        assert len(ids) == 1, message[:500]
        i = int(ids[0])
        assert i not in downloaded, f"message {i} downloaded twice"
        downloaded[i] = message
    assert set(downloaded) == in_inbox, (
        f"missing {sorted(in_inbox - set(downloaded))[:10]}, "
        f"unexpected {sorted(set(downloaded) - in_inbox)[:10]}; fetchmail said:\n"
        + "\n".join(line for line in log.splitlines() if "reading message" not in line)[-3000:]
    )

    # Every message: Eider's trace headers, then exactly the bytes sent.
    differ = []
    for i, message in sorted(downloaded.items()):
        trace = TRACE.match(message)
        assert trace, f"message {i}: no Eider trace headers: {message[:400]!r}"
        if message[trace.end():] != as_fetchmail_writes(messages[i]):
            differ.append(i)
    assert not differ, f"{len(differ)} messages differ: {differ[:20]}"

    # The sample against the stored bytes themselves.
    for i, stored in sample.items():
        assert downloaded[i] == as_fetchmail_writes(stored), f"message {i} (UID {placed[i][1]})"

    # fetchmail deleted what it downloaded (DELE, then QUIT): INBOX is empty.
    pop = poplib.POP3("127.0.0.1", port_of(listener_args, "pop3"), timeout=30)
    try:
        pop.user(USER)
        pop.pass_(PASSWORD)
        assert pop.stat() == (0, 0)
    finally:
        pop.quit()
