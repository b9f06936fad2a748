"""The desktop's device identity for SMART Backend Services: an EC P-384 key pair.

Made at `init` (or on first use for older folders); the private key (PKCS#8 PEM) is kept
like the database key — in the OS keyring (entry `<installation>:device`) or wrapped by
the passphrase. `clinic-app device-key` prints the public part as
`{"client_id", "hcode", "jwks"}` for the hub to enroll.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from clinic_app.core.ports import DeviceIdentity
from clinic_app.security.keys import KeySpec, KeyStore, PassphraseSource

ALGORITHM = "ES384"


def public_jwk(identity: DeviceIdentity) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization  # loaded when a key is first used (issue 18)

    key = serialization.load_pem_private_key(identity.private_key_pem, password=None)
    numbers = key.public_key().public_numbers()  # type: ignore[union-attr]

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(n.to_bytes(48, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-384", "x": b64(numbers.x), "y": b64(numbers.y),
            "kid": identity.kid, "alg": ALGORITHM, "use": "sig"}


def enrolment(identity: DeviceIdentity, hcode: str) -> dict[str, Any]:
    """What the hub enrols: `clinic-app device-key` prints it."""
    return {"client_id": identity.client_id, "hcode": hcode, "jwks": {"keys": [public_jwk(identity)]}}


def client_id_for(installation_id: str) -> str:
    return f"clinic-app-{installation_id}"


def new_device_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _kid(pem: bytes) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem, password=None)
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(public).hexdigest()[:16]


def store_device_key(keys: KeyStore, label: str, pem: bytes, *, passphrase: PassphraseSource | None,
                     prefer_keyring: bool) -> KeySpec:
    return keys.store_secret(label, f"{label}:device", pem, passphrase=passphrase, prefer_keyring=prefer_keyring)


def load_device(keys: KeyStore, label: str, spec: KeySpec, *, passphrase: PassphraseSource | None) -> DeviceIdentity:
    pem = keys.load_secret(label, spec, passphrase=passphrase)
    return DeviceIdentity(client_id_for(label), _kid(pem), pem)

