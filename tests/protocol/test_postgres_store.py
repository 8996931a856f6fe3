"""The PostgreSQL store over the wire (issue 16): two `eider serve` nodes
on one private PostgreSQL (postgres_server.py), one running LMTP only and
one IMAP and POP3 only; and what the nodes answer while the database is
gone, and that they recover by themselves when it is back."""

import poplib

from cluster import deliver, nodes, pg, skip_without  # noqa: F401  (nodes, pg: fixtures)
from imap_support import PASSWORD, USER, login, message, ok

pytestmark = skip_without(postgres=True)


def test_a_message_delivered_on_one_node_is_read_on_the_other(nodes):
    _, a = nodes("a", "lmtp")
    _, b = nodes("b", "imap", "pop3")
    imap = login(b["imap"])
    assert ok(imap.select("INBOX")) == [b"0"]
    sent = message(1)
    code, text = deliver(a["lmtp"], sent)
    assert code == 250, text
    # NOOP reads the journal the other node wrote.
    ok(imap.noop())
    data = ok(imap.fetch("1", "(BODY.PEEK[])"))
    assert data[0][1].endswith(sent)
    ok(imap.store("1", "+FLAGS", "(\\Seen)"))
    imap.logout()
    pop = poplib.POP3("127.0.0.1", b["pop3"], timeout=30)
    pop.user(USER)
    pop.pass_(PASSWORD)
    assert pop.stat()[0] == 1
    pop.quit()


def test_without_the_database_lmtp_defers_and_imap_answers_unavailable(pg, nodes):
    _, a = nodes("a", "lmtp")
    _, b = nodes("b", "imap")
    imap = login(b["imap"])
    pg.stop()
    try:
        code, text = deliver(a["lmtp"], message(1))
        assert 400 <= code < 500, (code, text)
        typ, data = imap.select("INBOX")
        assert typ == "NO" and b"[UNAVAILABLE]" in data[0], (typ, data)
    finally:
        pg.start()
    # Both nodes recover by themselves: nothing was stored, then it is.
    code, text = deliver(a["lmtp"], message(2))
    assert code == 250, text
    assert ok(imap.select("INBOX")) == [b"1"]
    data = ok(imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"))
    assert b"message 2" in data[0][1]
    imap.logout()
