"""The certificate `eider serve` generates when no tls-cert is given: it
names the host, localhost, 127.0.0.1 and ::1 in subjectAltName, so a client
that checks names (getmail, NeoMutt, Python with check_hostname) accepts it
once it trusts the certificate."""

import signal
import socket
import ssl
import subprocess

import pytest

from eider_harness import Server
from imap_support import TIMEOUT, port_of


def served_certificate(port, name, cafile):
    """Connects to IMAPS as a client that checks `name` against the
    certificate; returns the peer certificate."""
    context = ssl.create_default_context(cafile=str(cafile))
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        with context.wrap_socket(sock, server_hostname=name) as tls:
            return tls.getpeercert()


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "::1", socket.gethostname()])
def test_generated_certificate_matches_local_names(server, data_dir, listener_args, name):
    cert = served_certificate(port_of(listener_args, "imaps"), name,
                              data_dir / "tls" / "cert.pem")
    names = set(cert["subjectAltName"])
    assert {("DNS", "localhost"), ("IP Address", "127.0.0.1")} <= names
    assert any(kind == "IP Address" and value in ("::1", "0:0:0:0:0:0:0:1")
               for kind, value in names)


def test_generated_certificate_refuses_other_names(server, data_dir, listener_args):
    with pytest.raises(ssl.SSLCertVerificationError):
        served_certificate(port_of(listener_args, "imaps"), "mail.example.org",
                           data_dir / "tls" / "cert.pem")


def test_old_generated_certificate_without_names_is_replaced(eider_bin, data_dir, tmp_path,
                                                             listener_args):
    """A certificate an older eider generated (CN only) is made again."""
    folder = data_dir / "tls"
    folder.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=old", "-days", "30", "-keyout", folder / "key.pem",
         "-out", folder / "cert.pem"],
        check=True, capture_output=True)
    srv = Server(eider_bin, ["--data", data_dir, *listener_args], cwd=tmp_path)
    try:
        assert srv.start()
        cert = served_certificate(port_of(listener_args, "imaps"), "localhost",
                                  folder / "cert.pem")
        assert ("DNS", "localhost") in cert["subjectAltName"]
        assert srv.stop(signal.SIGTERM) == 0
    finally:
        srv.kill()
