"""The HTTP API's mailbox routes (issue 17): /users/:user/mailboxes, in
WildDuck's shapes, against a real server; what the API changes IMAP sees."""

import imaplib

import pytest

from imap_support import PASSWORD, USER, lmtp_deliver, message, port_of

BOB = "bob"


@pytest.fixture
def alice(api, account):
    """alice's user id (the IMAP tests' user)."""
    reply = api.post("/authenticate", {"username": USER, "password": PASSWORD})
    assert reply.status == 200, reply
    return reply.json["id"]


@pytest.fixture
def bob(api, cli):
    cli.add_user(BOB, "bobpass", addresses=["bob@example.test"])
    reply = api.post("/authenticate", {"username": BOB, "password": "bobpass"})
    assert reply.status == 200, reply
    return reply.json["id"]


def mailboxes(api, user, **query):
    reply = api.get(f"/users/{user}/mailboxes", query=query)
    assert reply.status == 200, reply
    assert reply.json["success"] is True
    return reply.json["results"]


def by_path(results):
    return {m["path"]: m for m in results}


def test_new_users_mailboxes_are_listed_inbox_first_with_wildducks_fields(api, alice):
    results = mailboxes(api, alice)
    assert results[0]["path"] == "INBOX"
    assert set(results[0]) == {"id", "name", "path", "specialUse", "modifyIndex", "subscribed",
                               "hidden"}
    found = by_path(results)
    assert set(found) == {"INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"}
    assert found["INBOX"]["specialUse"] is None
    assert found["Sent"]["specialUse"] == "\\Sent"
    assert found["Trash"]["name"] == "Trash"
    for m in results:
        assert len(m["id"]) == 24 and all(c in "0123456789abcdef" for c in m["id"])
        assert m["subscribed"] is True and m["hidden"] is False
    special = mailboxes(api, alice, specialUse="true")
    assert {m["path"] for m in special} == {"INBOX", "Drafts", "Sent", "Junk", "Trash", "Archive"}


def test_counters_and_sizes_follow_deliveries_and_flags(api, alice, listener_args):
    messages = [message(n) for n in range(3)]
    lmtp_deliver(port_of(listener_args, "lmtp"), messages)
    inbox = by_path(mailboxes(api, alice, counters="true", sizes="true"))["INBOX"]
    assert inbox["total"] == 3 and inbox["unseen"] == 3
    assert inbox["size"] > sum(len(m) for m in messages)  # plus the trace headers
    imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"))
    imap.login(USER, PASSWORD)
    imap.select("INBOX")
    imap.uid("STORE", "1", "+FLAGS", "(\\Seen)")
    imap.logout()
    one = api.get(f"/users/{alice}/mailboxes/{inbox['id']}")
    assert one.status == 200, one
    assert one.json["total"] == 3 and one.json["unseen"] == 2
    assert one.json["modifyIndex"] > inbox["modifyIndex"]


def test_create_get_and_resolve_by_path(api, alice, listener_args):
    created = api.post(f"/users/{alice}/mailboxes", {"path": "Projects/Eider"})
    assert created.status == 200, created
    assert set(created.json) == {"success", "id"}
    mailbox_id = created.json["id"]
    got = api.get(f"/users/{alice}/mailboxes/{mailbox_id}")
    assert got.status == 200, got
    assert got.json["path"] == "Projects/Eider" and got.json["name"] == "Eider"
    assert got.json["total"] == 0 and got.json["unseen"] == 0
    resolved = api.get(f"/users/{alice}/mailboxes/resolve", query={"path": "Projects/Eider"})
    assert resolved.status == 200 and resolved.json["id"] == mailbox_id
    missing = api.get(f"/users/{alice}/mailboxes/resolve", query={"path": "Nope"})
    assert missing.status == 404 and missing.json["code"] == "NoSuchMailbox"
    again = api.post(f"/users/{alice}/mailboxes", {"path": "Projects/Eider"})
    assert again.status == 400 and again.json["code"] == "ALREADYEXISTS"
    # IMAP sees it.
    imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"))
    imap.login(USER, PASSWORD)
    typ, listed = imap.list()
    imap.logout()
    assert any(b'"Projects/Eider"' in line or b" Projects/Eider" in line for line in listed)


def test_hidden_mailboxes_are_listed_only_when_asked_and_retention_is_kept(api, alice):
    created = api.post(f"/users/{alice}/mailboxes",
                       {"path": "Secret", "hidden": True, "retention": 86400000})
    assert created.status == 200, created
    assert "Secret" not in by_path(mailboxes(api, alice))
    shown = by_path(mailboxes(api, alice, showHidden="true"))["Secret"]
    assert shown["hidden"] is True and shown["retention"] == 86400000
    # A hidden mailbox cannot be renamed or deleted, as in WildDuck.
    renamed = api.put(f"/users/{alice}/mailboxes/{created.json['id']}", {"path": "Open"})
    assert renamed.status == 400 and renamed.json["code"] == "CANNOT"
    unhide = api.put(f"/users/{alice}/mailboxes/{created.json['id']}", {"hidden": False})
    assert unhide.status == 200, unhide
    assert by_path(mailboxes(api, alice))["Secret"]["retention"] == 86400000


def test_rename_moves_children_and_subscribe_is_seen_over_imap(api, alice, listener_args):
    parent = api.post(f"/users/{alice}/mailboxes", {"path": "Work"}).json["id"]
    child = api.post(f"/users/{alice}/mailboxes", {"path": "Work/Reports"}).json["id"]
    renamed = api.put(f"/users/{alice}/mailboxes/{parent}", {"path": "Job"})
    assert renamed.status == 200, renamed
    assert renamed.json == {"success": True}
    found = by_path(mailboxes(api, alice))
    assert found["Job"]["id"] == parent and found["Job/Reports"]["id"] == child
    assert "Work" not in found
    unsubscribed = api.put(f"/users/{alice}/mailboxes/{child}", {"subscribed": False})
    assert unsubscribed.status == 200, unsubscribed
    imap = imaplib.IMAP4("127.0.0.1", port_of(listener_args, "imap"))
    imap.login(USER, PASSWORD)
    _, lsub = imap.lsub()
    imap.logout()
    assert not any(b"Job/Reports" in line for line in lsub)
    assert any(b"Job" in line for line in lsub)
    taken = api.put(f"/users/{alice}/mailboxes/{child}", {"path": "INBOX"})
    assert taken.status == 400
    nothing = api.put(f"/users/{alice}/mailboxes/{child}", {})
    assert nothing.status == 400


def test_inbox_and_special_use_mailboxes_cannot_be_deleted(api, alice):
    found = by_path(mailboxes(api, alice))
    for path in ("INBOX", "Trash", "Sent"):
        reply = api.delete(f"/users/{alice}/mailboxes/{found[path]['id']}")
        assert reply.status == 400 and reply.json["code"] == "CANNOT", (path, reply)
    inbox_rename = api.put(f"/users/{alice}/mailboxes/{found['INBOX']['id']}", {"path": "Old"})
    assert inbox_rename.status == 400 and inbox_rename.json["code"] == "CANNOT"
    created = api.post(f"/users/{alice}/mailboxes", {"path": "Temporary"}).json["id"]
    assert api.delete(f"/users/{alice}/mailboxes/{created}").json == {"success": True}
    gone = api.get(f"/users/{alice}/mailboxes/{created}")
    assert gone.status == 404 and gone.json["code"] == "NoSuchMailbox"
    again = api.delete(f"/users/{alice}/mailboxes/{created}")
    assert again.status == 404


def test_path_limits_are_wildducks(api, alice):
    deep = "/".join(["d"] * 129)
    reply = api.post(f"/users/{alice}/mailboxes", {"path": deep})
    assert reply.status == 400 and reply.json["code"] == "CANNOT", reply
    long_level = api.post(f"/users/{alice}/mailboxes", {"path": "x" * 513})
    assert long_level.status == 400 and long_level.json["code"] == "CANNOT", long_level
    for bad in ("a//b", "a/"):
        reply = api.post(f"/users/{alice}/mailboxes", {"path": bad})
        assert reply.status == 400 and reply.json["code"] == "InputValidationError", (bad, reply)


def test_ids_that_do_not_exist_are_404(api, alice):
    fake = "0" * 8 + "7" * 16
    reply = api.get(f"/users/{alice}/mailboxes/{fake}")
    assert reply.status == 404 and reply.json["code"] == "NoSuchMailbox"
    reply = api.get(f"/users/{fake}/mailboxes")
    assert reply.status == 404 and reply.json["code"] == "UserNotFound"
    inbox = by_path(mailboxes(api, alice))["INBOX"]["id"]
    # The right key with another creation time is not the mailbox.
    forged = "ffffffff" + inbox[8:]
    assert api.get(f"/users/{alice}/mailboxes/{forged}").status == 404
    malformed = api.get(f"/users/{alice}/mailboxes/xyz")
    assert malformed.status in (400, 404)


def test_a_user_token_reaches_only_its_own_mailboxes(api, alice, bob):
    _, token = api.authenticate(BOB, "bobpass")
    as_bob = api.with_token(token)
    own = as_bob.get("/users/me/mailboxes")
    assert own.status == 200, own
    bob_inbox = by_path(own.json["results"])["INBOX"]["id"]
    alice_inbox = by_path(mailboxes(api, alice))["INBOX"]["id"]
    # Alice's user: refused before anything is looked up.
    for reply in (as_bob.get(f"/users/{alice}/mailboxes"),
                  as_bob.get(f"/users/{alice}/mailboxes/{alice_inbox}"),
                  as_bob.post(f"/users/{alice}/mailboxes", {"path": "Mine"}),
                  as_bob.delete(f"/users/{alice}/mailboxes/{alice_inbox}")):
        assert reply.status == 403, reply
        assert alice_inbox.encode() not in reply.body
    # Alice's mailbox under bob's own user: not found, as a missing one.
    reply = as_bob.get(f"/users/{bob}/mailboxes/{alice_inbox}")
    assert reply.status == 404 and reply.json["code"] == "NoSuchMailbox"
    reply = as_bob.put(f"/users/me/mailboxes/{alice_inbox}", {"subscribed": False})
    assert reply.status == 404
    assert as_bob.get(f"/users/me/mailboxes/{bob_inbox}").status == 200
    as_bob.close()
