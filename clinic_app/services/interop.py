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
importing the same files again finds the same records; what is already here is kept as it
is (see `_reconcile`). PRENAME is read against DOPA's whole name-prefix list when it is
shipped (`name_prefixes`).

Both directions read records in the SIL-TH shapes and in those the app wrote before (a
visit's VN or its old SEQ identifier, f43_export.visit_number), so an older data folder or
another facility's records export and reconcile the same.
"""

from __future__ import annotations

import datetime as _dt
import functools
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem, os_reason
from clinic_app.core.fhir import Resource, owner_of, patient_cid, replaced_by, rewrite_references
from clinic_app.core.permissions import Actor, require
from clinic_app.interop import f43
from clinic_app.interop.f43_export import local_value, notes_for, pid_of, to_tables, visit_number
from clinic_app.interop.f43_import import READ, to_resources
from clinic_app.services.records import Progress, RecordService
from clinic_app.store.record_store import RecordStore

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
    changes: ChangeSet = field(default_factory=ChangeSet)


@functools.cache
def name_prefixes() -> dict[str, str] | None:
    """DOPA's name-prefix list (code -> display, 504 codes) shipped in resources/standards/
    (cs-dopa-nameprefix.csv), read by the conformance check's loader; None when it is not
    there, and the 43-file import then knows the everyday prefixes only."""
    try:  # the conformance package ships the lists; an installation without them still imports
        from clinic_app.conformance.codes import code_list
        return dict(code_list("cs-dopa-nameprefix").display)
    except (ImportError, OSError):
        return None


def _visit_day(resource: Resource) -> _dt.date | None:
    """The day of a visit or dose in Thailand (a visit at 23:30 UTC is the next day there)."""
    moment = f43.thai_local((resource.get("period") or {}).get("start") or resource.get("occurrenceDateTime"))
    return moment.date() if moment else None


class Interop43:
    def __init__(self, store: RecordStore, *, actor: Actor) -> None:
        self.store, self.actor = store, actor
        self.records = RecordService(store, actor=actor)
        self.hcode = self.records.hcode

    # -- export ---------------------------------------------------------------------------

    def _own_batches(self, first: _dt.date | None, last: _dt.date | None,
                     progress: Progress | None) -> Iterator[list[Resource]]:
        """This unit's records, a batch of patients at a time; visits (and what belongs to
        them) outside [first, last] left out."""
        # In PID order: each batch's rows are sorted, so the batches follow one another in order.
        ids = [i for _pid, i in sorted((pid_of(p, self.hcode), p["id"])
                                        for p in self.store.iter_resources(resource_type="Patient")
                                        if owner_of(p) in (None, self.hcode) and not replaced_by(p))]
        # (a record merged into another is not a person of its own: its visits moved to the kept one)
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
        path = out / f43.archive_name(self.hcode, now) if out.is_dir() else out
        counts: Counter[str] = Counter()
        try:
            with f43.ArchiveWriter(path, EXPORTED, encoding=ENCODINGS[encoding],
                                   note_partial=self._note_partial) as archive:
                for batch in self._own_batches(first, last, progress):
                    part = to_tables(batch, hcode=self.hcode, updated=now)
                    for name, rows in part.tables.items():
                        for row in rows:
                            archive.write(name, f43.render_line(name, row))
                    counts += part.counts
                lost = archive.finish()
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"เขียนไฟล์ 43 แฟ้มไม่ได้ ({thai}) โปรดตรวจโฟลเดอร์ปลายทางและพื้นที่ดิสก์",
                             f"Cannot write the 43-file archive ({english}); check the folder and free space.",
                             code="file") from exc
        with self.store.transaction():
            self.store.audit.append(actor=self.actor.name, action="export-43", detail=dict(archive.rows))
        notes = notes_for(counts)
        if lost:
            notes.append(f"{lost} lines hold characters {encoding} cannot write (a foreign name, say); they were "
                         "written as ?: export in utf-8 to keep them")
        return ExportReport(path, dict(archive.rows), notes)

    def _note_partial(self, partial: Path | None) -> None:
        """Keep where a half-written archive is, so the next start removes it after a crash."""
        with self.store.transaction():
            self.store.settings.set("export_partial", str(partial) if partial else "")

    # -- import ---------------------------------------------------------------------------

    def import_(self, source: Path) -> ImportReport:
        require(self.actor, "record.write")
        try:
            tables, problems = f43.read_archive(source, parse=READ)
        except OSError as exc:  # no such file, no permission ...: not a damaged file
            thai, english = os_reason(exc)
            raise InvalidInputError(f"อ่าน 43 แฟ้มจาก {source.name} ไม่ได้ ({thai}) โปรดตรวจชื่อและที่เก็บ "
                                    "แล้วระบุไฟล์ zip หรือโฟลเดอร์ของ 43 แฟ้ม",
                                    f"Cannot read the 43 files from {source.name} ({english}). Check the name and "
                                    "where it is, and give a zip or a folder of person.txt, service.txt, ...") from exc
        except f43.FileTooBig as exc:
            raise InvalidInputError(f"ไฟล์ {exc.where} ใหญ่เกิน {exc.mib} MiB ไม่ได้นำเข้าอะไรเลย",
                                    f"{exc.where} is larger than {exc.mib} MiB; nothing was imported.") from exc
        except (zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError) as exc:
            # RuntimeError: a zip with a password; NotImplementedError: one packed in a way zipfile cannot read
            raise InvalidInputError(f"เปิด {source.name} ไม่ได้ (ไฟล์เสีย ใส่รหัสผ่านไว้ หรือไม่ใช่ zip ของ 43 แฟ้ม)",
                                    f"{source.name} cannot be opened (damaged, locked with a password, or not a zip "
                                    "of the 43 files). Give a zip or a folder of person.txt, service.txt, ...") from exc
        if "PERSON" not in tables:
            raise InvalidInputError("ไม่พบไฟล์ person.txt ใน 43 แฟ้มที่ให้มา",
                                    "No person.txt among the 43 files given; nothing was imported.")
        result = to_resources(tables, hcode=self.hcode, prefixes=name_prefixes())
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
        return ImportReport(changes.total, by_type, result.notes + notes, changes)

    def _reconcile(self, resources: list[Resource]) -> tuple[list[Resource], list[str]]:
        """Meet what is already here instead of doubling or overwriting it.

        A person already here — the record these files made before (same PID), or one
        registered here with the same citizen ID (without one: same HN, birth date and
        family name) — keeps the record as it is here (edits made here are not undone);
        the file's copy is dropped and its new visits join that record. A visit already
        here (same SEQ, or the visit this unit's own export wrote) and a dose already here
        (same vaccine, same day) are left out. A PID or SEQ that was imported before for
        another person is a problem: two sets of files disagree, and nothing is stored."""
        problems: list[Problem] = []
        mapping: dict[str, str] = {}  # Patient/<file id> -> Patient/<id here>
        visits_here: dict[str, set[str]] = {}  # Patient/<id here> -> SEQs and export ids of its visits
        doses_here: set[tuple[str, str, str]] = set()  # (Patient/<id here>, vaccine code, day)
        for patient in (r for r in resources if r["resourceType"] == "Patient"):
            same_id = self.store.get("Patient", patient["id"])
            if same_id is not None and not _same_person(same_id, patient):
                problems.append(Problem(None, f"person.txt PID {pid_of(patient, self.hcode)}",
                                        "this PID was imported before for another person (citizen ID or birth "
                                        "date differ): check that these files belong with the ones imported",
                                        "PID นี้เคยนำเข้าเป็นของอีกคนหนึ่ง (เลขประจำตัวประชาชนหรือวันเกิดไม่ตรงกัน) "
                                        "โปรดตรวจว่าแฟ้มชุดนี้เป็นชุดเดียวกับที่เคยนำเข้า"))
                continue
            existing = same_id or self._existing_patient(patient)
            if existing is None:
                continue
            here = f"Patient/{existing['id']}"
            mapping[f"Patient/{patient['id']}"] = here
            seen = visits_here.setdefault(here, set())
            for other in self.store.chart(existing["id"]):
                if other["resourceType"] == "Encounter":
                    seen.update({str(other["id"]).replace("-", "")[:16], visit_number(other, self.hcode)} - {""})
                elif other["resourceType"] == "Immunization":
                    doses_here.add((here, *_dose_of(other)))
        dropped: set[str] = set()
        for visit in (r for r in resources if r["resourceType"] == "Encounter"):
            subject = str((visit.get("subject") or {}).get("reference", ""))
            owner = mapping.get(subject, subject)
            same_id = self.store.get("Encounter", visit["id"])
            if same_id is not None and (same_id.get("subject") or {}).get("reference") != owner:
                problems.append(Problem(None, f"service.txt SEQ {visit_number(visit, self.hcode)}",
                                        "this SEQ was imported before for another person: check that these files "
                                        "belong with the ones imported",
                                        "SEQ นี้เคยนำเข้าเป็นของอีกคนหนึ่ง โปรดตรวจว่าแฟ้มชุดนี้เป็นชุดเดียวกับที่เคยนำเข้า"))
            elif same_id is not None or visit_number(visit, self.hcode) in visits_here.get(owner, ()):
                dropped.add(visit["id"])
        if problems:
            raise InvalidInputError(f"43 แฟ้มขัดกับข้อมูลที่นำเข้าไว้แล้ว {len(problems)} จุด ไม่ได้นำเข้าอะไรเลย",
                                    f"The 43 files disagree with what was imported before ({len(problems)}); "
                                    "nothing was imported.", problems=problems)
        kept: list[Resource] = []
        doses = 0
        for resource in resources:
            if resource["resourceType"] == "Patient" and f"Patient/{resource['id']}" in mapping:
                continue
            if resource["id"] in dropped or _visit_of(resource) in dropped:
                continue
            resource = rewrite_references(resource, mapping)
            if resource["resourceType"] == "Immunization" and (
                    (resource.get("patient") or {}).get("reference"), *_dose_of(resource)) in doses_here:
                doses += 1
                continue
            kept.append(resource)
        notes = []
        if mapping:
            notes.append(f"{len(mapping)} people were already here (imported before, or registered with the same "
                         "citizen ID): their records here were kept as they are and new visits joined to them")
        if dropped:
            notes.append(f"{len(dropped)} visits were already here (same SEQ): left out with their records")
        if doses:
            notes.append(f"{doses} vaccinations were already here (same vaccine, same day): left out")
        return kept, notes

    def _existing_patient(self, patient: Resource) -> Resource | None:
        cid = patient_cid(patient)
        if cid:
            found = self.store.find_patients("cid", cid)
            return found[0] if found else None
        hn = local_value(patient, self.hcode, "HN")
        return next((other for other in (self.store.find_patients("hn", hn) if hn else [])
                     if _same_person(other, patient)), None)


def _same_person(here: Resource, there: Resource) -> bool:
    cid_here, cid_there = patient_cid(here), patient_cid(there)
    if cid_here and cid_there:
        return cid_here == cid_there
    family = [((p.get("name") or [{}])[0]).get("family") for p in (here, there)]
    return here.get("birthDate") == there.get("birthDate") and family[0] == family[1]


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


def remove_leftover_export(store: RecordStore) -> None:
    """A 43-file archive a crash left half-written (it holds patients' data in clear) goes."""
    partial = store.settings.get("export_partial")
    if not partial:
        return
    try:
        Path(partial).unlink(missing_ok=True)
    except OSError:
        return  # a folder gone read-only: try again next time
    with store.transaction():
        store.settings.set("export_partial", "")
