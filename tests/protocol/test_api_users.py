"""The HTTP API's /users routes (docs/api.md, "Users"): accounts created,
listed, changed, deleted and restored over the API, then used over LMTP and
IMAP; the same mail/users.h code `eider user` runs."""

import time

import pytest

from api_client import ApiClient
from imap_support import TIMEOUT, lmtp_deliver, login, message, port_of
from lmtp_client import LmtpConnection

ADMIN = "admin-secret-token"


@pytest.fixture
def admin(custom_server, api_port):
    """A server with an admin token, default-domain example.test and two
    mailboxes for new users; returns an admin client."""
    custom_server("--api-token", ADMIN, "--auth-failure-delay", "0",
                  "--default-domain", "example.test",
                  "--new-user-mailboxes", "INBOX, Sent Items:\\Sent")
    client = ApiClient(api_port, token=ADMIN)
    yield client
    client.close()


def create(admin, username, **fields):
    reply = admin.post("/users", {"username": username, "password": "pw-" + username, **fields})
    assert reply.status == 200, reply
    assert reply.json["success"] is True
    return reply.json["id"]


def test_a_user_made_over_the_api_receives_over_lmtp_and_reads_over_imap(admin, listener_args):
    user = create(admin, "Carol", address="Carol@Example.test", name="Carol C.", tags=["Staff"],
                  quota=1000000)
    assert len(user) == 24 and user == user.lower()
    # Ids sort in creation order: their first 8 characters are the time.
    assert abs(int(user[:8], 16) - time.time()) < 60
    got = admin.get(f"/users/{user}").json
    assert got["username"] == "carol"
    assert got["name"] == "Carol C."
    assert got["address"] == "carol@example.test"
    assert got["tags"] == ["staff"]
    assert got["limits"]["quota"] == {"allowed": 1000000, "used": 0}
    assert got["disabled"] is False and got["hasPasswordSet"] is True

    data = message(1)
    lmtp_deliver(port_of(listener_args, "lmtp"), [data], recipient=b"carol@example.test")
    imap = login(port_of(listener_args, "imap"), "carol", "pw-Carol")
    try:
        typ, listed = imap.list()
        assert typ == "OK"
        names = b" ".join(listed)
        assert b"Sent Items" in names and b"Drafts" not in names
        typ, count = imap.select("INBOX")
        assert count == [b"1"]
    finally:
        imap.logout()
    # Stored with the trace header LMTP adds.
    assert admin.get(f"/users/{user}").json["limits"]["quota"]["used"] > len(data)


def test_a_user_without_an_address_gets_one_at_the_default_domain(admin):
    user = create(admin, "dave")
    assert admin.get(f"/users/{user}").json["address"] == "dave@example.test"
    bare = create(admin, "erin", emptyAddress=True)
    assert admin.get(f"/users/{bare}").json["address"] == ""


def test_creation_refuses_taken_names_and_addresses_and_bad_input(admin):
    create(admin, "frank")
    taken = admin.post("/users", {"username": "FRANK", "password": "x"})
    assert (taken.status, taken.json["code"]) == (400, "UserExistsError")
    taken = admin.post("/users", {"username": "gina", "password": "x",
                                  "address": "frank@example.test"})
    assert (taken.status, taken.json["code"]) == (400, "AddressExistsError")
    for body in ({"username": "a b", "password": "x"}, {"password": "x"},
                 {"username": "x", "password": "x", "quota": -1},
                 {"username": "x", "password": "x", "unknown": 1},
                 {"username": "x", "password": "$6$bad", "hashedPassword": True}):
        reply = admin.post("/users", body)
        assert reply.status == 400, (body, reply)
        assert reply.json["code"] == "InputValidationError", (body, reply)


def test_an_imported_hash_logs_in_with_its_password(admin, listener_args):
    # sha512-crypt of "secret".
    hashed = ("$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y7"
              "7vwPZN.Pq.H91p5hVO1")
    create(admin, "hank", password=hashed, hashedPassword=True)
    login(port_of(listener_args, "imap"), "hank", "secret").logout()


def test_users_are_paged_with_cursors_and_filtered_by_query_and_tags(admin):
    ids = [create(admin, f"page{i}", tags=["even" if i % 2 == 0 else "odd", "all"])
           for i in range(5)]
    first = admin.get("/users", {"limit": 2}).json
    assert first["total"] == 5 and first["page"] == 1
    assert [u["id"] for u in first["results"]] == ids[:2]
    assert first["previousCursor"] is False
    second = admin.get("/users", {"limit": 2, "next": first["nextCursor"], "page": 2}).json
    assert [u["id"] for u in second["results"]] == ids[2:4]
    assert second["page"] == 2
    back = admin.get("/users", {"limit": 2, "previous": second["previousCursor"]}).json
    assert [u["id"] for u in back["results"]] == ids[:2]
    last = admin.get("/users", {"limit": 2, "next": second["nextCursor"]}).json
    assert [u["id"] for u in last["results"]] == ids[4:]
    assert last["nextCursor"] is False

    even = admin.get("/users", {"tags": "even"}).json
    assert [u["username"] for u in even["results"]] == ["page0", "page2", "page4"]
    both = admin.get("/users", {"requiredTags": "odd,all"}).json
    assert [u["username"] for u in both["results"]] == ["page1", "page3"]
    queried = admin.get("/users", {"query": "page3"}).json
    assert [u["username"] for u in queried["results"]] == ["page3"]
    by_address = admin.get("/users", {"query": "page4@example"}).json
    assert by_address["total"] == 1
    assert admin.get("/users", {"limit": 251}).status == 400
    assert admin.get("/users", {"next": "nonsense"}).status == 400


def test_put_changes_fields_and_a_new_password_revokes_the_other_tokens(admin, api_port):
    user = create(admin, "ivan", tags=["a"])
    reply = admin.put(f"/users/{user}", {"name": "Ivan I.", "tags": ["b", "c"], "quota": 500,
                                         "retention": 86400000})
    assert reply.status == 200, reply
    got = admin.get(f"/users/{user}").json
    assert (got["name"], got["tags"], got["retention"]) == ("Ivan I.", ["b", "c"], 86400000)
    assert got["limits"]["quota"]["allowed"] == 500

    _, first = admin.authenticate("ivan", "pw-ivan")
    _, second = admin.authenticate("ivan", "pw-ivan")
    caller = ApiClient(api_port, token=first)
    other = ApiClient(api_port, token=second)
    try:
        assert other.get("/users/me").status == 200
        wrong = caller.put("/users/me", {"existingPassword": "nope", "password": "new"})
        assert (wrong.status, wrong.json["code"]) == (403, "AuthFailed")
        changed = caller.put("/users/me", {"existingPassword": "pw-ivan", "password": "new-pw"})
        assert changed.status == 200, changed
        assert caller.get("/users/me").status == 200
        assert other.get("/users/me").status == 401
        assert admin.post("/authenticate", {"username": "ivan", "password": "new-pw"}).status == 200
        # A user may not disable themselves.
        assert caller.put("/users/me", {"disabled": True}).status == 403
    finally:
        caller.close()
        other.close()


def test_a_user_token_reaches_only_its_own_user(admin, api_port):
    mine = create(admin, "judy")
    theirs = create(admin, "kurt")
    _, token = admin.authenticate("judy", "pw-judy")
    client = ApiClient(api_port, token=token)
    try:
        assert client.get("/users/me").json["id"] == mine
        assert client.get(f"/users/{mine}").status == 200
        for method, path in (("GET", f"/users/{theirs}"), ("PUT", f"/users/{theirs}"),
                             ("DELETE", f"/users/{theirs}"), ("POST", "/users"),
                             ("GET", "/users/resolve/kurt")):
            reply = client.request(method, path, body={} if method in ("PUT", "POST") else None)
            assert reply.status == 403, (method, path, reply)
            assert theirs not in reply.body.decode()
        listed = client.get("/users").json
        assert [u["id"] for u in listed["results"]] == [mine]
    finally:
        client.close()


def test_delete_after_disables_until_restored(admin, listener_args):
    user = create(admin, "lena")
    later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    deleted = admin.delete(f"/users/{user}", {"deleteAfter": later})
    assert deleted.status == 200, deleted
    assert deleted.json["code"] == "TaskScheduled"
    assert deleted.json["deleteAfter"].startswith(later[:16])
    assert admin.get(f"/users/{user}").json["code"] == "UserNotFound"
    assert user not in [u["id"] for u in admin.get("/users").json["results"]]
    assert admin.post("/authenticate", {"username": "lena", "password": "pw-lena"}).status == 403
    lmtp = LmtpConnection(port_of(listener_args, "lmtp"))
    try:
        code, _ = lmtp.deliver(b"x@example.com", b"lena@example.test", message(1))
        assert code == 550
    finally:
        lmtp.close()

    restored = admin.post(f"/users/{user}/restore")
    assert restored.status == 200, restored
    assert restored.json["username"] == "lena"
    assert admin.get(f"/users/{user}").status == 200
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(2)], recipient=b"lena@example.test")
    assert admin.post(f"/users/{user}/restore").json["code"] == "UserNotFound"


def test_delete_now_removes_the_user(admin):
    user = create(admin, "mike")
    assert admin.delete(f"/users/{user}").status == 200
    reply = admin.get(f"/users/{user}")
    assert (reply.status, reply.json["code"]) == (404, "UserNotFound")
    # The name is free again, and the new user has a new id.
    assert create(admin, "mike") != user


def test_resolve_quota_reset_and_password_reset(admin, listener_args):
    user = create(admin, "nina", address="nina@example.test")
    assert admin.get("/users/resolve/NINA").json["id"] == user
    assert admin.get("/users/resolve/nina@example.test").json["id"] == user
    missing = admin.get("/users/resolve/nobody")
    assert (missing.status, missing.json["code"]) == (404, "UserNotFound")

    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)], recipient=b"nina@example.test")
    recount = admin.post(f"/users/{user}/quota/reset").json
    assert recount["storageUsed"] == recount["previousStorageUsed"] > len(message(1))

    fresh = admin.post(f"/users/{user}/password/reset").json["password"]
    assert len(fresh) == 16
    login(port_of(listener_args, "imap"), "nina", fresh).logout()


def test_ids_of_no_user_or_with_a_wrong_time_are_not_found(admin):
    user = create(admin, "olga")
    wrong_time = "00000000" + user[8:]
    for path in (f"/users/{wrong_time}", "/users/0123456789abcdef01234567"):
        reply = admin.get(path)
        assert (reply.status, reply.json["code"]) == (404, "UserNotFound")
    assert admin.get("/users/nothex").status == 400
