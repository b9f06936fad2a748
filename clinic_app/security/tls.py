"""The unit relay's TLS certificate: made once at set-up, self-signed, and trusted by the
unit's desktops by its fingerprint alone (shown on both screens and typed or compared by a
person), never through a certificate authority.

The private key is kept in the relay's folder encrypted under a password derived from the
folder's database key (itself in the OS keyring), so a copy of the folder alone does not
give it away.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import ipaddress
import socket

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

YEARS = 10  # a unit's relay is not re-enrolled every year; the pin, not the date, is the trust


def make_certificate(*, name: str, password: bytes) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM encrypted under `password`) for this computer's
    names and addresses (a desktop pins the fingerprint, so a missing name is no hole)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _dt.datetime.now(_dt.timezone.utc)
    while len(name.encode("utf-8")) > 64:  # X.509 holds 64 bytes of a name (Thai letters take three)
        name = name[:-1]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name or "clinic-app relay")])
    alt: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    host = socket.gethostname()
    if host and host != "localhost":
        alt.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - _dt.timedelta(days=1))
            .not_valid_after(now + _dt.timedelta(days=365 * YEARS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(password))
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def key_opens(key_pem: bytes, password: bytes) -> bool:
    """The encrypted key opens under `password` (a relay's files made under another secret do not)."""
    try:
        serialization.load_pem_private_key(key_pem, password=password)
    except (ValueError, TypeError):
        return False
    return True


def fingerprint(cert_pem: bytes | str) -> str:
    """`SHA256:` and the certificate's SHA-256 in hex pairs (as a person reads and compares it)."""
    data = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    der = x509.load_pem_x509_certificate(data).public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest().upper()
    return "SHA256:" + ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def same_fingerprint(a: str, b: str) -> bool:
    """Fingerprints compared as a person types them (case, colons and spaces aside)."""
    def norm(text: str) -> str:
        text = text.strip().upper()
        text = text[7:] if text.startswith("SHA256:") else text
        return "".join(ch for ch in text if ch in "0123456789ABCDEF")
    return len(norm(a)) == 64 and norm(a) == norm(b)
