"""The sync engine: connect, push the outbox, pull what changed, check the counts.

Runs off the UI thread (the caller's thread; it never touches Qt), reports progress as
(phase, done, total), and can be cancelled between Bundles and pages. Being offline is
not a failure: HubUnreachableError leaves everything queued and is recorded as the last
error for the status bar. The server's Date header is compared with this computer's
clock; more than five minutes apart gives a warning (nothing here depends on the local
clock).
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import KnownError
from clinic_app.core.fhir import patient_id_of
from clinic_app.core.ports import SyncStore
from clinic_app.sync.client import HubClient
from clinic_app.sync.errors import HubUnreachableError
from clinic_app.sync.pull import OWN_TYPES, Puller, scopes_for
from clinic_app.sync.push import Pusher

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
SKEW_WARNING_SECONDS = 300


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
    requests: int = 0
    push_seconds: float = 0.0
    pull_seconds: float = 0.0
    changes: ChangeSet = field(default_factory=ChangeSet)  # what the sync changed here, for the window

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
                 cancelled: Callable[[], bool] | None = None, verify_counts: bool = True,
                 clock: Callable[[], _dt.datetime] | None = None) -> None:
        self.store = store
        self.client = client
        self.hcode = hcode
        self.bundle_size = bundle_size
        self.page_size = page_size
        self.progress = progress or (lambda phase, done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.verify_counts = verify_counts
        self.clock = clock or (lambda: _dt.datetime.now(_dt.timezone.utc))
        self._dropped = ChangeSet()

    def run(self) -> SyncReport:
        report = SyncReport()
        try:
            self._run(report)
        except HubUnreachableError as exc:
            self._record_error(f"{exc.thai}\n{exc.english}")
            raise
        finally:
            counts = self.store.outbox.counts()
            report.pending = counts.get("pending", 0) + counts.get("sending", 0)
            report.failed = counts.get("failed", 0)
            report.conflicts = counts.get("conflict", 0)
            report.bytes_sent, report.bytes_received = self.client.bytes_sent, self.client.bytes_received
        if self.cancelled():
            raise SyncCancelled()
        return report

    def _run(self, report: SyncReport) -> None:
        self.progress("connect", 0, 0)
        capability = self.client.capability()
        self._check_clock(report)
        bundle = min(self.bundle_size, capability.max_bundle_entries or self.bundle_size)
        queued = self.store.outbox.counts()
        total = queued.get("pending", 0) + queued.get("sending", 0)
        done = [0]

        def pushed(n: int) -> None:
            done[0] += n
            self.progress("push", done[0], total)

        pusher = Pusher(self.store, self.client, bundle_size=bundle, transactions=capability.transactions,
                        on_progress=pushed, cancelled=self.cancelled)
        started = time.perf_counter()
        stats = pusher.run()
        report.push_seconds = round(time.perf_counter() - started, 3)
        report.pushed, report.merged, report.requests = stats.pushed, stats.merged, stats.requests
        report.changes.merge(pusher.changes)
        if self.cancelled():
            return
        pulled = [0]
        self.progress("pull", 0, 0)  # the push's "n/n" gives way at once (a first pull can be long)

        def got(n: int) -> None:
            pulled[0] += n
            self.progress("pull", pulled[0], 0)

        puller = Puller(self.store, self.client, page_size=self.page_size, on_progress=got, cancelled=self.cancelled)
        started = time.perf_counter()
        if capability.history_system and self.store.checkpoints.get("pull:deletes") is None:
            # Deletes of records this desktop never had do not matter: a first pull starts
            # the delete feed at the hub's "now" instead of reading all its history.
            with self.store.transaction():
                self.store.checkpoints.set("pull:deletes", self._server_now(minus_seconds=1))
        for scope in scopes_for(self.hcode, capability):
            puller.pull(scope)
        if capability.history_system:
            puller.pull_deletes()
        report.pull_seconds = round(time.perf_counter() - started, 3)
        if self.verify_counts and not self.cancelled():
            self.progress("verify", 0, 0)
            report.mismatches, report.unhealed = self._verify(puller, capability)
            report.changes.merge(self._dropped)
        report.pulled, report.deleted = puller.stats.pulled, puller.stats.deleted
        report.changes.merge(puller.stats.changes)
        with self.store.transaction():
            self.store.checkpoints.set("last_sync", self._server_now())
            self.store.settings.set("last_sync_error", None)

    def _verify(self, puller: Puller, capability: Any) -> tuple[list[str], list[str]]:
        """Compare the facility's counts per type with the hub's; pull a mismatched type again
        and count once more. (mismatches found, mismatches that pulling again did not heal)."""
        if not capability.tag_search:
            return [], []
        from clinic_app.core.identifiers import HCODE_SYSTEM

        busy = {e.type for e in self.store.outbox.entries(states=("pending", "sending", "failed", "conflict"),
                                                            limit=100_000)}
        local = self.store.counts_by_type(owner=self.hcode, synced_only=True)
        mismatches, unhealed = [], []
        for rtype in OWN_TYPES:
            if rtype in busy:
                continue  # local changes still on their way: the counts may differ for now
            r = self.client.request("GET", rtype, params=[("_tag", f"{HCODE_SYSTEM}|{self.hcode}"),
                                                          ("_summary", "count")])
            if r.status_code != 200:
                continue
            remote = int(r.json().get("total", 0))
            if remote != local.get(rtype, 0):
                mismatches.append(f"{rtype}: here {local.get(rtype, 0)}, hub {remote}")
                log.warning("count mismatch for %s; pulling it again", rtype)
                scope = next(s for s in scopes_for(self.hcode, capability) if s.name == f"own:{rtype}")
                puller.pull(scope, full=True)
                self._drop_unseen(rtype, puller.stats.seen.get(scope.name, set()))
                healed = self.store.counts_by_type(owner=self.hcode, synced_only=True).get(rtype, 0)
                if healed != remote:
                    unhealed.append(f"{rtype}: here {healed}, hub {remote}")
                    log.warning("count mismatch for %s remains after pulling again", rtype)
        return mismatches, unhealed

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
