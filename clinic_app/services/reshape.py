"""Data version 2: a folder's own records rewritten in the SIL-TH shapes, once.

A folder made before this release holds its records in the shapes this app used then (data
version 1, the `record_shape` setting unset). The first time a session opens the folder for
writing, `reshape_folder` rewrites every record this unit owns through `core.reshape` in one
transaction: the records, their outbox entries (ordinary updates for what the hub has, the
create still waiting for what it has not) and one audit entry land together or not at all,
so a crash half way leaves the folder as it was and the next start does it again. Records of
other facilities are never touched. A folder opened read-only (damaged, a read-only disk)
is read as it is: the chart and the exports read both shapes.
"""

from __future__ import annotations

import logging

from clinic_app.core.changes import ChangeSet
from clinic_app.core.fhir import owner_of
from clinic_app.core.permissions import DEVICE
from clinic_app.core.reshape import reshape
from clinic_app.services.records import Cancelled, Progress, RecordService
from clinic_app.store.record_store import RecordStore

log = logging.getLogger(__name__)

CURRENT_SHAPE = 2
BATCH = 500


def needs_reshaping(store: RecordStore) -> bool:
    """Whether the folder's records are still in data version 1 (and it can be written)."""
    return store.writable and int(store.settings.get("record_shape")) < CURRENT_SHAPE


def reshape_folder(store: RecordStore, *, progress: Progress | None = None) -> ChangeSet:
    """Bring the folder's own records to data version 2 (nothing when they are already).
    `progress(done, total)` records read; returning False stops it, and nothing is kept
    (Cancelled; the next start does it again)."""
    if not needs_reshaping(store):
        return ChangeSet()
    records = RecordService(store, actor=DEVICE)
    hcode = records.hcode
    changes = ChangeSet()
    rewritten = seen = 0
    total = sum(store.counts_by_type().values())
    with store.transaction():
        batch = []
        for resource in store.iter_resources():
            seen += 1
            if progress is not None and seen % BATCH == 0 and progress(min(seen, total), total) is False:
                raise Cancelled(0)
            if owner_of(resource) not in (None, hcode):
                continue  # another facility's record: as it came
            batch.extend(reshape(resource, hcode))
            if len(batch) >= BATCH:
                changes.merge(records.rewrite(batch, action="reshape"))
                rewritten += len(batch)
                batch = []
        if batch:
            changes.merge(records.rewrite(batch, action="reshape"))
            rewritten += len(batch)
        store.settings.set("record_shape", CURRENT_SHAPE)
        store.audit.append(actor=DEVICE.name, action="reshape-records",
                           detail={"to": CURRENT_SHAPE, **changes.summary()})
    log.info("records rewritten in the SIL-TH shapes: %d", rewritten)
    changes.settings = True
    return changes
