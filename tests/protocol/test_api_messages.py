"""The HTTP API's message routes (issue 17): listing, the parsed message,
message.eml, attachments, upload, flags, move and delete, against a real
server, with IMAP and LMTP beside it."""

import base64
import email
import email.policy
import imaplib
import re
import socket

import pytest

from eider_harness import corpus_messages
from imap_support import PASSWORD, USER, lmtp_deliver, message, port_of

TIMEOUT = 60
DELIVERED = re.compile(rb"^2\.0\.0 <[^>]*> (\d+):(\d+) delivered to (.*); queue id \S+$")


class Lmtp:
    """A raw LMTP connection: BDAT delivers any bytes exactly."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.file = self.sock.makefile("rb")
        assert self.reply()[0] == 220
        self.sock.sendall(b"LHLO client.example\r\n")
        assert self.reply()[0] == 250

    def reply(self):
        lines = []
        while True:
            line = self.file.readline()
            assert line.endswith(b"\n"), line
            lines.append(line[4:].rstrip(b"\r\n"))
            if line[3:4] != b"-":
                return int(line[:3]), b"\n".join(lines)

    def deliver(self, data, recipient=b"alice@example.test"):
        self.sock.sendall(b"MAIL FROM:<corpus@example.org> BODY=BINARYMIME\r\nRCPT TO:<"
                          + recipient + b">\r\n" + b"BDAT %d LAST\r\n" % len(data) + data)
        assert self.reply()[0] == 250
        assert self.reply()[0] == 250
        code, text = self.reply()
        assert code == 250, text
        match = DELIVERED.match(text)
        assert match, text
        return match.group(3).decode(), int(match.group(2))

    def close(self):
        self.sock.close()


@pytest.fixture
def alice(api, account):
    reply = api.post("/authenticate", {"username": USER, "password": PASSWORD})
    assert reply.status == 200, reply
    return reply.json["id"]


def mailbox_ids(api, user):
    reply = api.get(f"/users/{user}/mailboxes")
    assert reply.status == 200, reply
    return {m["path"]: m["id"] for m in reply.json["results"]}


@pytest.fixture
def inbox(api, alice):
    return mailbox_ids(api, alice)["INBOX"]


def imap_login(listener_args):
    imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"), timeout=TIMEOUT)
    imap.login(USER, PASSWORD)
    return imap


def list_all(api, user, mailbox, **query):
    """Every result of a listing, following nextCursor."""
    out = []
    query = {"limit": 250, **query}
    while True:
        reply = api.get(f"/users/{user}/mailboxes/{mailbox}/messages", query=query)
        assert reply.status == 200, reply
        out += reply.json["results"]
        if reply.json["nextCursor"] is False:
            return out, reply.json
        query["next"] = reply.json["nextCursor"]


def test_the_whole_corpus_is_listed_and_downloaded_byte_for_byte(api, alice, cli,
                                                                  listener_args):
    paths = corpus_messages()
    assert len(paths) >= 256
    lmtp = Lmtp(port_of(listener_args, "lmtp"))
    # (mailbox, uid) -> file: delivery may file a message elsewhere than INBOX.
    filed = {lmtp.deliver(path.read_bytes()): path for path in paths}
    lmtp.close()
    assert len(filed) == len(paths)
    ids = mailbox_ids(api, alice)
    checked = 0
    for path_name in sorted({mailbox for mailbox, _ in filed}):
        mailbox = ids[path_name]
        results, last = list_all(api, alice, mailbox, order="asc")
        uids = sorted(uid for (name, uid) in filed if name == path_name)
        assert [r["id"] for r in results] == uids
        assert last["total"] == len(uids)
        base = f"/users/{alice}/mailboxes/{mailbox}/messages"
        for r in results:
            source = filed[(path_name, r["id"])]
            original = source.read_bytes()
            eml = api.get(f"{base}/{r['id']}/message.eml")
            assert eml.status == 200, (source.name, eml)
            assert eml.headers["content-type"].startswith("message/rfc822")
            assert eml.body.endswith(original), source.name
            assert eml.body.startswith(b"Return-Path: <corpus@example.org>"), source.name
            assert eml.body == cli.export(USER, r["id"], mailbox=path_name), source.name
            assert r["size"] == len(eml.body)
            parsed = api.get(f"{base}/{r['id']}")
            assert parsed.status == 200, (source.name, parsed)
            for attachment in parsed.json["attachments"]:
                got = api.get(f"{base}/{r['id']}/attachments/{attachment['id']}")
                assert got.status == 200, (source.name, attachment)
                assert len(got.body) == attachment["size"], (source.name, attachment)
            checked += 1
    assert checked == len(paths)


def test_listing_pages_both_ways_and_filters_unseen(api, alice, inbox, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(n) for n in range(7)])
    first = api.get(f"/users/{alice}/mailboxes/{inbox}/messages", query={"limit": 3})
    assert first.status == 200, first
    body = first.json
    assert body["total"] == 7 and body["page"] == 1 and body["previousCursor"] is False
    assert [r["id"] for r in body["results"]] == [7, 6, 5]
    item = body["results"][0]
    for field in ("id", "mailbox", "thread", "from", "to", "cc", "bcc", "subject", "date",
                  "idate", "intro", "attachments", "size", "seen", "deleted", "flagged",
                  "draft", "answered", "forwarded", "messageId"):
        assert field in item, field
    assert item["subject"] == "message 6" and item["from"]["address"] == "a@example.com"
    assert item["mailbox"] == inbox and item["seen"] is False
    assert item["date"] == "1994-02-08T05:52:25.000Z"
    second = api.get(f"/users/{alice}/mailboxes/{inbox}/messages",
                     query={"limit": 3, "next": body["nextCursor"]})
    assert [r["id"] for r in second.json["results"]] == [4, 3, 2]
    back = api.get(f"/users/{alice}/mailboxes/{inbox}/messages",
                   query={"limit": 3, "previous": second.json["previousCursor"]})
    assert [r["id"] for r in back.json["results"]] == [7, 6, 5]
    seen = api.put(f"/users/{alice}/mailboxes/{inbox}/messages", {"message": "1:4", "seen": True})
    assert seen.status == 200 and seen.json["updated"] == 4, seen
    unseen = api.get(f"/users/{alice}/mailboxes/{inbox}/messages",
                     query={"unseen": "true", "order": "asc"})
    assert [r["id"] for r in unseen.json["results"]] == [5, 6, 7]
    headers = api.get(f"/users/{alice}/mailboxes/{inbox}/messages",
                      query={"limit": 1, "includeHeaders": "message-id,subject"})
    assert headers.json["results"][0]["headers"] == {"subject": "message 6",
                                                     "message-id": "<m6@example.com>"}
    bad = api.get(f"/users/{alice}/mailboxes/{inbox}/messages", query={"limit": 251})
    assert bad.status == 400 and bad.json["code"] == "InputValidationError"


MULTIPART = (
    b"From: =?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.org>\r\n"
    b"To: alice@example.test, Bob <bob@example.org>\r\n"
    b"Subject: =?UTF-8?B?UmVwb3J0IOKAkyBRMw==?=\r\n"
    b"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    b"Message-ID: <report@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=XX\r\n"
    b"\r\n"
    b"--XX\r\n"
    b"Content-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Gr=FC=DFe\r\n"
    b"--XX\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>Hi</p>\r\n"
    b"--XX\r\n"
    b"Content-Type: application/octet-stream\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''d%C3%A4ta.bin\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    + base64.encodebytes(bytes(range(256)) * 40).replace(b"\n", b"\r\n")
    + b"--XX--\r\n")


def test_a_message_is_parsed_with_bodies_and_attachments_decoded(api, alice, inbox,
                                                                 listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [MULTIPART])
    reply = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/1")
    assert reply.status == 200, reply
    body = reply.json
    assert body["id"] == 1 and body["mailbox"] == inbox and body["user"] == alice
    assert body["from"] == {"name": "J\u00fcrgen", "address": "jurgen@example.org"}
    assert body["to"] == [{"name": "", "address": "alice@example.test"},
                          {"name": "Bob", "address": "bob@example.org"}]
    assert body["subject"] == "Report \u2013 Q3"
    assert body["messageId"] == "<report@example.org>"
    assert body["date"] == "2003-07-01T08:52:37.000Z"
    assert body["text"] == "Gr\u00fc\u00dfe"
    assert body["html"] == ["<p>Hi</p>"]
    assert body["seen"] is False
    assert any(h["key"] == "subject" and h["value"] == "Report \u2013 Q3"
               for h in body["headers"])
    [attachment] = body["attachments"]
    assert attachment["id"] == "ATT00001"
    assert attachment["filename"] == "d\u00e4ta.bin"
    assert attachment["contentType"] == "application/octet-stream"
    assert attachment["size"] == 256 * 40
    got = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/1/attachments/ATT00001")
    assert got.status == 200
    assert got.body == bytes(range(256)) * 40
    assert got.headers["content-type"] == "application/octet-stream"
    missing = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/1/attachments/ATT00002")
    assert missing.status == 404 and missing.json["code"] == "AttachmentNotFound"
    marked = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/1",
                     query={"markAsSeen": "true"})
    assert marked.json["seen"] is True
    listed = api.get(f"/users/{alice}/mailboxes/{inbox}/messages")
    assert listed.json["results"][0]["attachments"] is True


def test_flags_set_over_the_api_are_seen_over_imap_and_the_reverse(api, alice, inbox,
                                                                 listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1), message(2)])
    reply = api.put(f"/users/{alice}/mailboxes/{inbox}/messages/1",
                    {"seen": True, "flagged": True})
    assert reply.status == 200 and reply.json == {"success": True, "updated": 1}, reply
    imap = imap_login(listener_args)
    imap.select("INBOX")
    _, data = imap.uid("FETCH", "1:2", "(FLAGS)")
    flags = {int(re.search(rb"UID (\d+)", d).group(1)): d for d in data}
    assert b"\\Seen" in flags[1] and b"\\Flagged" in flags[1]
    assert b"\\Seen" not in flags[2]
    imap.uid("STORE", "2", "+FLAGS", "(\\Draft \\Answered $Forwarded)")
    imap.uid("STORE", "1", "-FLAGS", "(\\Flagged)")
    imap.logout()
    two = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/2").json
    assert (two["draft"], two["answered"], two["forwarded"], two["seen"]) == (True, True, True,
                                                                             False)
    one = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/1").json
    assert one["flagged"] is False and one["seen"] is True


def test_move_and_delete(api, alice, inbox, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(n) for n in range(4)])
    trash = mailbox_ids(api, alice)["Trash"]
    moved = api.put(f"/users/{alice}/mailboxes/{inbox}/messages/2", {"moveTo": trash})
    assert moved.status == 200, moved
    assert moved.json == {"success": True, "mailbox": trash, "id": [[2, 1]]}
    assert api.get(f"/users/{alice}/mailboxes/{inbox}/messages/2").status == 404
    assert api.get(f"/users/{alice}/mailboxes/{trash}/messages/1").json["subject"] == "message 1"
    bulk = api.put(f"/users/{alice}/mailboxes/{inbox}/messages",
                   {"message": "3,4", "moveTo": trash})
    assert bulk.json["id"] == [[3, 2], [4, 3]], bulk
    imap = imap_login(listener_args)
    _, status = imap.status("Trash", "(MESSAGES)")
    assert b"MESSAGES 3" in status[0]
    imap.logout()
    deleted = api.delete(f"/users/{alice}/mailboxes/{inbox}/messages/1")
    assert deleted.json == {"success": True}
    again = api.delete(f"/users/{alice}/mailboxes/{inbox}/messages/1")
    assert again.status == 404 and again.json["code"] == "MessageNotFound"
    emptied = api.delete(f"/users/{alice}/mailboxes/{trash}/messages")
    assert emptied.status == 200 and emptied.json["deleted"] == 3, emptied
    assert api.get(f"/users/{alice}/mailboxes/{trash}/messages").json["total"] == 0
    nothing = api.put(f"/users/{alice}/mailboxes/{inbox}/messages/99", {"seen": True})
    assert nothing.status == 404 and nothing.json["code"] == "MessageNotFound"


def test_upload_raw_bytes_like_imap_append(api, alice, inbox, listener_args):
    raw = message(9, subject="uploaded")
    reply = api.request("POST", f"/users/{alice}/mailboxes/{inbox}/messages", raw=raw,
                        content_type="message/rfc822")
    assert reply.status == 200, reply
    assert reply.json["message"]["mailbox"] == inbox and reply.json["message"]["size"] == len(raw)
    uid = reply.json["message"]["id"]
    eml = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{uid}/message.eml")
    assert eml.body == raw
    got = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{uid}").json
    assert got["seen"] is True  # unseen defaults to false, as WildDuck's
    as_text = api.post(f"/users/{alice}/mailboxes/{inbox}/messages",
                       {"raw": raw.decode(), "unseen": True, "flagged": True,
                        "date": "2020-01-02T03:04:05Z"})
    assert as_text.status == 200, as_text
    second = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{as_text.json['message']['id']}")
    assert second.json["seen"] is False and second.json["flagged"] is True
    assert second.json["idate"] == "2020-01-02T03:04:05.000Z"
    imap = imap_login(listener_args)
    imap.select("INBOX")
    _, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    imap.logout()
    assert data[0][1] == raw


def test_upload_a_json_message_composed_into_mime(api, alice, inbox):
    content = bytes(range(256)) * 3
    reply = api.post(f"/users/{alice}/mailboxes/{inbox}/messages", {
        "from": {"name": "Ärger Sender", "address": "sender@example.org"},
        "to": [{"name": "Alice", "address": "alice@example.test"}],
        "cc": [{"address": "carol@example.org"}],
        "subject": "Grüße aus Köln",
        "text": "Hallo – plain",
        "html": "<p>Hallo</p>",
        "headers": [{"key": "X-Custom", "value": "yes"}],
        "attachments": [{"filename": "blob.bin", "contentType": "application/x-test",
                         "content": base64.b64encode(content).decode()}],
    })
    assert reply.status == 200, reply
    uid = reply.json["message"]["id"]
    got = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{uid}").json
    assert got["from"] == {"name": "Ärger Sender", "address": "sender@example.org"}
    assert got["to"] == [{"name": "Alice", "address": "alice@example.test"}]
    assert got["cc"] == [{"name": "", "address": "carol@example.org"}]
    assert got["subject"] == "Grüße aus Köln"
    assert got["text"] == "Hallo – plain"
    assert got["html"] == ["<p>Hallo</p>"]
    assert [a["filename"] for a in got["attachments"]] == ["blob.bin"]
    assert any(h["key"] == "x-custom" and h["value"] == "yes" for h in got["headers"])
    attachment = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{uid}/attachments/ATT00001")
    assert attachment.body == content
    eml = api.get(f"/users/{alice}/mailboxes/{inbox}/messages/{uid}/message.eml").body
    parsed = email.message_from_bytes(eml, policy=email.policy.default)
    assert parsed["Subject"] == "Grüße aus Köln"
    assert parsed["Message-ID"] and parsed["Date"]
    injected = api.post(f"/users/{alice}/mailboxes/{inbox}/messages",
                        {"subject": "x\r\nBcc: evil@example.org", "text": "t"})
    assert injected.status == 400 and injected.json["code"] == "InputValidationError"
    own_field = api.post(f"/users/{alice}/mailboxes/{inbox}/messages",
                         {"headers": [{"key": "Content-Type", "value": "text/html"}]})
    assert own_field.status == 400


def test_upload_counts_against_the_quota(api, cli, server, listener_args):
    cli.ok("user", "add", "tiny", "--password", "pw", "--address", "tiny@example.test",
           "--quota", "100")
    user = api.post("/authenticate", {"username": "tiny", "password": "pw"}).json["id"]
    inbox = mailbox_ids(api, user)["INBOX"]
    reply = api.post(f"/users/{user}/mailboxes/{inbox}/messages",
                     {"subject": "big", "text": "x" * 500})
    assert reply.status == 403 and reply.json["code"] == "OverQuotaError", reply


def test_a_user_token_reaches_only_its_own_messages(api, alice, inbox, cli, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"), [MULTIPART])
    cli.add_user("bob", "bobpass", addresses=["bob@example.test"])
    bob, token = api.authenticate("bob", "bobpass")
    as_bob = api.with_token(token)
    bob_inbox = mailbox_ids(as_bob, "me")["INBOX"]
    base = f"/users/{alice}/mailboxes/{inbox}/messages"
    for reply in (as_bob.get(base), as_bob.get(f"{base}/1"), as_bob.get(f"{base}/1/message.eml"),
                  as_bob.get(f"{base}/1/attachments/ATT00001"),
                  as_bob.put(f"{base}/1", {"seen": True}), as_bob.delete(f"{base}/1"),
                  as_bob.post(base, {"subject": "s", "text": "t"})):
        assert reply.status == 403, reply
        assert b"Report" not in reply.body and b"jurgen" not in reply.body
    # Alice's mailbox id under bob's own user is no mailbox of his.
    for path in (f"/users/me/mailboxes/{inbox}/messages",
                 f"/users/me/mailboxes/{inbox}/messages/1",
                 f"/users/{bob}/mailboxes/{inbox}/messages/1/message.eml",
                 f"/users/{bob}/mailboxes/{inbox}/messages/1/attachments/ATT00001"):
        reply = as_bob.get(path)
        assert reply.status == 404 and reply.json["code"] == "NoSuchMailbox", (path, reply)
    # Moving into alice's mailbox is refused the same way.
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)], recipient=b"bob@example.test")
    reply = as_bob.put(f"/users/me/mailboxes/{bob_inbox}/messages/1", {"moveTo": inbox})
    assert reply.status == 404
    assert api.get(f"{base}/1").json["subject"] == "Report \u2013 Q3"
    assert as_bob.get(f"/users/me/mailboxes/{bob_inbox}/messages/1").status == 200
    as_bob.close()


def test_bad_message_ids_are_404_or_400(api, alice, inbox):
    base = f"/users/{alice}/mailboxes/{inbox}/messages"
    for path in (f"{base}/5", f"{base}/5/message.eml", f"{base}/5/attachments/ATT00001"):
        reply = api.get(path)
        assert reply.status == 404 and reply.json["code"] == "MessageNotFound", (path, reply)
    for path in (f"{base}/0", f"{base}/abc", f"{base}/1/attachments/logo.png"):
        assert api.get(path).status in (400, 404), path
    fake_box = "0" * 8 + "1" * 16
    reply = api.get(f"/users/{alice}/mailboxes/{fake_box}/messages")
    assert reply.status == 404 and reply.json["code"] == "NoSuchMailbox"


def test_search_across_mailboxes(api, alice, inbox, listener_args):
    lmtp_deliver(port_of(listener_args, "lmtp"),
                 [message(1, subject="Quarterly report"), message(2, subject="lunch"),
                  message(3, subject="Report draft", sender="boss@example.org"), MULTIPART])
    trash = mailbox_ids(api, alice)["Trash"]
    api.put(f"/users/{alice}/mailboxes/{inbox}/messages/3", {"moveTo": trash})
    found = api.get(f"/users/{alice}/search", query={"query": "report"})
    assert found.status == 200, found
    assert {(r["mailbox"], r["subject"]) for r in found.json["results"]} == {
        (inbox, "Quarterly report"), (trash, "Report draft"), (inbox, "Report \u2013 Q3")}
    assert found.json["total"] == 3
    searchable = api.get(f"/users/{alice}/search", query={"query": "report", "searchable": "true"})
    assert searchable.json["total"] == 2
    by_sender = api.get(f"/users/{alice}/search", query={"from": "BOSS@example"})
    assert [r["subject"] for r in by_sender.json["results"]] == ["Report draft"]
    with_files = api.get(f"/users/{alice}/search", query={"attachments": "true"})
    assert [r["subject"] for r in with_files.json["results"]] == ["Report \u2013 Q3"]
    big = api.get(f"/users/{alice}/search", query={"minSize": 5000})
    assert [r["subject"] for r in big.json["results"]] == ["Report \u2013 Q3"]
    paged = api.get(f"/users/{alice}/search", query={"limit": 2})
    assert paged.json["total"] == 4 and len(paged.json["results"]) == 2
    rest = api.get(f"/users/{alice}/search", query={"limit": 2, "next": paged.json["nextCursor"]})
    assert len(rest.json["results"]) == 2 and rest.json["nextCursor"] is False
    seen = {(r["mailbox"], r["id"]) for r in paged.json["results"] + rest.json["results"]}
    assert len(seen) == 4
    refused = api.get(f"/users/{alice}/search", query={"q": "from:x"})
    assert refused.status == 400
