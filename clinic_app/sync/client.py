"""HTTP to the hub: one httpx client with SMART Backend Services tokens, retries with
exponential backoff and jitter (honouring Retry-After), and TLS checks.

What is retried: connection failures, timeouts, resets, truncated or unreadable bodies,
5xx and 429. The requests the sync engine makes are all safe to repeat (reads, and
transaction Bundles of PUTs with client ids, which the hub recognises when resent).
401: the token is renewed once; a second 401 is an authentication failure.
Plain http is refused except to this computer (loopback), training mode's case.

`CLINIC_APP_RETRY_SCALE` (a positive number, default 1) multiplies the waits between
retries: tests set it to 0.01 so that a `clinic-app sync` child process facing an
unreachable hub gives up in milliseconds instead of seconds. The number of attempts stays.
"""

from __future__ import annotations

import email.utils
import gzip
import logging
import math
import os
import random
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt

from clinic_app.core.ports import DeviceIdentity
from clinic_app.sync.errors import (
    HubAuthError,
    HubCertificateError,
    HubRefusedError,
    HubUnreachableError,
    InsecureHubError,
)

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RETRY_STATUSES = {429, 500, 502, 503, 504}
GZIP_FROM = 1024  # bytes: a smaller body gains too little from compression
RETRY_SCALE_ENV = "CLINIC_APP_RETRY_SCALE"


@dataclass
class RetryPolicy:
    attempts: int = 6
    base_seconds: float = 0.5
    cap_seconds: float = 20.0

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        """The default policy, its waits multiplied by $CLINIC_APP_RETRY_SCALE when that is a
        positive number (anything else is ignored, with a warning)."""
        policy = cls()
        value = os.environ.get(RETRY_SCALE_ENV)
        if not value:
            return policy
        try:
            scale = float(value)
        except ValueError:
            scale = math.nan
        if not (math.isfinite(scale) and scale > 0):
            log.warning("%s=%r is not a positive number; ignored", RETRY_SCALE_ENV, value)
            return policy
        return cls(attempts=policy.attempts, base_seconds=policy.base_seconds * scale,
                   cap_seconds=policy.cap_seconds * scale)

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None) -> float:
        """Full jitter: a random wait up to base * 2^attempt (capped), or the server's word."""
        if retry_after is not None:
            return min(self.cap_seconds, max(0.0, retry_after))
        return rng.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** attempt))


@dataclass(frozen=True)
class Capability:
    """What the server says it can do (its CapabilityStatement), with safe defaults."""

    transactions: bool = True
    max_bundle_entries: int | None = None
    everything: bool = False
    tag_search: bool = True
    history_system: bool = False
    gzip_requests: bool = False  # it said it takes gzip request bodies (the sandbox hub does)
    batch: bool = False  # it takes batch Bundles: one request carries the pull's searches
    source_not: bool = False  # it said `_source:not=URI` leaves out the versions that URI wrote

    @classmethod
    def of(cls, statement: dict[str, Any]) -> Capability:
        rest = (statement.get("rest") or [{}])[0]
        codes = {i.get("code") for i in rest.get("interaction", []) or []}
        resources = {r.get("type"): r for r in rest.get("resource", []) or []}
        patient = resources.get("Patient", {})
        limit = next((e.get("valueInteger") for e in statement.get("extension", []) or []
                      if str(e.get("url", "")).endswith("max-bundle-entries")), None)
        params = {p.get("name") for r in resources.values() for p in r.get("searchParam", []) or []}
        return cls(
            transactions="transaction" in codes,
            max_bundle_entries=limit,
            everything=any(o.get("name") == "everything" for o in patient.get("operation", []) or []),
            tag_search="_tag" in params,
            history_system="history-system" in codes,
            batch="batch" in codes,
            gzip_requests=_says(statement, "gzip-requests"),
            source_not=_says(statement, "source-not") and "_source" in params,
        )


def _says(statement: dict[str, Any], name: str) -> bool:
    """The CapabilityStatement carries the sandbox hub's extension `name`, set to true."""
    return any(str(e.get("url", "")).endswith(f"/{name}") and e.get("valueBoolean") is True
               for e in statement.get("extension", []) or [])


def check_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1", "::1"):
        return
    raise InsecureHubError()


@dataclass
class HubClient:
    base_url: str
    identity: DeviceIdentity | None = None
    auth: bool = True
    verify: bool | str | ssl.SSLContext = True
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None
    token_extra: dict[str, str] = field(default_factory=dict)  # e.g. break-the-glass purpose and reason
    bytes_received: int = 0  # answers as they came on the wire (compressed where they were)
    bytes_sent: int = 0  # request bodies as sent (compressed where they were)
    requests: int = 0  # HTTP requests sent (retries and token requests included)
    server_date: str | None = None
    gzip_requests: bool = False  # set from the CapabilityStatement; a 415 turns it off again
    token_url: str | None = None  # the SMART token endpoint, when already known (kept between syncs)

    def __post_init__(self) -> None:
        check_url(self.base_url)
        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.Client(timeout=self.timeout, verify=tls_verify(self.verify), transport=self.transport,
                                  headers={"Accept": FHIR_JSON, "Accept-Encoding": "gzip"})
        self._token: str | None = None
        self._token_expiry = 0.0
        self._lock = threading.Lock()  # the pull's fetcher threads share this client
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # -- auth ---------------------------------------------------------------------------

    def _bearer(self, *, renew: bool = False) -> dict[str, str]:
        if not self.auth:
            return {}
        if self.identity is None:
            raise HubAuthError("this desktop has no device key")
        with self._token_lock:  # one token request when several fetchers need one at once
            if renew or self._token is None or time.time() > self._token_expiry - 30:
                self._token, lifetime = self._fetch_token()
                self._token_expiry = time.time() + lifetime
            return {"Authorization": f"Bearer {self._token}"}

    def _discover_token_url(self) -> str:
        conf = self._send("GET", f"{self.base_url}/.well-known/smart-configuration")
        if conf.status_code != 200:
            raise HubAuthError(f"no SMART configuration (HTTP {conf.status_code})")
        return str(conf.json()["token_endpoint"])

    def _fetch_token(self) -> tuple[str, float]:
        assert self.identity is not None
        known = self.token_url is not None
        if self.token_url is None:
            self.token_url = self._discover_token_url()
        detail = "no answer"
        for _ in range(3):
            # A fresh assertion each time: if the hub's answer was lost after it recorded the
            # assertion's jti, resending the same one would be refused as a replay.
            now = int(time.time())
            assertion = jwt.encode({"iss": self.identity.client_id, "sub": self.identity.client_id,
                                    "aud": self.token_url, "exp": now + 240, "jti": uuid.uuid4().hex},
                                   self.identity.private_key_pem, algorithm="ES384",
                                   headers={"kid": self.identity.kid})
            form = {"grant_type": "client_credentials", "scope": "system/*.read system/*.write",
                    "client_assertion_type": ASSERTION_TYPE, "client_assertion": assertion, **self.token_extra}
            r = self._send("POST", self.token_url, data=form)
            if known and r.status_code in (301, 302, 307, 308, 404, 405):
                # the endpoint kept from an earlier sync has moved: ask the server again, once
                known, self.token_url = False, self._discover_token_url()
                continue
            if r.status_code == 200:
                body = r.json()
                return str(body["access_token"]), float(body.get("expires_in", 300))
            detail = r.json().get("error_description", "") if _is_json(r) else f"HTTP {r.status_code}"
            if r.status_code == 400 and self.token_extra:
                raise HubRefusedError(detail)  # e.g. a break-the-glass reason too short
            if "replay" not in detail:
                break
        raise HubAuthError(detail)

    # -- requests ------------------------------------------------------------------------------

    def request(self, method: str, path_or_url: str, *, json_body: Any = None,
                params: dict[str, str] | list[tuple[str, str]] | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:
        """A request with retries and auth; 4xx other than 401/429 are returned to the caller."""
        url = path_or_url if path_or_url.startswith("http") else f"{self.base_url}/{path_or_url.lstrip('/')}"
        extra = dict(headers or {})
        content = None
        plain = None
        if json_body is not None:
            import json as _json

            plain = content = _json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            extra["Content-Type"] = FHIR_JSON
            if self.gzip_requests and len(plain) >= GZIP_FROM:
                content = gzip.compress(plain, compresslevel=6)
                extra["Content-Encoding"] = "gzip"
        renewed = False
        while True:
            response = self._send(method, url, params=params, headers={**extra, **self._bearer()}, content=content)
            if response.status_code == 415 and extra.get("Content-Encoding") == "gzip":
                log.info("the hub does not take gzip request bodies: sending them plain from now on")
                self.gzip_requests = False  # remembered for this client's life
                extra.pop("Content-Encoding")
                content = plain
                continue
            if response.status_code == 401 and self.auth and not renewed:
                renewed = True
                self._bearer(renew=True)
                continue
            if response.status_code == 401 and self.auth:
                raise HubAuthError("the hub refused the token twice")
            return response

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        last = "no answer"
        for attempt in range(self.retry.attempts):
            retry_after = None
            try:
                with self._lock:
                    self.requests += 1
                response = self._http.request(method, url, **kwargs)
                body = response.read()  # a truncated body raises here
                if response.headers.get("content-type", "").startswith(("application/fhir+json", "application/json")) \
                        and body:
                    # Parsed once here (an unreadable body is retried like a truncated one) and
                    # kept for the caller: `HubClient.json(response)`.
                    response.parsed = response.json()  # type: ignore[attr-defined]
                with self._lock:
                    self.bytes_received += response.num_bytes_downloaded  # as it came, compressed or not
                    self.bytes_sent += len(kwargs.get("content") or b"")
                self.server_date = response.headers.get("date", self.server_date)
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                retry_after = _retry_after(response.headers.get("retry-after"))
            except httpx.ConnectError as exc:
                if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
                    raise HubCertificateError() from exc  # not a flaky link: retrying will not help
                last = type(exc).__name__
            except (httpx.TransportError, ValueError) as exc:
                last = type(exc).__name__
            if attempt + 1 < self.retry.attempts:
                wait = self.retry.delay(attempt, self.rng, retry_after)
                log.info("hub request failed (%s); retry %d in %.1fs", last, attempt + 1, wait)
                self.sleep(wait)
        raise HubUnreachableError(last)

    def capability(self) -> Capability:
        r = self.request("GET", "metadata")
        if r.status_code != 200:
            raise HubUnreachableError(f"metadata answered HTTP {r.status_code}")
        capability = Capability.of(self.json(r))
        self.gzip_requests = capability.gzip_requests
        return capability

    @staticmethod
    def json(response: httpx.Response) -> Any:
        """The response's JSON, parsed once."""
        parsed = getattr(response, "parsed", None)
        return parsed if parsed is not None else response.json()


def tls_verify(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """True (the system's trust store), a context trusting a custom CA bundle file, or a
    context made already (a pinned relay's)."""
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def pinned_context(cert_pem: str) -> ssl.SSLContext:
    """Trust this one certificate and nothing else: the unit relay's, pinned when the
    desktop joined it by its fingerprint. Its name is not checked (a relay is reached by
    whatever address the unit's network gives it); only the holder of its key passes."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=cert_pem)
    return context


def peer_certificate(base_url: str, *, timeout: float = 5.0) -> str:
    """The certificate an https server shows (PEM), not yet trusted: a person compares its
    fingerprint with the one on the relay's screen before it is pinned."""
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise InsecureHubError()
    try:
        return ssl.get_server_certificate((parts.hostname, parts.port or 443), timeout=timeout)
    except (OSError, ssl.SSLError) as exc:
        raise HubUnreachableError(f"{parts.hostname}:{parts.port or 443} ({type(exc).__name__})") from exc


def admin_action(base_url: str, admin_token: str, name: str, *, verify: Any, timeout: float = 3600.0) -> Any:
    """POST /admin/actions/{name} with the hub's admin token (the unit relay's "sync now"
    from the command line on its own computer); the JSON answer, or None when nothing
    listens at that address."""
    root = base_url.rstrip("/").rsplit("/fhir", 1)[0]
    try:
        with httpx.Client(timeout=timeout, verify=tls_verify(verify)) as http:
            answer = http.post(f"{root}/admin/actions/{name}", headers={"Authorization": f"Bearer {admin_token}"})
    except httpx.ConnectError as exc:
        if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
            raise HubCertificateError() from exc
        return None  # nobody listens there
    except httpx.HTTPError as exc:
        raise HubUnreachableError(f"{root} ({type(exc).__name__})") from exc
    if answer.status_code != 200:
        raise HubRefusedError(f"HTTP {answer.status_code}: {answer.text[:200]}")
    return answer.json()


def reachable(base_url: str, *, timeout: float = 5.0, verify: bool | str | ssl.SSLContext = True,
              certificate_errors: bool = False) -> bool:
    """One quick try at the hub's CapabilityStatement: is the link up? (No retries.)
    `certificate_errors`: a certificate that is not the trusted one is HubCertificateError,
    not "down" (a pinned relay's address answered by someone else must be heard)."""
    try:
        with httpx.Client(timeout=timeout, verify=tls_verify(verify)) as http:
            return http.get(f"{base_url.rstrip('/')}/metadata").status_code == 200
    except httpx.ConnectError as exc:
        if certificate_errors and ("CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc)):
            raise HubCertificateError() from exc
        return False
    except httpx.HTTPError:
        return False


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _is_json(response: httpx.Response) -> bool:
    try:
        response.json()
        return True
    except ValueError:
        return False
