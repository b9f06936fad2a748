"""The sync engine: connect, push the outbox, pull what changed, check the counts.

Runs off the UI thread (the caller's thread; it never touches Qt), reports progress as a
SyncProgress (phase, records done of a total where one is known, bytes on the wire, an
estimate of the time left), and can be cancelled between Bundles and pages. Being offline
is not a failure: HubUnreachableError leaves everything queued and is recorded as the last
error for the status bar. The server's Date header is compared with this computer's
clock; more than five minutes apart gives a warning (nothing here depends on the local
clock).

Round trips are what a rural link pays for, so a sync asks little: the server's
CapabilityStatement and token endpoint are kept between syncs (asked again after a day,
after a failed sync, or for another address); nothing is sent when nothing waits; the
pull's searches go out as one batch; the count check runs on the first sync, after a
failure or a mismatch, and once a day (or when asked: `verify_counts=True`), as one batch
of `_summary=count` searches. A sync with nothing to do is a token request and one batch.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.progress import SyncProgress
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import patient_id_of
from clinic_app.core.ports import SyncStore
from clinic_app.sync.client import HubClient
from clinic_app.sync.errors import HubUnreachableError
from clinic_app.sync.pull import DELETES, OWN_TYPES, Puller, scopes_for
from clinic_app.sync.push import Pusher

log = logging.getLogger(__name__)

SKEW_WARNING_SECONDS = 300
PROFILE_KEY = "hub:profile"  # the hub's capability and token endpoint, kept between syncs
PROFILE_DAYS = 1
VERIFIED_KEY = "verify:last"  # when the counts were last compared (this computer's clock)


Progress = Callable[[SyncProgress], None]


@dataclass
class SyncReport:
    pushed: int = 0
    merged: int = 0
    pulled: int = 0
    deleted: int = 0
    pending: int = 0
    failed: int = 0
    conflicts: int = 0
    mismatches: list[str] = field(default_factory=list)
    unhealed: list[str] = field(default_factory=list)  # counts that still differ after pulling again
    warnings: list[str] = field(default_factory=list)
    clock_skew_seconds: float | None = None
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0  # HTTP requests this sync sent, all told
    push_requests: int = 0
    push_seconds: float = 0.0
    pull_seconds: float = 0.0
    changes: ChangeSet = field(default_factory=ChangeSet)  # what the sync changed here, for the window
    partner: str = ""  # whom it talked to: "relay" (the unit relay) or "cloud" (services/sync.py)

    def problem(self) -> str | None:
        """What a person must hear about this sync (Thai, a newline, English), or None."""
        if not self.unhealed:
            return None
        return ("จำนวนข้อมูลในเครื่องกับระบบกลางไม่ตรงกัน แม้ดึงใหม่แล้ว โปรดแจ้งผู้ดูแลระบบ ("
                + "; ".join(self.unhealed) + ")\nThe counts here and at the hub still differ after pulling again; "
                "tell the administrator (" + "; ".join(self.unhealed) + ").")

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("changes")
        return out


class SyncCancelled(KnownError):
    code = "sync-cancelled"

    def __init__(self) -> None:
        super().__init__("ยกเลิกการซิงก์แล้ว ส่วนที่ส่งไปแล้วถูกบันทึกไว้ ส่วนที่เหลือยังรอส่ง",
                         "Sync cancelled; what was sent is recorded, the rest stays queued.")


class SyncEngine:
    def __init__(self, store: SyncStore, client: HubClient, *, hcode: str, bundle_size: int = 200,
                 page_size: int = 500, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None, verify_counts: bool | None = None,
                 clock: Callable[[], _dt.datetime] | None = None, partner_is_relay: bool = False) -> None:
        """`verify_counts`: True compares the counts with the hub's on this sync, False never,
        None when it is due (first sync, after a failure or a mismatch, once a day).
        `partner_is_relay`: the partner is the unit relay, which may not have every record
        yet (it catches up from the cloud): an edit of one it lacks waits, never fails."""
        self.store = store
        self.client = client
        self.hcode = hcode
        self.bundle_size = bundle_size
        self.page_size = page_size
        self._progress = progress or (lambda p: None)
        self.cancelled = cancelled or (lambda: False)
        self.verify_counts = verify_counts
        self.clock = clock or (lambda: _dt.datetime.now(_dt.timezone.utc))
        self._dropped = ChangeSet()
        self._phase = ("", time.perf_counter())
        self._kept = False  # the capability in use was kept from an earlier sync (not asked now)
        self.partner_is_relay = partner_is_relay

    def progress(self, phase: str, done: int, total: int) -> None:
        if phase != self._phase[0]:
            self._phase = (phase, time.perf_counter())
        self._progress(SyncProgress(phase, done, total, self.client.bytes_sent + self.client.bytes_received,
                                    time.perf_counter() - self._phase[1]))

    def run(self) -> SyncReport:
        report = SyncReport()
        try:
            self._run(report)
        except HubUnreachableError as exc:
            self._forget_profile()
            self._record_error(f"{exc.thai}\n{exc.english}")
            raise
        except Exception:
            self._forget_profile()  # whatever went wrong, the next sync asks the hub afresh
            raise
        finally:
            counts = self.store.outbox.counts()
            report.pending = counts.get("pending", 0) + counts.get("sending", 0)
            report.failed = counts.get("failed", 0)
            report.conflicts = counts.get("conflict", 0)
            report.bytes_sent, report.bytes_received = self.client.bytes_sent, self.client.bytes_received
            report.requests = self.client.requests
        if self.cancelled():
            raise SyncCancelled()
        return report

    def _run(self, report: SyncReport) -> None:
        self.progress("connect", 0, 0)
        first = self.store.checkpoints.get("last_sync") is None
        verify = self._verify_due(first)
        capability = self._capability()
        bundle = min(self.bundle_size, capability.max_bundle_entries or self.bundle_size)
        queued = self.store.outbox.counts()
        total = queued.get("pending", 0) + queued.get("sending", 0)
        done = [0]

        def pushed(n: int) -> None:
            done[0] += n
            self.progress("push", done[0], total)

        # This sync's mark on what it pushes, where the hub can leave it out of the pull after.
        source = uuid.uuid4().hex if capability.source_not and capability.tag_search else None
        pusher = Pusher(self.store, self.client, bundle_size=bundle, transactions=capability.transactions,
                        on_progress=pushed, cancelled=self.cancelled, source=source,
                        missing_waits=self.partner_is_relay)
        started = time.perf_counter()
        stats = pusher.run()
        report.push_seconds = round(time.perf_counter() - started, 3)
        report.pushed, report.merged, report.push_requests = stats.pushed, stats.merged, stats.requests
        report.changes.merge(pusher.changes)
        if self.cancelled():
            return

        started = time.perf_counter()
        puller, capability = self._pull(capability, first=first, source=source, pushed=pusher.stamps)
        report.pull_seconds = round(time.perf_counter() - started, 3)
        if verify and not self.cancelled():
            self.progress("verify", 0, 0)
            report.mismatches, report.unhealed = self._verify(puller, capability)
            report.changes.merge(self._dropped)
        report.pulled, report.deleted = puller.stats.pulled, puller.stats.deleted
        report.changes.merge(puller.stats.changes)
        self._check_clock(report)
        with self.store.transaction():
            self.store.checkpoints.set("last_sync", self._server_now())
            self.store.settings.set("last_sync_error", None)
            if verify and capability.tag_search and not self.cancelled():
                # a mismatch found (healed or not) makes the next sync count again
                if report.mismatches:
                    self.store.checkpoints.clear(VERIFIED_KEY)
                else:
                    self.store.checkpoints.set(VERIFIED_KEY, self._local_now())
            self._keep_profile(capability)

    def _pull(self, capability: Any, *, first: bool, source: str | None,
              pushed: dict[str, str]) -> tuple[Puller, Any]:
        """Pull every scope (and the deletes); `pushed` is what this sync pushed, per type
        (its latest lastUpdated), left out of the pull where `source` marked it. Returns the
        puller (its stats) and the capability it ended with (asked again when the hub refused
        what the kept one allowed)."""
        def scopes_of(capability: Any) -> list[Any]:
            scopes = scopes_for(self.hcode, capability)
            if source and capability.source_not:  # what this sync pushed is known here: not pulled back
                scopes = [replace(s, params=(*s.params, ("_source:not", f"#{source}")))
                          if s.name.startswith("own:") and s.resource_type in pushed else s for s in scopes]
            return scopes + ([DELETES] if capability.history_system else [])

        # A first pull is long: the hub's counts (one batch) give it a total and a time left.
        expected = sum(self._counts(capability, OWN_TYPES).values()) if first and capability.tag_search else 0
        pulled = [0]
        self.progress("pull", 0, expected)  # the push's "n/n" gives way at once

        def got(n: int) -> None:
            pulled[0] += n
            self.progress("pull", pulled[0], max(expected, pulled[0]) if expected else 0)

        puller = Puller(self.store, self.client, page_size=self.page_size, batch=capability.batch and not first,
                        on_progress=got, cancelled=self.cancelled)
        if capability.history_system and self.store.checkpoints.get("pull:deletes") is None:
            # Deletes of records this desktop never had do not matter: a first pull starts
            # the delete feed at the hub's "now" instead of reading all its history.
            if self.client.server_date is None:
                capability = self._capability(fresh=True)  # the hub's clock, not this computer's
            with self.store.transaction():
                self.store.checkpoints.set("pull:deletes", self._server_now(minus_seconds=1))
        stamps = {f"own:{t}": stamp for t, stamp in pushed.items()} if source else None
        try:
            puller.pull_all(scopes_of(capability), pushed=stamps)
        except HubUnreachableError as exc:
            if not (self._kept and 400 <= getattr(exc, "status", 0) < 500):
                raise
            # The hub refuses what its kept CapabilityStatement said it takes (it changed since):
            # ask it again and pull as it says now, once, in this same sync.
            log.info("the hub refused a search its kept capability allowed; asking it again")
            capability = self._capability(fresh=True)
            puller.batch = capability.batch and not first
            puller.pull_all(scopes_of(capability), pushed=stamps)
        return puller, capability

    # -- what the hub can do, kept between syncs ------------------------------------------------

    def _capability(self, *, fresh: bool = False) -> Any:
        """The hub's Capability: kept from an earlier sync when it is less than a day old, for
        this address, and that sync went well; else asked (one request)."""
        from clinic_app.sync.client import Capability

        kept = None if fresh else self.store.checkpoints.get(PROFILE_KEY)
        if kept:
            try:
                profile = json.loads(kept)
                age = self.clock() - _dt.datetime.fromisoformat(profile["at"])
                if profile.get("url") == self.client.base_url:
                    # the token endpoint is kept however old (a moved one is asked for again)
                    self.client.token_url = self.client.token_url or profile.get("token_url")
                    if (_dt.timedelta(0) <= age < _dt.timedelta(days=PROFILE_DAYS)
                            and not self.store.settings.get("last_sync_error")):
                        capability = Capability(**profile["capability"])
                        self.client.gzip_requests = capability.gzip_requests
                        self._kept = True
                        return capability
            except (ValueError, TypeError, KeyError):
                log.info("the kept hub profile is unreadable; asking the hub")
        self._kept = False
        return self.client.capability()

    def _keep_profile(self, capability: Any) -> None:
        kept = self.store.checkpoints.get(PROFILE_KEY)
        at = self._local_now()
        if kept:
            try:
                profile = json.loads(kept)
                if (profile.get("url") == self.client.base_url and profile.get("capability") == asdict(capability)
                        and profile.get("token_url") == self.client.token_url):
                    at = profile["at"]  # unchanged: its age still counts from when it was asked
            except (ValueError, TypeError, KeyError):
                pass
        self.store.checkpoints.set(PROFILE_KEY, json.dumps({
            "url": self.client.base_url, "at": at, "capability": asdict(capability),
            "token_url": self.client.token_url}))

    def _forget_profile(self) -> None:
        try:
            with self.store.transaction():
                self.store.checkpoints.clear(PROFILE_KEY)
        except KnownError:
            log.warning("could not forget the hub profile")

    def _local_now(self) -> str:
        return self.clock().astimezone(_dt.timezone.utc).isoformat(timespec="seconds")

    def _verify_due(self, first: bool) -> bool:
        if self.verify_counts is not None:
            return self.verify_counts
        last = self.store.checkpoints.get(VERIFIED_KEY)
        if first or not last or self.store.settings.get("last_sync_error"):
            return True
        try:
            age = self.clock() - _dt.datetime.fromisoformat(last)
        except (TypeError, ValueError):
            return True
        return not _dt.timedelta(0) <= age < _dt.timedelta(days=1)

    def _verify(self, puller: Puller, capability: Any) -> tuple[list[str], list[str]]:
        """Compare the facility's counts per type with the hub's; pull a mismatched type again
        and count once more. (mismatches found, mismatches that pulling again did not heal)."""
        if not capability.tag_search:
            return [], []
        busy = {e.type for e in self.store.outbox.entries(states=("pending", "sending", "failed", "conflict"),
                                                            limit=100_000)}
        # types with local changes still on their way are left out: their counts may differ for now
        remote = self._counts(capability, [t for t in OWN_TYPES if t not in busy])
        local = self.store.counts_by_type(owner=self.hcode, synced_only=True)
        mismatches, unhealed = [], []
        for rtype, count in remote.items():
            if count != local.get(rtype, 0):
                mismatches.append(f"{rtype}: here {local.get(rtype, 0)}, hub {count}")
                log.warning("count mismatch for %s; pulling it again", rtype)
                scope = next(s for s in scopes_for(self.hcode, capability) if s.name == f"own:{rtype}")
                puller.pull(scope, full=True)
                self._drop_unseen(rtype, puller.stats.seen.get(scope.name, set()))
                healed = self.store.counts_by_type(owner=self.hcode, synced_only=True).get(rtype, 0)
                now = self._counts(capability, [rtype]).get(rtype, count)
                if healed != now:
                    unhealed.append(f"{rtype}: here {healed}, hub {now}")
                    log.warning("count mismatch for %s remains after pulling again", rtype)
        return mismatches, unhealed

    def _counts(self, capability: Any, types: list[str]) -> dict[str, int]:
        """The hub's count of this facility's records per type: one batch of `_summary=count`
        searches where the hub takes batches, else a search per type. A type the hub does
        not answer for is left out."""
        from urllib.parse import urlencode

        from clinic_app.core.identifiers import HCODE_SYSTEM

        params = [("_tag", f"{HCODE_SYSTEM}|{self.hcode}"), ("_summary", "count")]
        answers: list[Any] = []
        if capability.batch and len(types) > 1:
            bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
                {"request": {"method": "GET", "url": f"{rtype}?{urlencode(params)}"}} for rtype in types]}
            r = self.client.request("POST", "", json_body=bundle)
            entries = (self.client.json(r) or {}).get("entry") or [] if r.status_code == 200 else []
            if len(entries) == len(types):
                answers = [e.get("resource") if str((e.get("response") or {}).get("status", "")).startswith("200")
                           else None for e in entries]
        if not answers:
            for rtype in types:
                r = self.client.request("GET", rtype, params=params)
                answers.append(self.client.json(r) if r.status_code == 200 else None)
        return {rtype: int(answer.get("total", 0)) for rtype, answer in zip(types, answers)
                if isinstance(answer, dict) and "total" in answer}

    def _drop_unseen(self, rtype: str, seen: set[str]) -> None:
        """After a full pull, own records the hub no longer has (and that wait for nothing) go."""
        with self.store.transaction():
            for rid in set(self.store.outbox.own_ids(rtype, self.hcode)) - seen:
                held = self.store.get(rtype, rid)
                if self.store.outbox.apply_pulled_delete(rtype, rid):
                    self._dropped.note("delete", rtype, patient_id_of(held) if held else None)

    def _check_clock(self, report: SyncReport) -> None:
        if not self.client.server_date:
            return
        try:
            server = email.utils.parsedate_to_datetime(self.client.server_date)
        except (TypeError, ValueError):
            return
        skew = (self.clock() - server).total_seconds()
        report.clock_skew_seconds = round(skew, 1)
        if abs(skew) > SKEW_WARNING_SECONDS:
            report.warnings.append(
                f"นาฬิกาของเครื่องนี้คลาดจากระบบกลาง {abs(skew) / 60:.0f} นาที โปรดตั้งวันเวลาให้ถูกต้อง "
                "(การตั้งค่า > เวลาและภาษา > ตั้งค่าเวลาโดยอัตโนมัติ) / This computer's clock is "
                f"{abs(skew) / 60:.0f} minutes {'ahead of' if skew > 0 else 'behind'} the hub: set the date and "
                "time (turn on 'Set time automatically'). Sync does not depend on it.")

    def _server_now(self, *, minus_seconds: int = 0) -> str:
        """The hub's clock as an instant (from its Date header), never this computer's if
        the hub said it."""
        moment = None
        if self.client.server_date:
            try:
                moment = email.utils.parsedate_to_datetime(self.client.server_date)
            except (TypeError, ValueError):
                moment = None
        moment = (moment or self.clock()) - _dt.timedelta(seconds=minus_seconds)
        return moment.astimezone(_dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _record_error(self, message: str) -> None:
        try:
            with self.store.transaction():
                self.store.settings.set("last_sync_error", message)
        except KnownError:
            log.warning("could not record the sync error")
