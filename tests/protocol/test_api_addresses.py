"""The HTTP API's addresses (docs/api.md, "Addresses"): a user's addresses
and their main one, every address, forwarded addresses, and domain aliases,
which LMTP delivery and logins follow."""

import urllib.parse

import pytest

from api_client import ApiClient
from imap_support import lmtp_deliver, login, message, port_of
from lmtp_client import LmtpConnection

ADMIN = "admin-secret-token"


@pytest.fixture
def admin(custom_server, api_port):
    custom_server("--api-token", ADMIN, "--auth-failure-delay", "0",
                  "--default-domain", "example.test")
    client = ApiClient(api_port, token=ADMIN)
    yield client
    client.close()


def create(admin, username, **fields):
    reply = admin.post("/users", {"username": username, "password": "pw", **fields})
    assert reply.status == 200, reply
    return reply.json["id"]


def inbox_count(listener_args, user):
    imap = login(port_of(listener_args, "imap"), user, "pw")
    try:
        typ, count = imap.select("INBOX")
        assert typ == "OK"
        return int(count[0])
    finally:
        imap.logout()


def test_added_addresses_receive_mail_and_exactly_one_is_main(admin, listener_args):
    user = create(admin, "alice")
    made = admin.post(f"/users/{user}/addresses",
                      {"address": "Sales@Example.test", "name": "Sales", "tags": ["Team"]})
    assert made.status == 200, made
    sales = made.json["id"]
    listed = admin.get(f"/users/{user}/addresses").json["results"]
    assert [(a["address"], a["main"]) for a in listed] == [("alice@example.test", True),
                                                          ("sales@example.test", False)]
    one = admin.get(f"/users/{user}/addresses/{sales}").json
    assert (one["name"], one["tags"]) == ("Sales", ["team"])
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)], recipient=b"sales@example.test")
    assert inbox_count(listener_args, "alice") == 1

    main = listed[0]["id"]
    refused = admin.delete(f"/users/{user}/addresses/{main}")
    assert (refused.status, refused.json["code"]) == (400, "NotPermitted")
    assert admin.put(f"/users/{user}/addresses/{sales}", {"main": False}).status == 400
    assert admin.put(f"/users/{user}/addresses/{sales}", {"main": True}).status == 200
    assert admin.get(f"/users/{user}").json["address"] == "sales@example.test"
    assert admin.delete(f"/users/{user}/addresses/{main}").status == 200
    gone = admin.get(f"/users/{user}/addresses/{main}")
    assert (gone.status, gone.json["code"]) == (404, "AddressNotFound")
    taken = admin.post(f"/users/{create(admin, 'bob')}/addresses",
                       {"address": "sales@example.test"})
    assert (taken.status, taken.json["code"]) == (400, "AddressExistsError")


def test_another_users_address_id_is_not_found(admin, api_port):
    alice = create(admin, "alice")
    bob = create(admin, "bob")
    bobs = admin.get(f"/users/{bob}/addresses").json["results"][0]["id"]
    reply = admin.get(f"/users/{alice}/addresses/{bobs}")
    assert (reply.status, reply.json["code"]) == (404, "AddressNotFound")
    _, token = admin.authenticate("alice", "pw")
    client = ApiClient(api_port, token=token)
    try:
        assert client.get(f"/users/{bob}/addresses").status == 403
        own = client.get("/addresses").json
        assert [a["address"] for a in own["results"]] == ["alice@example.test"]
        assert own["results"][0]["user"] == alice
    finally:
        client.close()


def test_every_address_is_listed_with_query_tags_and_paging(admin):
    alice = create(admin, "alice")
    admin.post(f"/users/{alice}/addresses", {"address": "a2@example.test", "tags": ["x"]})
    admin.post("/addresses/forwarded", {"address": "list@example.test",
                                        "targets": ["out@elsewhere.test"], "tags": ["x"]})
    everything = admin.get("/addresses").json
    assert everything["total"] == 3
    kinds = {a["address"]: a["forwarded"] for a in everything["results"]}
    assert kinds == {"alice@example.test": False, "a2@example.test": False,
                     "list@example.test": True}
    tagged = admin.get("/addresses", {"tags": "x"}).json
    assert sorted(a["address"] for a in tagged["results"]) == ["a2@example.test",
                                                               "list@example.test"]
    assert admin.get("/addresses", {"query": "list"}).json["total"] == 1
    first = admin.get("/addresses", {"limit": 2}).json
    rest = admin.get("/addresses", {"limit": 2, "next": first["nextCursor"]}).json
    assert len(first["results"]) == 2 and len(rest["results"]) == 1
    assert rest["nextCursor"] is False


def test_forwarded_addresses_are_stored_changed_and_deleted(admin):
    made = admin.post("/addresses/forwarded",
                      {"address": "fwd@example.test", "name": "Fwd",
                       "targets": ["a@elsewhere.test", "smtp://mx.elsewhere.test:25"],
                       "forwards": 50})
    assert made.status == 200, made
    fid = made.json["id"]
    got = admin.get(f"/addresses/forwarded/{fid}").json
    assert got["targets"] == ["a@elsewhere.test", "smtp://mx.elsewhere.test:25"]
    assert got["limits"]["forwards"]["allowed"] == 50
    assert admin.post("/addresses/forwarded", {"address": "x@example.test",
                                               "targets": ["not a target"]}).status == 400
    assert admin.put(f"/addresses/forwarded/{fid}",
                     {"targets": ["b@elsewhere.test"], "forwardedDisabled": True}).status == 200
    got = admin.get(f"/addresses/forwarded/{fid}").json
    assert (got["targets"], got["forwardedDisabled"]) == (["b@elsewhere.test"], True)
    resolved = admin.get("/addresses/resolve/fwd@example.test").json
    assert resolved["id"] == fid and resolved["targets"] == ["b@elsewhere.test"]
    taken = admin.post(f"/users/{create(admin, 'carol')}/addresses",
                       {"address": "fwd@example.test"})
    assert taken.json["code"] == "AddressExistsError"
    assert admin.delete(f"/addresses/forwarded/{fid}").status == 200
    assert admin.get(f"/addresses/forwarded/{fid}").status == 404


def test_mail_and_logins_for_a_domain_alias_reach_the_domain(admin, listener_args):
    create(admin, "dave", address="dave@example.test")
    made = admin.post("/domainaliases", {"alias": "XN--BCHER-KVA.test", "domain": "Example.test"})
    assert made.status == 200, made
    alias = made.json["id"]
    got = admin.get(f"/domainaliases/{alias}").json
    assert (got["alias"], got["domain"]) == ("bücher.test", "example.test")
    assert admin.get("/domainaliases/resolve/" + urllib.parse.quote("bücher.test")).json["id"] == alias
    assert admin.get("/domainaliases/resolve/xn--bcher-kva.test").json["id"] == alias
    again = admin.post("/domainaliases", {"alias": "bücher.test", "domain": "other.test"})
    assert (again.status, again.json["code"]) == (400, "AliasExists")

    lmtp_deliver(port_of(listener_args, "lmtp"), [message(1)],
                 recipient="dave@bücher.test".encode())
    lmtp_deliver(port_of(listener_args, "lmtp"), [message(2)],
                 recipient=b"dave@xn--bcher-kva.test")
    assert inbox_count(listener_args, "dave") == 2
    assert admin.post("/authenticate", {"username": "dave@bücher.test",
                                        "password": "pw"}).status == 200
    resolved = admin.get("/addresses/resolve/" + urllib.parse.quote("dave@bücher.test")).json
    assert resolved["address"] == "dave@example.test"

    listed = admin.get("/domainaliases").json
    assert [a["alias"] for a in listed["results"]] == ["bücher.test"]
    assert admin.delete(f"/domainaliases/{alias}").status == 200
    gone = admin.get(f"/domainaliases/{alias}")
    assert (gone.status, gone.json["code"]) == (404, "AliasNotFound")
    lmtp = LmtpConnection(port_of(listener_args, "lmtp"))
    try:
        code, _ = lmtp.deliver(b"x@example.com", b"dave@xn--bcher-kva.test", message(3))
        assert code == 550
    finally:
        lmtp.close()
