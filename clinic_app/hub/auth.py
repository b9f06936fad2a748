"""SMART Backend Services for the sandbox hub: enrolled desktops, signed client
assertions, short-lived bearer tokens, and break-the-glass tokens.

A desktop is enrolled for one facility (hcode) with its public keys (a JWKS). To get a
token it signs a JWT (iss = sub = client_id, aud = the token URL, exp within five
minutes, a fresh jti) with its private key (ES384 or RS384) and posts it as
`client_assertion` with `grant_type=client_credentials`. The hub checks the signature
against the enrolled keys, refuses a replayed jti, and answers with an opaque bearer
token (five minutes). Only a hash of each token is kept.

Break-the-glass: the same request with `purpose_of_use=BTG`, `patient_identifier` (the
citizen ID) and a written `reason` gets a token that may read that one patient's records
for fifteen minutes; the caller records it (AuditEvent) through `on_break_glass`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from clinic_app.core.thai import is_valid_cid, is_valid_hcode
from clinic_app.hub.errors import HubError
from clinic_app.hub.storage import HubStore

ALGORITHMS = ["ES384", "RS384"]
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_SECONDS = 300
BTG_SECONDS = 900
MIN_BTG_REASON = 20


@dataclass(frozen=True)
class Caller:
    """Who makes a request. hcode None: the hub runs without auth (no facility rules)."""

    client_id: str | None
    hcode: str | None
    btg_cid: str | None = None

    @property
    def enforced(self) -> bool:
        return self.hcode is not None


ANONYMOUS = Caller(None, None)


def _oauth_error(status: int, error: str, description: str) -> HubError:
    exc = HubError(status, description, code="security" if status in (401, 403) else "invalid")
    exc.oauth = {"error": error, "error_description": description}  # type: ignore[attr-defined]
    return exc


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authority:
    def __init__(self, store: HubStore, *, required: bool = True,
                 on_break_glass: Callable[[Caller, str, str], None] | None = None) -> None:
        self.store = store
        self.required = required
        self.on_break_glass = on_break_glass

    # -- enrolment -----------------------------------------------------------------------

    def enroll(self, enrolment: Any) -> dict[str, Any]:
        """Register a desktop from `clinic-app device-key` output: client_id, hcode, jwks."""
        if not isinstance(enrolment, dict):
            raise HubError(400, "enrolment must be a JSON object with client_id, hcode and jwks", code="invalid")
        client_id, hcode, jwks = enrolment.get("client_id"), enrolment.get("hcode"), enrolment.get("jwks")
        if not isinstance(client_id, str) or not client_id or len(client_id) > 200:
            raise HubError(400, "client_id is missing", code="invalid", expression=["client_id"])
        if not isinstance(hcode, str) or not is_valid_hcode(hcode):
            raise HubError(400, "hcode must be a 5 or 9 digit facility code", code="invalid", expression=["hcode"])
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(keys, list) or not keys:
            raise HubError(400, "jwks must hold at least one public key", code="invalid", expression=["jwks"])
        for key in keys:
            try:
                parsed = jwt.PyJWK(key)
            except (jwt.PyJWKError, jwt.InvalidKeyError, TypeError, ValueError) as exc:
                raise HubError(400, f"a key in jwks is not usable ({type(exc).__name__})", code="invalid",
                               expression=["jwks"]) from exc
            if "d" in key or parsed.algorithm_name not in ALGORITHMS:
                raise HubError(400, "jwks must hold public ES384 or RS384 keys only", code="invalid",
                               expression=["jwks"])
        record = {"client_id": client_id, "hcode": hcode, "jwks": {"keys": keys},
                  "enrolled_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        self.store.set_kv(f"client:{client_id}", record)
        return {"client_id": client_id, "hcode": hcode}

    def clients(self) -> list[dict[str, Any]]:
        return [{"client_id": v["client_id"], "hcode": v["hcode"]} for v in self.store.all_kv("client:").values()]

    # -- tokens ------------------------------------------------------------------------------

    def issue_token(self, form: dict[str, str], token_url: str) -> dict[str, Any]:
        if form.get("grant_type") != "client_credentials":
            raise _oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise _oauth_error(400, "invalid_request", "a signed client_assertion (private_key_jwt) is required")
        assertion = form["client_assertion"]
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as exc:
            raise _oauth_error(401, "invalid_client", "the client assertion is not a JWT") from exc
        client_id = unverified.get("iss")
        record = self.store.get_kv(f"client:{client_id}") if isinstance(client_id, str) else None
        if record is None:
            raise _oauth_error(401, "invalid_client", "this desktop is not enrolled at the hub")
        if header.get("alg") not in ALGORITHMS:
            raise _oauth_error(401, "invalid_client", "the assertion must be signed with ES384 or RS384")
        claims = self._verify(assertion, header, record, token_url)
        jti_key = f"jti:{client_id}:{claims['jti']}"
        if self.store.get_kv(jti_key) is not None:
            raise _oauth_error(401, "invalid_client", "this client assertion was used before (replay)")
        self.store.set_kv(jti_key, claims["exp"])
        self.store.set_kv(f"seen:{client_id}", _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
        caller = Caller(client_id, record["hcode"])
        seconds = TOKEN_SECONDS
        if form.get("purpose_of_use") == "BTG":
            caller = self._break_glass(caller, form)
            seconds = BTG_SECONDS
        token = secrets.token_urlsafe(32)
        self.store.set_kv(f"token:{_hash(token)}", {"client_id": client_id, "hcode": caller.hcode,
                                                     "btg_cid": caller.btg_cid, "exp": time.time() + seconds})
        scope = "system/*.read system/*.write" + (" btg" if caller.btg_cid else "")
        return {"access_token": token, "token_type": "bearer", "expires_in": seconds, "scope": scope}

    def _verify(self, assertion: str, header: dict[str, Any], record: dict[str, Any], token_url: str) -> dict[str, Any]:
        keys = record["jwks"]["keys"]
        kid = header.get("kid")
        candidates = [k for k in keys if kid is None or k.get("kid") == kid] or keys
        last: Exception | None = None
        for key in candidates:
            try:
                claims = jwt.decode(assertion, jwt.PyJWK(key).key, algorithms=ALGORITHMS, audience=token_url,
                                    issuer=record["client_id"], leeway=30,
                                    options={"require": ["exp", "iss", "sub", "aud", "jti"]})
            except jwt.PyJWTError as exc:
                last = exc
                continue
            if claims["sub"] != record["client_id"]:
                raise _oauth_error(401, "invalid_client", "sub must equal iss (the client_id)")
            if claims["exp"] - time.time() > TOKEN_SECONDS + 30:
                raise _oauth_error(401, "invalid_client", "the assertion may live five minutes at most")
            return claims
        raise _oauth_error(401, "invalid_client", f"the client assertion does not verify ({type(last).__name__})")

    def _break_glass(self, caller: Caller, form: dict[str, str]) -> Caller:
        cid = form.get("patient_identifier", "").split("|")[-1]
        reason = form.get("reason", "").strip()
        if not is_valid_cid(cid):
            raise _oauth_error(400, "invalid_request", "break-the-glass needs the patient's citizen ID")
        if len(reason) < MIN_BTG_REASON:
            raise _oauth_error(400, "invalid_request",
                               f"break-the-glass needs a written reason of at least {MIN_BTG_REASON} characters")
        btg = Caller(caller.client_id, caller.hcode, btg_cid=cid)
        if self.on_break_glass is not None:
            self.on_break_glass(btg, cid, reason)
        return btg

    def caller_for(self, authorization: str | None) -> Caller:
        if not self.required:
            return ANONYMOUS
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HubError(401, "a bearer token is needed: get one at the token endpoint named in "
                                ".well-known/smart-configuration", code="login",
                           headers={"WWW-Authenticate": 'Bearer realm="health-link-sandbox"'})
        record = self.store.get_kv(f"token:{_hash(authorization[7:].strip())}")
        if record is None or record["exp"] < time.time():
            raise HubError(401, "the bearer token is unknown or has expired: get a new one", code="expired",
                           headers={"WWW-Authenticate": 'Bearer realm="health-link-sandbox", error="invalid_token"'})
        return Caller(record["client_id"], record["hcode"], record.get("btg_cid"))

    def smart_configuration(self, token_url: str) -> dict[str, Any]:
        return {
            "token_endpoint": token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
            "grant_types_supported": ["client_credentials"],
            "scopes_supported": ["system/*.read", "system/*.write"],
            "capabilities": ["client-confidential-asymmetric", "permission-v2"],
            "extension_break_the_glass": {"purpose_of_use": "BTG", "params": ["patient_identifier", "reason"]},
        }

