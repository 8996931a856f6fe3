"""A small HTTP client for the API tests (http.client, standard library
only): JSON in and out, the admin or a user token, and raw requests for the
tests that speak HTTP badly on purpose.

    api = ApiClient(port, token="secret")
    reply = api.get("/users/me")         # Reply(status, headers, body, json)
    assert reply.status == 200 and reply.json["success"] is True
"""

import http.client
import json
import socket
import urllib.parse


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body  # bytes
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.body.decode("utf-8"))
        return self._json

    def __repr__(self):
        return f"Reply({self.status}, {self.body[:300]!r})"


class ApiClient:
    """One keep-alive connection to the API on 127.0.0.1:port; reconnects
    when the server closed it."""

    def __init__(self, port, token=None, host="127.0.0.1", timeout=30):
        self.port = port
        self.host = host
        self.token = token
        self.timeout = timeout
        self.conn = None

    def _connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self.conn

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def with_token(self, token):
        """Another client on the same port, with another token (None: none)."""
        return ApiClient(self.port, token=token, host=self.host, timeout=self.timeout)

    def request(self, method, path, body=None, query=None, token=..., headers=None, raw=None,
                content_type=None):
        """Sends one request. body is JSON-encoded (raw: bytes sent as they
        are); query a dict or list of pairs; token=... uses the client's."""
        if query:
            path += "?" + urllib.parse.urlencode(query, doseq=True)
        sent = {}
        token = self.token if token is ... else token
        if token is not None:
            sent["X-Access-Token"] = token
        data = None
        if raw is not None:
            data = raw
            sent["Content-Type"] = content_type or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body).encode("utf-8")
            sent["Content-Type"] = content_type or "application/json"
        sent.update(headers or {})
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.request(method, path, body=data, headers=sent)
                response = conn.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server closed meanwhile.
                self.close()
                if attempt == 1:
                    raise
                continue
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                          payload)
            if response.will_close:
                self.close()
            return reply

    def get(self, path, query=None, **kw):
        return self.request("GET", path, query=query, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body if body is not None else {}, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body=body if body is not None else {}, **kw)

    def delete(self, path, query=None, **kw):
        return self.request("DELETE", path, query=query, **kw)

    def authenticate(self, username, password, **fields):
        """POST /authenticate with token: true; returns (user id, token)."""
        reply = self.post("/authenticate",
                          {"username": username, "password": password, "token": True, **fields})
        assert reply.status == 200, reply
        return reply.json["id"], reply.json["token"]


def raw_exchange(port, data, read_until_close=True, timeout=10):
    """Sends bytes on a new connection and returns what comes back (until
    the server closes, or the first read when read_until_close is False)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return b"".join(chunks)


def split_responses(data):
    """Splits a byte stream of HTTP/1.1 responses (Content-Length framed)
    into ([(status, headers, body), ...], the bytes of an incomplete one)."""
    out = []
    while data:
        head_end = data.find(b"\r\n\r\n")
        if head_end < 0:
            break
        lines = data[:head_end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        end = head_end + 4 + length
        if len(data) < end:
            break
        out.append((status, headers, data[head_end + 4:end]))
        data = data[end:]
    return out, data


def parse_responses(data):
    """The complete responses in a byte stream (split_responses)."""
    return split_responses(data)[0]
