from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt

from clinic_app.hub.auth import ASSERTION_TYPE, Authority
from clinic_app.hub.storage import HubStore
from clinic_app.security.device import enrolment as device_enrolment
from clinic_app.services.installation import Installation
from tests.conftest import run_cli


def test_device_key_is_kept_secret_and_enrolls_at_the_hub(installation: Installation, tmp_path: Path) -> None:
    device = installation.device()
    assert installation.device().kid == device.kid  # the same key every time, from the keyring
    enrolment = device_enrolment(device, "12345")
    assert enrolment["client_id"] == f"clinic-app-{installation.installation_id}"
    [jwk] = enrolment["jwks"]["keys"]
    assert "d" not in jwk and jwk["alg"] == "ES384"
    assert b"PRIVATE KEY" not in installation.folder.marker_path.read_bytes()

    store = HubStore(tmp_path / "hub.sqlite")
    authority = Authority(store)
    authority.enroll(enrolment)
    url = "http://hub.test/auth/token"
    now = int(time.time())
    assertion = jwt.encode({"iss": device.client_id, "sub": device.client_id, "aud": url, "exp": now + 120,
                            "jti": uuid.uuid4().hex}, device.private_key_pem, algorithm="ES384",
                           headers={"kid": device.kid})
    token = authority.issue_token({"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                                   "client_assertion": assertion}, url)
    assert authority.caller_for(f"Bearer {token['access_token']}").hcode == "12345"
    store.close()


def test_device_key_command_prints_the_public_part(installation: Installation) -> None:
    installation.close()
    result = run_cli("--data-dir", str(installation.folder.path), "device-key")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"client_id", "hcode", "jwks"} and printed["hcode"] == "12345"
    assert "d" not in printed["jwks"]["keys"][0]
