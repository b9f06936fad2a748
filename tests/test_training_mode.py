"""Training mode: the app's embedded sandbox hub, seeded, with this desktop enrolled."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import jwt

from clinic_app.app import TrainingHub
from clinic_app.core.identifiers import TRAINING_HCODE
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import initialise


def test_training_hub_starts_seeded_with_this_desktop_enrolled(tmp_path: Path, keystore: KeyStore) -> None:
    inst = initialise(tmp_path / "data", hcode=TRAINING_HCODE, training=True, keys=keystore)
    hub = TrainingHub(inst, TRAINING_HCODE)
    try:
        store = inst.connect()
        assert store.settings.get("hub_url") == hub.url and store.settings.get("hub_auth") is True
        store.close()
        device = inst.device()
        token_url = hub.url.rsplit("/fhir", 1)[0] + "/auth/token"
        assertion = jwt.encode({"iss": device.client_id, "sub": device.client_id, "aud": token_url,
                                "exp": int(time.time()) + 120, "jti": uuid.uuid4().hex},
                               device.private_key_pem, algorithm="ES384", headers={"kid": device.kid})
        token = httpx.post(token_url, data={
            "grant_type": "client_credentials", "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}).json()
        orgs = httpx.get(hub.url + "/Organization", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
        assert TRAINING_HCODE in {e["resource"]["id"] for e in orgs["entry"]}
        assert len(orgs["entry"]) == 3
    finally:
        hub.stop()
        inst.forget_secrets()
        inst.close()
