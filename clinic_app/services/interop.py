"""MOPH 43 files (43 แฟ้ม) in and out of the unit's records.

Export (`clinic-app export-43`): PERSON for every patient of this unit, and SERVICE,
DIAGNOSIS_OPD, DRUG_OPD and EPI for its visits — all of them, or those served between two
dates (the monthly submission) — as F43_<HOSPCODE>_<stamp>.zip. Patients are read in
batches of 500 with their records, so memory stays flat on 100,000 patients. Records from
other facilities are never exported (they live apart and are not this unit's to send).

Import (`clinic-app import-43`): a zip or a folder of the files from another PCU system
(JHCIS, HOSxP PCU, ...), UTF-8 or TIS-620. Everything is checked first; any problem and
nothing is stored, with every problem listed by file and line (never quoting a citizen ID
or a name). Otherwise the records are stored in one transaction like an `import-fhir`
(validated, queued for the hub, audited). Ids come from the unit's PID and SEQ, so
importing the same files again updates the same records.
"""

from __future__ import annotations

import datetime as _dt
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinic_app.core.errors import InvalidInputError, KnownError
from clinic_app.core.fhir import Resource, owner_of, patient_cid, rewrite_references
from clinic_app.core.identifiers import local_system
from clinic_app.core.permissions import Actor, require
from clinic_app.interop import f43
from clinic_app.interop.f43_export import notes_for, sort_tables, to_tables
from clinic_app.interop.f43_import import to_resources
from clinic_app.services.records import Progress, RecordService
from clinic_app.store.records import RecordStore

BATCH = 500
EXPORTED = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")
ENCODINGS = {"utf-8": f43.UTF8, "tis-620": f43.TIS620}


class ExportCancelled(KnownError):
    code = "cancelled"

    def __init__(self) -> None:
        super().__init__("ยกเลิกการส่งออกแล้ว ไม่ได้เขียนไฟล์", "Export cancelled; no file was written.")


@dataclass
class ExportReport:
    path: Path
    rows: dict[str, int]
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    stored: int
    by_type: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _visit_day(resource: Resource) -> _dt.date | None:
    text = ((resource.get("period") or {}).get("start") or resource.get("occurrenceDateTime") or "")[:10]
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


class Interop43:
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store, self.actor = store, actor
        self.records = RecordService(store, actor=actor.name)
        self.hcode = self.records.hcode

    # -- export ---------------------------------------------------------------------------

    def _own_batches(self, first: _dt.date | None, last: _dt.date | None,
                     progress: Progress | None) -> Iterator[list[Resource]]:
        """This unit's records, a batch of patients at a time; visits (and what belongs to
        them) outside [first, last] left out."""
        ids = [p["id"] for p in self.store.iter_resources(resource_type="Patient") if owner_of(p) in (None, self.hcode)]
        for start in range(0, len(ids), BATCH):
            if progress is not None and progress(start, len(ids)) is False:
                raise ExportCancelled()
            batch = [r for r in self.store.iter_resources(patient_ids=ids[start:start + BATCH])
                     if owner_of(r) in (None, self.hcode)]
            if first or last:
                outside = {r["id"] for r in batch if r["resourceType"] in ("Encounter", "Immunization")
                           and not _within(_visit_day(r), first, last)}
                batch = [r for r in batch if r["id"] not in outside
                         and _visit_of(r) not in outside]
            yield batch

    def export(self, out: Path, *, encoding: str = "utf-8", first: _dt.date | None = None,
               last: _dt.date | None = None, now: _dt.datetime | None = None,
               progress: Progress | None = None) -> ExportReport:
        """Write the archive (into `out` when it is a folder); `progress(done, total)`
        patients, returning False cancels before anything is written."""
        require(self.actor, "record.read")
        if encoding not in ENCODINGS:
            raise InvalidInputError("การเข้ารหัสต้องเป็น utf-8 หรือ tis-620", "--encoding is utf-8 or tis-620.")
        now = now or _dt.datetime.now().astimezone()
        tables: dict[str, list[dict[str, str]]] = {name: [] for name in EXPORTED}
        counts: Counter[str] = Counter()
        for batch in self._own_batches(first, last, progress):
            part = to_tables(batch, hcode=self.hcode, updated=now)
            for name, rows in part.tables.items():
                tables[name].extend(rows)
            counts += part.counts
        sort_tables(tables)
        path = out / f43.archive_name(self.hcode, now) if out.is_dir() else out
        try:
            f43.write_archive(path, tables, encoding=ENCODINGS[encoding])
        except OSError as exc:
            raise KnownError("เขียนไฟล์ 43 แฟ้มไม่ได้ (ตรวจโฟลเดอร์ปลายทางและพื้นที่ดิสก์)",
                             f"Cannot write the 43-file archive ({exc.strerror}); check the folder and free space.",
                             code="file") from exc
        with self.store.transaction():
            self.store.append_audit(actor=self.actor.name, action="export-43",
                                    detail={name: len(rows) for name, rows in tables.items()})
        return ExportReport(path, {name: len(rows) for name, rows in tables.items()}, notes_for(counts))

    # -- import ---------------------------------------------------------------------------

    def import_(self, source: Path) -> ImportReport:
        require(self.actor, "record.write")
        try:
            tables, problems = f43.read_archive(source)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise InvalidInputError("อ่านไฟล์ 43 แฟ้มไม่ได้ (ไฟล์เสียหรือไม่ใช่ zip/โฟลเดอร์ของ 43 แฟ้ม)",
                                    f"Cannot read the 43 files: {exc}. Give a zip or a folder of person.txt, "
                                    "service.txt, ...") from exc
        if "PERSON" not in tables:
            raise InvalidInputError("ไม่พบไฟล์ person.txt ใน 43 แฟ้มที่ให้มา",
                                    "No person.txt among the 43 files given; nothing was imported.")
        result = to_resources(tables, hcode=self.hcode)
        problems += result.problems
        if problems:
            raise InvalidInputError(f"43 แฟ้มมีข้อมูลที่ต้องแก้ {len(problems)} จุด ไม่ได้นำเข้าอะไรเลย",
                                    f"The 43 files have {len(problems)} problem(s); nothing was imported.",
                                    problems=problems)
        resources, notes = self._reconcile(result.resources)
        if not resources:
            return ImportReport(0, {}, result.notes + notes + ["everything in the files was already here"])
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": r} for r in resources]}
        changes = self.records.import_fhir(bundle)
        by_type: dict[str, int] = {}
        for resource in resources:
            by_type[resource["resourceType"]] = by_type.get(resource["resourceType"], 0) + 1
        return ImportReport(changes.total, by_type, result.notes + notes)

    def _reconcile(self, resources: list[Resource]) -> tuple[list[Resource], list[str]]:
        """Meet what is already here instead of doubling it. A person already registered
        (same citizen ID; without one, same HN, birth date and family name) keeps the
        record here — the file's copy is dropped and its visits point to it. A visit already
        here (the same SEQ, or the visit this unit's own export wrote) is left out with its
        vital signs, diagnoses, drugs and vaccines."""
        mapping: dict[str, str] = {}
        imported = {r["id"] for r in resources}
        known_visits: set[str] = set()
        known_doses: set[tuple[str, str, str]] = set()  # (patient reference, vaccine code, day)
        for resource in resources:
            if resource["resourceType"] != "Patient":
                continue
            existing = self._existing_patient(resource)
            if existing is None:
                continue
            here = f"Patient/{existing['id']}"
            if existing["id"] != resource["id"]:
                mapping[f"Patient/{resource['id']}"] = here
            for other in self.store.chart(existing["id"]):
                if other["id"] in imported:
                    continue  # the same files again: an update, not a twin
                if other["resourceType"] == "Encounter":
                    known_visits.add(str(other["id"]).replace("-", "")[:16])
                    known_visits.add(_seq_of(other, self._seq_system))
                elif other["resourceType"] == "Immunization":
                    known_doses.add((here, *_dose_of(other)))
        dropped = {r["id"] for r in resources
                   if r["resourceType"] == "Encounter" and _seq_of(r, self._seq_system) in known_visits - {""}}
        kept: list[Resource] = []
        doses = 0
        for resource in resources:
            if resource["resourceType"] == "Patient" and f"Patient/{resource['id']}" in mapping:
                continue
            if resource["id"] in dropped or _visit_of(resource) in dropped:
                continue
            resource = rewrite_references(resource, mapping)
            if resource["resourceType"] == "Immunization" and (
                    (resource.get("patient") or {}).get("reference"), *_dose_of(resource)) in known_doses:
                doses += 1
                continue
            kept.append(resource)
        notes = []
        if mapping:
            notes.append(f"{len(mapping)} people were already registered here (matched by citizen ID, or by HN, "
                         "birth date and family name): their records here were kept and the visits joined to them")
        if dropped:
            notes.append(f"{len(dropped)} visits were already here (same SEQ): left out with their records")
        if doses:
            notes.append(f"{doses} vaccinations were already here (same vaccine, same day): left out")
        return kept, notes

    @property
    def _seq_system(self) -> str:
        return local_system(self.hcode, "SEQ")

    def _existing_patient(self, patient: Resource) -> Resource | None:
        cid = patient_cid(patient)
        if cid:
            found = self.store.find_patients("cid", cid)
            return found[0] if found else None
        hn = next((i.get("value") for i in patient.get("identifier", [])
                   if i.get("system") == local_system(self.hcode, "HN")), None)
        family = ((patient.get("name") or [{}])[0]).get("family")
        for other in self.store.find_patients("hn", hn) if hn else []:
            if other.get("birthDate") == patient.get("birthDate") and (other.get("name") or [{}])[0].get("family") == family:
                return other
        return None


def _seq_of(encounter: Resource, system: str) -> str:
    return next((str(i.get("value")) for i in encounter.get("identifier", []) if i.get("system") == system), "")


def _dose_of(immunization: Resource) -> tuple[str, str]:
    code = ((immunization.get("vaccineCode") or {}).get("coding") or [{}])[0].get("code", "")
    return str(code), str(immunization.get("occurrenceDateTime", ""))[:10]


def _visit_of(resource: Resource) -> str:
    return str((resource.get("encounter") or resource.get("context") or {}).get("reference", "")).removeprefix(
        "Encounter/")


def parse_day(text: str) -> _dt.date:
    """A --from/--to date: YYYY-MM-DD, in common or Buddhist era (a year above 2400)."""
    day, _be = f43.parse_date(text.replace("-", "").replace("/", ""))
    if day is None:
        raise InvalidInputError("วันที่ต้องเป็น ปปปป-ดด-วว เช่น 2569-11-01 หรือ 2026-11-01",
                                f"A date is YYYY-MM-DD, e.g. 2026-11-01 (a Buddhist-era year works too), not {text!r}.")
    return day


def _within(day: _dt.date | None, first: _dt.date | None, last: _dt.date | None) -> bool:
    return day is not None and (first is None or day >= first) and (last is None or day <= last)
