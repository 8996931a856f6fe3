"""The log an administrator reads, at the default level: one line per login
(failed ones too, with a reason and never the password), logout and
delivery (LMTP, `eider deliver`, IMAP APPEND), as docs/logging.md shows."""

import imaplib
import poplib
import re
import signal

import pytest

from imap_support import PASSWORD, TIMEOUT, USER, lmtp_deliver, message, port_of

WRONG = "wrong-password"


def fields(line):
    """The key=value fields of a log line (values unquoted)."""
    out = {}
    for key, quoted, plain in re.findall(r'(\S+?)=(?:"((?:[^"\\]|\\.)*)"|(\S*))', line):
        out[key] = quoted if quoted else plain
    return out


def stopped_log(server):
    """The server's log lines, once it stopped; no password in any."""
    assert server.stop(signal.SIGTERM) == 0
    _, err = server.communicate()
    lines = err.decode("utf-8", "replace").splitlines()
    for line in lines:
        assert PASSWORD not in line and WRONG not in line, line
    return lines


def events(lines, name):
    return [fields(line) for line in lines if f" event={name} " in line + " "]


def test_imap_login_logout_and_append_are_logged(account, server, listener_args):
    port = port_of(listener_args, "imap")
    bad = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        bad.login(USER, WRONG)
    bad.logout()
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    imap.login(USER, PASSWORD)
    typ, data = imap.append("INBOX", None, None, message(1))
    assert typ == "OK", data
    uid = re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1).decode()
    imap.logout()

    lines = stopped_log(server)
    logins = events(lines, "login")
    failed = [f for f in logins if f["result"] == "failed"]
    ok = [f for f in logins if f["result"] == "ok"]
    assert len(failed) == 1 and len(ok) == 1, logins
    assert (failed[0]["protocol"], failed[0]["user"], failed[0]["reason"]) == (
        "imap", USER, "Authentication failed")
    assert (ok[0]["peer"], ok[0]["tls"]) == ("127.0.0.1", "no")
    session = ok[0]["session"]
    assert events(lines, "delivery") == [
        {"event": "delivery", "protocol": "imap", "session": session, "user": USER,
         "mailbox": "INBOX", "uid": uid, "size": str(len(message(1))),
         "message-id": "<m1@example.com>"}]
    assert [(f["session"], f["user"], f["reason"]) for f in events(lines, "logout")] == [
        (session, USER, "logout")]


def test_lmtp_and_cli_deliveries_are_logged(account, server, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(7)])
    result = account.run("deliver", "--user", USER, input=message(8))
    assert result.returncode == 0, result.stderr
    cli_lines = events(result.stderr.decode().splitlines(), "delivery")
    assert len(cli_lines) == 1, result.stderr
    assert (cli_lines[0]["protocol"], cli_lines[0]["user"], cli_lines[0]["message-id"]) == (
        "cli", USER, "<m8@example.com>")
    assert cli_lines[0]["uid"] == result.stdout.decode().strip()

    delivered = events(stopped_log(server), "delivery")
    assert len(delivered) == 1, delivered
    line = delivered[0]
    assert (line["protocol"], line["user"], line["mailbox"], line["uid"]) == (
        "lmtp", USER, "INBOX", "1")
    assert line["message-id"] == "<m7@example.com>"
    assert line["size"] == str(len(message(7)))
    assert line["session"].isdigit() and line["session"] != "0"


def test_pop3_login_and_quit_are_logged(account, server, listener_args):
    pop = poplib.POP3("127.0.0.1", port_of(listener_args, "pop3"), timeout=TIMEOUT)
    pop.user(USER)
    pop.pass_(PASSWORD)
    pop.quit()
    lines = stopped_log(server)
    assert [(f["protocol"], f["user"], f["result"]) for f in events(lines, "login")] == [
        ("pop3", USER, "ok")]
    assert [(f["protocol"], f["reason"]) for f in events(lines, "logout")] == [
        ("pop3", "logout")]


def test_failed_login_of_an_unknown_user_is_logged(account, server, listener_args):
    imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"), timeout=TIMEOUT)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        imap.login("nobody-here", WRONG)
    imap.logout()
    logins = events(stopped_log(server), "login")
    assert [(f["user"], f["result"]) for f in logins] == [("nobody-here", "failed")]
