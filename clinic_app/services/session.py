"""The unit session: one object per open data folder (the pattern of Anki's `Collection`).

It owns the folder's store (one connection, opened on first use by the thread that uses it),
the acting person (a real `Actor`, the device's until someone signs in) and the use cases.
The window's operations and the command line receive it and nothing below it: they import
services and core only (the import contracts in pyproject.toml hold them to it).

Every use case that writes is one transaction and returns a `ChangeSet` (or a `Done`
carrying a value and its ChangeSet), which the window broadcasts once. Reads never write;
the one documented exception is viewing records of other facilities, whose audit entry is
written in a transaction of its own.

Threads: a session's store is used by one thread (the window's database worker, or the
CLI's main thread). Sign-in and sign-out open a short connection of their own, because the
sign-in dialog runs on the window's thread. `fetch_emergency` touches no database: it is
the step that waits on the hub, run on the window's network worker.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clinic_app.core.changes import ChangeSet, Done
from clinic_app.core.errors import ConsentNeededError, InvalidInputError, KnownError, Problem
from clinic_app.core.fhir import Resource, author_of, patient_cid, patient_id_of, summary
from clinic_app.core.permissions import DEVICE, Actor, allowed, require
from clinic_app.core.settings import CHANGEABLE
from clinic_app.core.settings import parse as parse_setting
from clinic_app.core.words import in_words
from clinic_app.security.audit_chain import broken_links
from clinic_app.security.device import enrolment
from clinic_app.services.accounts import AccountService, SignInNeededError
from clinic_app.services.duplicates import DuplicateService
from clinic_app.services.installation import Installation, open_installation
from clinic_app.services.formulary import FormularyService
from clinic_app.services.visits import VisitService
from clinic_app.services.records import Cancelled, RecordService
from clinic_app.services.records import Progress as RecordProgress
from clinic_app.services.reshape import reshape_folder
from clinic_app.store.record_store import RecordStore

if TYPE_CHECKING:  # imported where used: the window's shell paints before the network, consent, 43-file
    # and chart code loads, and the command line loads what its command needs (issue 18)
    from clinic_app.services.consent import ConsentService, EmergencyPlan
    from clinic_app.services.followup import FollowUpService
    from clinic_app.services.idcard import CardDesk
    from clinic_app.services.interop import Interop43
    from clinic_app.services.patients import Chart, PatientService
    from clinic_app.services.referrals import ReferralService
    from clinic_app.sync.engine import Progress, SyncReport


@dataclass(frozen=True)
class UnitSettings:
    """What the window needs to know about the unit when it starts."""

    hcode: str
    facility_name: str
    training: bool
    idle_lock_minutes: float
    relay_serve: bool = False  # this computer serves the unit's other desktops while the window is open


@dataclass(frozen=True)
class OutboxView:
    """What waits to go out, and the conflicts, ready to be read by a person.

    `entries`: OutboxEntry values, oldest first; `patients`: the name of the patient each
    entry's record belongs to, by "Type/id" (absent for records of no patient). Each conflict
    has "type", "id", "elements", "local" (this desktop's copy), "remote" (the hub's) and:
    "patient" (name or ""); "rows": (element, this desktop's value, the hub's value) in
    words; "local_who"/"remote_who" (the staff account that wrote each, None if unknown);
    "local_when" (when this desktop's change was made) and "remote_when" (the hub's version's
    time), ISO instants or None."""

    entries: list[Any]
    conflicts: list[dict[str, Any]]
    patients: dict[str, str] = dataclasses.field(default_factory=dict)


RELAY_PORT = 8766  # where the unit relay listens unless told otherwise (`relay serve --port`)


class UnitSession:
    """One open data folder: its store, who acts, and the use cases."""

    def __init__(self, inst: Installation, *, actor: Actor = DEVICE, upgrade_on_open: bool = True) -> None:
        """`upgrade_on_open`: rewrite a folder of data version 1 as soon as the store opens (the
        command line); the window passes False and runs `upgrade_records` with progress."""
        self.inst = inst
        self.actor = actor
        self.upgrade_on_open = upgrade_on_open
        self._store: RecordStore | None = None
        self._relay: Any = None  # the unit relay this window serves, while it runs
        self.relay_address = ("0.0.0.0", RELAY_PORT)  # where it listens: every address of this computer

    @classmethod
    def open(cls, path: Path, *, keys: Any, passphrase: Any = None, verify_open: bool = True) -> UnitSession:
        return cls(open_installation(path, keys=keys, passphrase=passphrase, verify_open=verify_open))

    # -- the store ------------------------------------------------------------------------

    @property
    def store(self) -> RecordStore:
        """The session's connection, opened by the first thread that asks (and used only by it)."""
        if self._store is None:
            self._store = self.inst.connect()
            if self._store.settings.get("export_partial"):  # a crashed 43-file export's archive
                from clinic_app.services.interop import remove_leftover_export

                remove_leftover_export(self._store)
            if self.upgrade_on_open:
                self._upgrade(self._store, None)
        return self._store

    def upgrade_records(self, *, progress: RecordProgress | None = None) -> ChangeSet:
        """A folder of data version 1 rewritten in the SIL-TH shapes (services/reshape.py),
        and the patient summary of a folder from before it made (store/worklists.py,
        `fill_summaries`: what is done is kept when stopped); nothing when neither is due."""
        return self._upgrade(self.store, progress)

    @staticmethod
    def _upgrade(store: RecordStore, progress: RecordProgress | None) -> ChangeSet:
        changes = reshape_folder(store, progress=progress)  # once per folder: data version 2
        if store.writable and not store.worklists.fill_summaries(progress):
            raise Cancelled(0)
        return changes

    def close(self) -> None:
        """Close the connection (the folder stays open: whoever opened it closes it); a relay
        this session serves stops."""
        self.stop_relay()
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> UnitSession:
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.close()

    def _briefly(self, work: Callable[[RecordStore], Any]) -> Any:
        """Run on a short connection of its own (for calls from the window's thread)."""
        store = self.inst.connect()
        try:
            return work(store)
        finally:
            store.close()

    # -- who acts -------------------------------------------------------------------------

    def act_as(self, actor: Actor) -> None:
        self.actor = actor

    def has_accounts(self) -> bool:
        return bool(self._briefly(lambda store: AccountService(store).has_accounts()))

    def sign_in(self, name: str, password: str) -> Actor:
        """Check a person's password (audited) and act as them from now on."""
        actor = self._briefly(lambda store: AccountService(store).sign_in(name, password))
        self.actor = actor
        return actor

    def sign_out(self, actor: Actor | None = None) -> None:
        leaving = actor or self.actor
        self._briefly(lambda store: AccountService(store).sign_out(leaving))

    def acting_from_cli(self, user: str | None, password: Callable[[], str], *, device_ok: bool) -> Actor:
        """The CLI's acting person: the device before accounts exist, else `user` signed in
        (commands that change no patient data may run as the device)."""
        accounts = AccountService(self.store)
        if not accounts.has_accounts():
            self.actor = DEVICE
        elif user:
            self.actor = accounts.sign_in(user, password())
        elif device_ok:
            self.actor = DEVICE
        else:
            raise SignInNeededError()
        return self.actor

    # -- the use cases --------------------------------------------------------------------

    @property
    def records(self) -> RecordService:
        return RecordService(self.store, actor=self.actor)

    @property
    def patients(self) -> PatientService:
        from clinic_app.services.patients import PatientService

        return PatientService(self.store, actor=self.actor)

    @property
    def visits(self) -> VisitService:
        """Today's list, the visit from arrival to done, allergies, appointments, corrections."""
        return VisitService(self.store, actor=self.actor)

    @property
    def formulary(self) -> FormularyService:
        """The unit's drug list."""
        return FormularyService(self.store, actor=self.actor)

    @property
    def followup(self) -> FollowUpService:
        """The chronic-disease register and the children's vaccines due."""
        from clinic_app.services.followup import FollowUpService

        return FollowUpService(self.store, actor=self.actor)

    @property
    def card(self) -> CardDesk:
        """The national ID card in the front desk's reader."""
        from clinic_app.services.idcard import CardDesk

        return CardDesk(self.store, actor=self.actor)

    def demo_day(self) -> ChangeSet:
        """Training mode: the demo drug list and a morning's work under way."""
        from clinic_app.services.demo_day import seed_demo_day

        return seed_demo_day(self.store, actor=self.actor)

    @property
    def duplicates(self) -> DuplicateService:
        """Patients recorded twice under one citizen ID: `groups()`, and `merge(keep_id,
        drop_id)` for administrators."""
        return DuplicateService(self.store, actor=self.actor)

    @property
    def consent(self) -> ConsentService:
        from clinic_app.services.consent import ConsentService

        return ConsentService(self.store, self.inst, actor=self.actor)

    @property
    def referrals(self) -> ReferralService:
        """Referrals out and in (services/referrals.py)."""
        from clinic_app.services.referrals import ReferralService

        return ReferralService(self.store, actor=self.actor)

    @property
    def accounts(self) -> AccountService:
        return AccountService(self.store, actor=self.actor)

    @property
    def interop43(self) -> Interop43:
        from clinic_app.services.interop import Interop43

        return Interop43(self.store, actor=self.actor)

    # -- reads --------------------------------------------------------------------------

    def settings(self) -> UnitSettings:
        store = self.store
        hcode = str(store.settings.get("hcode"))
        return UnitSettings(hcode=hcode, facility_name=str(store.settings.get("facility_name") or hcode),
                            training=bool(store.settings.get("training_mode")),
                            idle_lock_minutes=float(store.settings.get("idle_lock_minutes")),
                            relay_serve=bool(store.settings.get("relay_serve")))

    def settings_now(self) -> UnitSettings:
        """The settings, read on a short connection (the window's start-up, on its thread)."""
        with UnitSession(self.inst) as brief:
            return brief.settings()

    def status(self) -> dict[str, Any]:
        """The records' status (RecordService.status) and the referrals to this unit waiting
        for an answer."""
        return {**self.records.status(), "referrals_waiting": self.referrals.waiting()}

    def search_patients(self, text: str, *, limit: int = 100) -> list[Resource]:
        require(self.actor, "record.read")
        return self.store.search_patients(text, limit=limit)

    def chart(self, patient_id: str, *, include_voided: bool = False) -> Done[Chart]:
        """The chart, with other facilities' records when this person may see them and a
        grant is in force (that view is audited: the changes say so); with `include_voided`,
        the visits entered in error too (marked)."""
        changes = ChangeSet()
        foreign: list[dict[str, Any]] = []
        patient = self.store.get("Patient", patient_id)
        cid = patient_cid(patient) if patient else None
        if cid and allowed(self.actor, "foreign.view"):
            try:  # refused before anything is written when no grant is in force
                shown = self.consent.show_records(cid)
                foreign, changes = shown.value, shown.changes
            except ConsentNeededError:
                pass
        chart = self.patients.chart(patient_id, foreign=foreign, include_voided=include_voided)
        chart.referrals = self.referrals.list(patient_id=chart.patient["id"])
        return Done(chart, changes)

    def history(self, resource_type: str, resource_id: str) -> list[dict[str, Any]]:
        """What the audit trail says about one record, oldest first: "at", "actor" (the sign-in
        name), "who" (the staff member's full name when known, else the sign-in name),
        "action" and "detail" (what a correction changed, why a visit was entered in error)."""
        require(self.actor, "record.read")
        entries = self.store.audit.entries(entity_type=resource_type, entity_id=resource_id)
        names: dict[str, str] = {}
        for entry in entries:
            if entry["actor"] not in names:
                account = self.store.staff.get(entry["actor"]) or {}
                names[entry["actor"]] = str(account.get("full_name") or entry["actor"])
        return [{"at": e["at"], "actor": e["actor"], "who": names[e["actor"]], "action": e["action"],
                 "detail": e["detail"]} for e in entries]

    def outbox_view(self, *, limit: int = 500) -> OutboxView:
        entries = self.store.outbox.entries(states=("pending", "sending", "failed", "conflict"), limit=limit)
        names: dict[str, str] = {}

        def name_of(pid: str | None) -> str:
            if not pid:
                return ""
            if pid not in names:
                names[pid] = summary(self.store.get("Patient", pid) or {"resourceType": ""})
            return names[pid]

        def patient_name(resource: Resource | None) -> str:
            return name_of(patient_id_of(resource) if resource else None)

        # whose each queued record is, from the store's index (not by reading each record)
        owners = self.store.patient_ids((e.type, e.id) for e in entries)
        patients = {f"{e.type}/{e.id}": name for e in entries if (name := name_of(owners.get((e.type, e.id))))}
        conflicts = []
        for c in self.store.outbox.conflicts():
            local = self.store.get(c["type"], c["id"]) or {}
            entry = self.store.outbox.live_entry(c["type"], c["id"])
            conflicts.append({**c, "local": local, "patient": patient_name(local or c["remote"]),
                              "rows": [(e, in_words(local.get(e)), in_words(c["remote"].get(e))) for e in c["elements"]],
                              "local_who": author_of(local), "remote_who": author_of(c["remote"]),
                              "local_when": entry.created_at if entry else None,
                              "remote_when": (c["remote"].get("meta") or {}).get("lastUpdated")})
        return OutboxView(entries, conflicts, patients)

    def audit_check(self) -> tuple[int, list[int]]:
        """(entries in the audit trail, where its hash chain is broken); administrators only."""
        require(self.actor, "account.manage")
        rows = self.store.audit.rows()
        key, keyed_from = self.inst.audit_key()
        return len(rows), broken_links(rows, key=key, keyed_from=keyed_from)

    def audit_against_hub(self) -> tuple[int, bool] | None:
        """Compare the trail with the newest head of it the hub holds: (entries anchored,
        whether this trail still has that entry with that link); None when the hub holds no
        anchor yet. HubUnreachableError or HubNotConfiguredError when it cannot be asked."""
        require(self.actor, "account.manage")
        from clinic_app.services.sync import hub_anchor

        anchored = hub_anchor(self.inst, self.store)
        if anchored is None:
            return None
        entries, head = anchored
        rows = [r for r in self.store.audit.rows() if r[0] == entries]
        return entries, bool(rows) and rows[0][8] == head

    def device_enrolment(self) -> dict[str, Any]:
        """This desktop's public key, as the hub enrols it."""
        return enrolment(self.inst.device(), str(self.store.settings.get("hcode")))

    def export_fhir(self, *, cid: str | None = None, resource_type: str | None = None) -> Iterator[str]:
        return self.records.export_bundle(cid=cid, resource_type=resource_type)

    # -- writes ---------------------------------------------------------------------------

    def change_setting(self, key: str, text: str) -> ChangeSet:
        """An administrator changes one of the unit's settings (typed as text), audited."""
        return self.change_settings({key: text})

    def change_settings(self, texts: dict[str, str]) -> ChangeSet:
        """An administrator changes some of the unit's settings (each typed as text): every
        value is checked first, then all are kept in one transaction with one audit entry
        each for those that changed; nothing is kept if one is refused."""
        require(self.actor, "account.manage")
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for key, text in texts.items():
            if key not in CHANGEABLE:
                raise InvalidInputError("ตั้งค่านี้ไม่ได้", f"{key} is not a setting a unit changes; these are: "
                                        + ", ".join(CHANGEABLE), problems=[Problem(None, key, "not changeable")])
            try:
                values[key] = parse_setting(key, text)
                if key == "hub_url" and values[key]:
                    from clinic_app.services.sync import check_hub_url

                    check_hub_url(values[key])
            except InvalidInputError as exc:
                problems.extend(exc.problems or [Problem(None, key, exc.english, exc.thai)])
            except KnownError as exc:  # an address that is not https (to another computer)
                problems.append(Problem(None, key, exc.english, exc.thai))
        if problems:
            raise InvalidInputError("ค่าการตั้งค่าบางค่าไม่ถูกต้อง ยังไม่ได้บันทึกค่าใด",
                                    "Some settings are not valid; none was saved.", problems=problems)
        with self.store.transaction():
            for key, value in values.items():
                if self.store.settings.get(key) == value:
                    continue
                self.store.settings.set(key, value)
                self.store.audit.append(actor=self.actor.name, action="setting", entity_type="setting", entity_id=key,
                                        detail={"value": value})
        return ChangeSet(settings=True)

    def setting_values(self) -> dict[str, Any]:
        return {key: self.store.settings.get(key) for key in CHANGEABLE}

    def resolve_conflict(self, resource_type: str, resource_id: str, choices: dict[str, str]) -> ChangeSet:
        require(self.actor, "record.write")
        from clinic_app.services.sync import resolve_conflict

        return resolve_conflict(self.store, resource_type, resource_id, choices, actor=self.actor)

    def sync(self, *, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
             client_options: dict[str, Any] | None = None, verify_counts: bool | None = None) -> SyncReport:
        """Push, pull, check and fetch what consents allow; `report.changes` says what changed.
        On the unit relay's folder: the relay's sync with the cloud (asked of the serving
        relay when it runs, so one process writes what the desktops see)."""
        from clinic_app.services.sync import sync_now

        return sync_now(self.inst, progress=progress, cancelled=cancelled, client_options=client_options,
                        verify_counts=verify_counts, store=self.store)

    # -- the unit relay ------------------------------------------------------------------------

    def serve_relay(self, on: bool) -> None:
        """An administrator makes this computer the unit's relay while the window is open (the
        setting kept, audited, so it serves again at the next start) or stops it."""
        require(self.actor, "account.manage")
        with self.store.transaction():
            self.store.settings.set("relay_serve", on)
            self.store.audit.append(actor=self.actor.name, action="setting", entity_type="setting",
                                    entity_id="relay_serve", detail={"value": on})
        if on:
            self.start_relay()
        else:
            self.stop_relay()

    def start_relay(self) -> None:
        """Serve the unit's desktops on background threads (the window's start when the
        setting says so); the address taken says so when another program holds the port."""
        if self._relay is None:
            host, port = self.relay_address
            server = self.relay_server()
            try:
                server.start(host, port)
            except OSError as exc:
                raise KnownError(f"เปิดเครื่องแม่ข่ายไม่ได้: พอร์ต {port} ถูกโปรแกรมอื่นใช้อยู่ ({exc.strerror})",
                                 f"The unit relay could not start: port {port} is in use by another program "
                                 f"({exc.strerror}).", code="relay-port") from None
            self._relay = server

    def stop_relay(self) -> None:
        if self._relay is not None:
            self._relay.stop()
            self._relay = None

    def serving_relay(self) -> Any:
        """The relay this session serves (RelayServer), or None: the scheduler syncs through it."""
        return self._relay

    def relay_view(self) -> dict[str, Any]:
        """What the window's relay dialog shows: this computer serving (its status) or not,
        and the relay this desktop joined."""
        from clinic_app.services import relay

        serving = None
        if self._relay is not None:
            serving = relay.status(self.inst, self._relay.hub_store, serving={"url": self._relay.url})
        return {"serving": serving, "serve_setting": bool(self.store.settings.get("relay_serve")),
                "joined": self.store.settings.get("relay_url") or None,
                "joined_fingerprint": relay.pinned_fingerprint(self.store.settings.get("relay_cert") or "")}

    @staticmethod
    def peek_relay(url: str) -> tuple[str, str]:
        """Network only: the certificate a relay at `url` shows and its fingerprint, for a
        person to compare with the relay's screen before joining."""
        from clinic_app.security.tls import fingerprint
        from clinic_app.services.sync import check_hub_url, relay_certificate

        check_hub_url(url)
        pem = relay_certificate(url)
        return pem, fingerprint(pem)

    def relay_server(self) -> Any:
        """This folder as the unit's relay, ready to serve (`RelayServer.serve`)."""
        from clinic_app.services import relay
        from clinic_app.services.sync import run_sync

        return relay.RelayServer(self.inst, run_sync=lambda store, **kw: run_sync(self.inst, store, **kw))

    def relay_enroll(self, enrolment_json: Any) -> dict[str, Any]:
        """An administrator lets a desktop of this unit sync with this relay."""
        require(self.actor, "account.manage")
        from clinic_app.services import relay

        done = relay.enroll(self.inst, enrolment_json)
        with self.store.transaction():
            self.store.audit.append(actor=self.actor.name, action="relay-enroll", entity_type="device",
                                    entity_id=str(done.get("client_id")))
        return done

    def relay_status(self) -> dict[str, Any]:
        from clinic_app.services import relay

        return relay.relay_status(self.inst)

    def relay_join(self, url: str, fingerprint: str, *, pem: str | None = None) -> str:
        """An administrator makes the relay at `url` this desktop's first sync partner. `pem`:
        the certificate already fetched (`peek_relay`, the window's network worker)."""
        require(self.actor, "account.manage")
        from clinic_app.services import relay
        from clinic_app.services.sync import check_hub_url, relay_certificate

        check_hub_url(url)
        fetched = relay_certificate if pem is None else (lambda _url: pem)
        return relay.join(self.inst, url, fingerprint, peer_certificate=fetched)

    def relay_leave(self) -> None:
        require(self.actor, "account.manage")
        from clinic_app.services import relay

        relay.leave(self.inst)

    # -- emergency access, in three steps ----------------------------------------------------

    def plan_emergency(self, cid: str, reason: str) -> EmergencyPlan:
        """Step 1, database: refuse early (role, citizen ID, reason); how to reach the hub."""
        from clinic_app.services.sync import client_factory

        return dataclasses.replace(self.consent.plan_emergency(cid, reason),
                                   connect=client_factory(self.inst, self.store))

    @staticmethod
    def fetch_emergency(plan: EmergencyPlan) -> list[Resource]:
        """Step 2, network only (no database): the records under the emergency grant."""
        if plan.connect is None:
            raise KnownError("ยังไม่ได้ตั้งค่าระบบกลาง", "No hub is configured.", code="hub-not-configured")
        client = plan.connect()
        try:
            from clinic_app.services.consent import fetch_emergency

            return fetch_emergency(plan, client)
        finally:
            client.close()

    def keep_emergency(self, plan: EmergencyPlan, records: list[Resource]) -> Done[int]:
        """Step 3, database: the grant, its records and its audit entries in one transaction."""
        return self.consent.keep_emergency(plan, records)

    def emergency_access(self, cid: str, reason: str) -> Done[int]:
        """All three steps on this thread (the command line)."""
        plan = self.plan_emergency(cid, reason)
        return self.keep_emergency(plan, self.fetch_emergency(plan))


def setup_unit_with(session: UnitSession) -> Callable[..., Any]:
    """The setup window's call, with this installation's key store."""
    from clinic_app.services.installation import setup_unit

    return functools.partial(setup_unit, keys=session.inst.keys)
