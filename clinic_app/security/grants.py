"""Keys for records fetched from other facilities: one 256-bit key per grant (a consent or
an emergency access), kept outside the database (OS keyring entry
`<installation>:grant:<id>`, or passphrase-wrapped in the folder's marker), so a backup of
the database taken while the grant was active cannot read those records once the key is
destroyed at the grant's end. Records are sealed with AES-256-GCM, bound to their
type and id.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from clinic_app.core.errors import KeyMissingError
from clinic_app.security.keys import KeySpec, KeyStore, PassphraseSource

# Reads and writes the folder marker's "grants" map (spec per grant id).
MarkerAccess = tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], None]]


class GrantKeys:
    def __init__(self, keys: KeyStore, label: str, *, passphrase: PassphraseSource | None,
                 prefer_keyring: bool, marker: MarkerAccess) -> None:
        self.keys = keys
        self.label = label
        self.passphrase = passphrase
        self.prefer_keyring = prefer_keyring
        self._read_marker, self._write_marker = marker
        self._cache: dict[str, bytes] = {}

    def _specs(self) -> dict[str, KeySpec]:
        return dict(self._read_marker().get("grants", {}))

    def create(self, grant_id: str) -> None:
        if grant_id in self._specs():
            return
        key = os.urandom(32)
        spec = self.keys.store_secret(self.label, f"{self.label}:grant:{grant_id}", key,
                                      passphrase=self.passphrase, prefer_keyring=self.prefer_keyring)
        marker = self._read_marker()
        marker["grants"] = {**marker.get("grants", {}), grant_id: spec}
        self._write_marker(marker)
        self._cache[grant_id] = key

    def _key(self, grant_id: str) -> bytes:
        if grant_id not in self._cache:
            spec = self._specs().get(grant_id)
            if spec is None:
                raise KeyMissingError()
            self._cache[grant_id] = self.keys.load_secret(self.label, spec, passphrase=self.passphrase)
        return self._cache[grant_id]

    def seal(self, grant_id: str, aad: str, data: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # loaded when first used (issue 18)

        nonce = os.urandom(12)
        return nonce + AESGCM(self._key(grant_id)).encrypt(nonce, data, aad.encode())

    def open(self, grant_id: str, aad: str, sealed: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self._key(grant_id)).decrypt(sealed[:12], sealed[12:], aad.encode())
        except InvalidTag as exc:
            raise KeyMissingError() from exc

    def destroy(self, grant_id: str) -> None:
        """Forget the key for good: what it sealed can never be read again."""
        self._cache.pop(grant_id, None)
        marker = self._read_marker()
        spec = marker.get("grants", {}).get(grant_id)
        if spec is None:
            return
        self.keys.forget(self.label, spec)
        marker["grants"] = {k: v for k, v in marker["grants"].items() if k != grant_id}
        self._write_marker(marker)

    def exists(self, grant_id: str) -> bool:
        return grant_id in self._specs()
