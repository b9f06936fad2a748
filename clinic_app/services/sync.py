"""Sync use cases: run a sync for an installation, read its status, resolve a conflict.

Builds the hub client from the installation's settings (hub address, whether it uses
auth, a custom CA bundle) and its device key, and runs the engine on the caller's
thread (the UI calls this from its sync worker, never from the window's thread).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clinic_app.core.audit import anchor_event, trail_event
from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import new_id, now_instant, patient_id_of
from clinic_app.core.merge import resolve
from clinic_app.core.permissions import DEVICE, Actor
from clinic_app.services.accounts import take_shared_accounts
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import Installation
from clinic_app.services.records import LAST_PARTNER
from clinic_app.services.referrals import ReferralService
from clinic_app.store.record_store import RecordStore
from clinic_app.sync.client import HubClient, admin_action, check_url, peer_certificate, pinned_context, reachable
from clinic_app.sync.engine import Progress, SyncEngine, SyncReport
from clinic_app.sync.foreign import latest_anchor
from clinic_app.sync.unit import exchange_accounts
from clinic_app.sync.errors import HubNotConfiguredError



def check_hub_url(url: str) -> None:
    """https, or plain http to this computer only (InsecureHubError otherwise)."""
    check_url(url)


def relay_certificate(url: str) -> str:
    """The certificate a relay shows, before it is trusted (join compares its fingerprint)."""
    return peer_certificate(url)


def relay_action(url: str, admin_token: str, name: str, *, cert_pem: str) -> dict[str, Any]:
    """Ask the relay serving on this computer to do `name` (sync, status)."""
    return admin_action(url, admin_token, name, verify=pinned_context(cert_pem))


def client_factory(inst: Installation, store: RecordStore, *, partner: Partner | None = None,
                   **overrides: Any) -> Callable[[], HubClient]:
    """How to make a client of the cloud (or of `partner`: the unit relay, always with the
    device's token), read from the settings now; calling it touches no database (the
    window's network worker calls it)."""
    if partner is None:
        partner = next((p for p in partners(store) if not p.is_relay), None)
        if partner is None:
            raise HubNotConfiguredError()
    auth = bool(store.settings.get("hub_auth")) or partner.is_relay
    identity = inst.device() if auth else None
    return functools.partial(HubClient, partner.url, identity=identity, auth=auth, verify=partner.verify, **overrides)


RELAY_PREFIX = "relay:"  # a desktop's checkpoints of its pulls from the unit relay


@dataclass(frozen=True)
class Partner:
    """Whom a sync talks to: the unit relay (pinned certificate, its own checkpoints under
    `relay:`) or the cloud (the checkpoints without a prefix, as before relays existed)."""

    url: str
    verify: Any
    prefix: str

    @property
    def is_relay(self) -> bool:
        return bool(self.prefix)


def partners(store: RecordStore) -> list[Partner]:
    """The relay first when this desktop joined one, then the cloud (the fallback)."""
    out = []
    relay, pem = store.settings.get("relay_url") or "", store.settings.get("relay_cert") or ""
    if relay and pem:
        out.append(Partner(relay, pinned_context(pem), RELAY_PREFIX))
    if store.settings.get("hub_url"):
        out.append(Partner(str(store.settings.get("hub_url")), store.settings.get("hub_ca_bundle") or True, ""))
    return out


def choose_partner(store: RecordStore, *, probe: Callable[[Partner], bool] | None = None) -> Partner:
    """The relay when it answers, else the cloud; a desktop goes back to its relay by
    itself at the first sync that finds it answering."""
    found = partners(store)
    if not found:
        raise HubNotConfiguredError()
    # A relay whose address shows another certificate is not "off": said, never a quiet fallback.
    ask = probe or (lambda p: reachable(p.url, timeout=3.0, verify=p.verify, certificate_errors=p.is_relay))
    for partner in found[:-1]:
        if ask(partner):
            return partner
    return found[-1]


class _Scoped:
    """The store's checkpoints as one partner's: its scopes under its prefix; the time of
    the last sync also where the status bar reads it."""

    def __init__(self, checkpoints: Any, prefix: str) -> None:
        self._inner, self._prefix = checkpoints, prefix

    def get(self, scope: str) -> str | None:
        return self._inner.get(self._prefix + scope)

    def set(self, scope: str, value: str) -> None:
        self._inner.set(self._prefix + scope, value)
        if scope == "last_sync" and self._prefix:
            self._inner.set(scope, value)

    def clear(self, scope: str) -> None:
        self._inner.clear(self._prefix + scope)


class _PartnerStore:
    """The store as the sync engine sees it while it talks to one partner."""

    def __init__(self, store: RecordStore, prefix: str) -> None:
        self._store = store
        self.checkpoints = _Scoped(store.checkpoints, prefix) if prefix else store.checkpoints

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def make_client(inst: Installation, store: RecordStore, **overrides: Any) -> HubClient:
    return client_factory(inst, store, **overrides)()


def queue_audit_trail(store: RecordStore, inst: Installation) -> int:
    """The audit entries written since the last sync go out as AuditEvents (queued in the
    same transaction that marks them sent, so none is sent twice or skipped)."""
    rows = store.audit.unsynced()
    if not rows:
        return 0
    hcode = str(store.settings.get("hcode"))
    with store.transaction():
        for seq, at, actor, action, etype, eid, _detail in rows:
            event = trail_event(seq=seq, at=at, actor=actor, action=action, entity_type=etype, entity_id=eid,
                                hcode=hcode, installation=inst.installation_id)
            store.put(event)
            store.outbox.enqueue("AuditEvent", event["id"], "create")
        head = store.audit.head()
        if head is not None:  # the trail's head, kept at the hub: a trail cut or rewritten later is found
            anchor = anchor_event(installation=inst.installation_id, hcode=hcode, entries=head[0], head=head[1],
                                  at=now_instant())
            store.put(anchor)
            store.outbox.enqueue("AuditEvent", anchor["id"], "create")
        store.audit.mark_synced([r[0] for r in rows])
    return len(rows)


def hub_anchor(inst: Installation, store: RecordStore) -> tuple[int, str] | None:
    """The newest head of this desktop's audit trail that the hub holds (None: none yet);
    HubUnreachableError or HubNotConfiguredError when it cannot be asked."""
    client = make_client(inst, store)
    try:
        return latest_anchor(client, inst.installation_id)
    finally:
        client.close()


def sync_now(inst: Installation, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
             client_options: dict[str, Any] | None = None, verify_counts: bool | None = None,
             store: RecordStore | None = None) -> SyncReport:
    """A sync over `store` or a connection of its own (the scheduler's thread, the CLI,
    tests); on the unit relay's folder, the relay's sync with the cloud (services/relay.py:
    asked of the serving relay when it runs, so one process writes what the desktops see)."""
    from clinic_app.services import relay

    def run(store: RecordStore, **kw: Any) -> SyncReport:
        return run_sync(inst, store, **{"progress": progress, "cancelled": cancelled,
                                        "client_options": client_options, "verify_counts": verify_counts, **kw})

    if relay.is_relay(inst):
        return relay.sync_relay(inst, run)
    if store is not None:
        return run(store)
    own = inst.connect()
    try:
        return run(own)
    finally:
        own.close()


def run_sync(inst: Installation, store: RecordStore, *, progress: Progress | None = None,
             cancelled: Callable[[], bool] | None = None, client_options: dict[str, Any] | None = None,
             verify_counts: bool | None = None) -> SyncReport:
    """Push, pull, check the counts, then fetch what consents now allow; the report's
    `changes` lists everything that changed here, for the window to broadcast."""
    partner = choose_partner(store)
    with store.transaction():
        if partner.is_relay and store.checkpoints.get(LAST_PARTNER) == "cloud":
            # Back from the cloud: what was pulled from it may be older than the relay's (an
            # edit the relay had not forwarded yet) and the relay's checkpoints are past that
            # edit. Read the relay afresh (on the unit's network; same versions are not
            # stored again).
            for scope in store.checkpoints.scopes(RELAY_PREFIX):
                store.checkpoints.clear(scope)
        # whom this sync talks to, said before it reads anything (a sync cut short counts)
        store.checkpoints.set(LAST_PARTNER, "relay" if partner.is_relay else "cloud")
    client = client_factory(inst, store, partner=partner, **(client_options or {}))()
    try:
        queued = queue_audit_trail(store, inst)
        engine = SyncEngine(_PartnerStore(store, partner.prefix), client, hcode=str(store.settings.get("hcode")),
                            partner_is_relay=partner.is_relay,
                            bundle_size=int(store.settings.get("sync_bundle_size")),
                            page_size=int(store.settings.get("sync_page_size")),
                            progress=progress, cancelled=cancelled, verify_counts=verify_counts)
        report = engine.run()
        report.changes.outbox |= bool(queued)
        # Consents answered since the last sync: fetch what is granted, end what is not.
        # Other facilities' records come from the cloud itself, which checks the basis and
        # audits the read, also for a desktop of a unit relay (the relay carries the consent
        # and its answer, never another facility's records); the cloud out of reach: they wait.
        referrals = ReferralService(store, actor=DEVICE).incoming_patients()
        foreign = client if not partner.is_relay else _cloud_if_answering(inst, store, client_options, referrals)
        try:
            consent = ConsentService(store, inst, actor=DEVICE)
            report.changes.merge(consent.refresh(foreign))
            if foreign is not None:  # referrals addressed here: their patients' records, under the referral
                report.changes.merge(consent.refresh_referrals(foreign, referrals))
        except KnownError as exc:
            if foreign is client:
                raise
            # the cloud faltered while the relay did its part: the records wait for the next sync
            report.warnings.append(f"{exc.thai}\n{exc.english}")
        finally:
            if foreign is not None and foreign is not client:
                foreign.close()
        report.changes.settings = True  # the last sync's time and error
        report.partner = "relay" if partner.is_relay else "cloud"
        if partner.is_relay:  # the unit's staff accounts travel between its desktops, never to the cloud
            try:
                report.changes.accounts |= bool(take_shared_accounts(store, exchange_accounts(client,
                                                                                              store.staff.shared())))
            except KnownError as exc:  # the records went through; the accounts wait for the next sync
                report.warnings.append(f"{exc.thai}\n{exc.english}")
        return report
    finally:
        client.close()


def _cloud_if_answering(inst: Installation, store: RecordStore, options: dict[str, Any] | None,
                        referrals: dict[str, Any]) -> HubClient | None:
    """A client of the cloud when records wait to be read from it (a record request, a
    referral to this unit) and it answers one quick probe, else None (no request sent)."""
    if not store.grants.record_requests(state="waiting") and not referrals:
        return None
    cloud = next((p for p in partners(store) if not p.is_relay), None)
    if cloud is None or not reachable(cloud.url, timeout=3.0, verify=cloud.verify):
        return None
    return make_client(inst, store, **(options or {}))


def scheduler_for(inst: Installation, *, on_state: Callable[[Any], None] | None = None,
                  client_options: dict[str, Any] | None = None, serving: Callable[[], Any] | None = None) -> Any:
    """A SyncScheduler wired to this installation (its interval from the
    `sync_interval_minutes` setting, default 5). `serving`: the unit relay this process
    serves, or None (the window's session): its sync with the cloud then runs in it, with
    the window's progress and Cancel."""
    from clinic_app.services.scheduler import SyncScheduler

    store = inst.connect()
    try:
        found = partners(store)
        minutes = float(store.settings.get("sync_interval_minutes"))
    finally:
        store.close()

    def run(cancelled: Callable[[], bool], progress: Progress) -> SyncReport:
        served = serving() if serving is not None else None
        if served is not None:
            return served.sync_with(progress=progress, cancelled=cancelled)  # type: ignore[no-any-return]
        return sync_now(inst, progress=progress, cancelled=cancelled, client_options=client_options)

    probes = [hub_probe(p.url, p.verify) for p in found]
    return SyncScheduler(run, lambda: any(probe() for probe in probes), interval_seconds=minutes * 60,
                         on_state=on_state)


def hub_probe(url: str, verify: Any) -> Callable[[], bool]:
    """The scheduler's cheap question "does the hub answer?" for this address."""
    return lambda: bool(url) and reachable(url, verify=verify)


def status(store: RecordStore) -> dict[str, Any]:
    counts = store.outbox.counts()
    return {"pending": counts.get("pending", 0) + counts.get("sending", 0), "failed": counts.get("failed", 0),
            "conflicts": counts.get("conflict", 0), "last_sync": store.checkpoints.get("last_sync"),
            "last_error": store.settings.get("last_sync_error")}


def resolve_conflict(store: RecordStore, resource_type: str, resource_id: str, choices: dict[str, str], *,
                     actor: Actor) -> ChangeSet:
    """A person chose, per element, this desktop's value or the hub's; the result goes out as
    an update of the hub's version, with a Provenance saying who decided."""
    changes = ChangeSet(outbox=True)
    found = next((c for c in store.outbox.conflicts() if c["type"] == resource_type and c["id"] == resource_id), None)
    if found is None:
        return changes
    local = store.get(resource_type, resource_id) or {}
    resolved = resolve(local, found["remote"], choices)
    hcode = str(store.settings.get("hcode"))
    entry = store.outbox.live_entry(resource_type, resource_id)
    with store.transaction():
        if entry is not None:
            store.outbox.acknowledge(entry, version_id=found["remote_version"], server_copy=found["remote"])
        store.outbox.keep_base(resource_type, resource_id)
        store.put(resolved, version_id=found["remote_version"])
        store.outbox.enqueue(resource_type, resource_id, "update")
        provenance = {
            "resourceType": "Provenance", "id": new_id(),
            "meta": {"tag": [{"system": "https://terms.sil-th.org/id/th-moph-hcode", "code": hcode}]},
            "target": [{"reference": f"{resource_type}/{resource_id}"}], "recorded": now_instant(),
            "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                                     "code": "UPDATE"}], "text": "conflict resolved: " + ", ".join(
                                         f"{k}={v}" for k, v in sorted(choices.items()))},
            "agent": [{"who": {"display": actor.name}}],
        }
        store.put(provenance)
        store.outbox.enqueue("Provenance", provenance["id"], "create")
        store.outbox.clear_conflict(resource_type, resource_id)
        store.audit.append(actor=actor.name, action="resolve-conflict", entity_type=resource_type,
                           entity_id=resource_id, detail={"choices": choices})
    changes.note("update", resource_type, patient_id_of(resolved))
    changes.note("create", "Provenance", None)
    return changes
