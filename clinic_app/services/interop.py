"""MOPH 43 files (43 แฟ้ม) in and out of the unit's records.

Export (`clinic-app export-43`): PERSON for every patient of this unit, and SERVICE,
DIAGNOSIS_OPD, DRUG_OPD and EPI for its visits — all of them, or those served between two
dates (the monthly submission) — as F43_<HOSPCODE>_<stamp>.zip. Patients are read in
batches of 500 with their records, so memory stays flat on 100,000 patients. Records from
other facilities are never exported (they live apart and are not this unit's to send).

Import (`clinic-app import-43`): a zip or a folder of the files from another PCU system
(JHCIS, HOSxP PCU, ...), UTF-8 or TIS-620. It is one transaction: the files are staged in
the encrypted store a line at a time and mapped and stored a few people at a time
(services/interop_stage.py), so memory stays flat however large the files; any problem
and nothing is stored (the transaction is rolled back), with every problem listed by file
and line (never quoting a citizen ID or a name). The records are stored like an
`import-fhir`'s (validated, queued for the hub, audited once). Ids come from the unit's PID
and SEQ, so importing the same files again finds the same records; what is already here is
kept as it is (see `_meet`). PRENAME is read against DOPA's whole name-prefix list when it is
shipped (`name_prefixes`).

With `partial=True` (`import-43 --partial`) every valid row is imported and every refused
row is kept whole in the review list (services/interop_review.py), in the same transaction;
without it the import stays all or nothing.

Both directions read records in the SIL-TH shapes and in those the app wrote before (a
visit's VN or its old SEQ identifier, f43_export.visit_number), so an older data folder or
another facility's records export and reconcile the same.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem, group_problems, os_reason
from clinic_app.core.fhir import Resource, owner_of, patient_cid, replaced_by, rewrite_references
from clinic_app.core.permissions import Actor, require
from clinic_app.core.thai import cid_problem, normalise_cid
from clinic_app.interop import f43, f43_hdc, f43_more
from clinic_app.interop.f43_export import local_value, notes_for, pid_of, provider_codes, to_tables, visit_number
from clinic_app.interop.f43_import import ORDER, READ, Mapper
from clinic_app.services.interop_stage import ImportCancelled, Met, StagedFiles, open_files
from clinic_app.services.records import Progress, RecordService
from clinic_app.store.record_store import RecordStore

BATCH = 500
EXPORTED = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI", *f43_more.TABLES)
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
    rows: dict[str, int] = field(default_factory=dict)     # the rows of each file read that were imported
    refused: dict[str, int] = field(default_factory=dict)  # those kept in the review list (--partial)


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
        self.imported: set[str] = set()  # the Patients an import running now has written (never "already here")

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
            batch = f43_more.attach_visits(batch)  # an appointment goes with the visit it was made at
            if first or last:
                outside = {r["id"] for r in batch if r["resourceType"] in ("Encounter", "Immunization")
                           and not _within(_visit_day(r), first, last)}
                batch = [r for r in batch if r["id"] not in outside
                         and _visit_of(r) not in outside and f43_more.within(r, first, last, outside)]
            yield batch

    def export(self, out: Path, *, encoding: str = "utf-8", first: _dt.date | None = None,
               last: _dt.date | None = None, now: _dt.datetime | None = None,
               progress: Progress | None = None, hdc_check: bool = False) -> ExportReport:
        """Write the archive (into `out` when it is a folder); `progress(done, total)`
        patients, returning False cancels before anything is written. With `hdc_check` (the
        monthly submission, `export-43 --month`) every row is checked as HDC would
        (interop/f43_hdc.py) and nothing is written when one fails: InvalidInputError names
        each row."""
        require(self.actor, "record.read")
        if encoding not in ENCODINGS:
            raise InvalidInputError("การเข้ารหัสต้องเป็น utf-8 หรือ tis-620", "--encoding is utf-8 or tis-620.")
        now = now or _dt.datetime.now().astimezone()
        path = out / f43.archive_name(self.hcode, now) if out.is_dir() else out
        counts: Counter[str] = Counter()
        check = f43_hdc.Check(now) if hdc_check else None
        try:
            with f43.ArchiveWriter(path, EXPORTED, encoding=ENCODINGS[encoding],
                                   note_partial=self._note_partial) as archive:
                unit = [r for kind in ("Practitioner", "PractitionerRole", "Location")
                        for r in self.store.iter_resources(resource_type=kind) if owner_of(r) in (None, self.hcode)]
                providers = provider_codes(unit, self.hcode)
                for batch in self._own_batches(first, last, progress):
                    part = to_tables(batch, hcode=self.hcode, updated=now, providers=providers)
                    more = f43_more.to_tables(batch, hcode=self.hcode, updated=now, providers=providers)
                    for name, rows in [*part.tables.items(), *more.tables.items()]:
                        for row in rows:
                            self._write_row(archive, check, name, row)
                    counts += part.counts + more.counts
                more = f43_more.to_tables(unit, hcode=self.hcode, updated=now)  # PROVIDER, HOME: the unit's own
                for name, rows in more.tables.items():
                    for row in rows:
                        self._write_row(archive, check, name, row)
                counts += more.counts
                if check is not None and check.problems:
                    raise InvalidInputError(
                        f"HDC จะไม่รับแฟ้มนี้: มีข้อมูลที่ต้องแก้ {len(check.problems)} จุด ยังไม่ได้เขียนแฟ้มใด ๆ",
                        f"HDC would refuse these files: {len(check.problems)} problem(s) to fix; nothing was written.",
                        problems=group_problems(check.problems))
                lost = archive.finish()
        except OSError as exc:
            thai, english = os_reason(exc)
            raise KnownError(f"เขียนไฟล์ 43 แฟ้มไม่ได้ ({thai}) โปรดตรวจโฟลเดอร์ปลายทางและพื้นที่ดิสก์",
                             f"Cannot write the 43-file archive ({english}); check the folder and free space.",
                             code="file") from exc
        with self.store.transaction():
            self.store.audit.append(actor=self.actor.name, action="export-43", detail=dict(archive.rows))
        notes = notes_for(counts) + f43_more.notes_for(counts)
        if lost:
            notes.append(f"{lost} lines hold characters {encoding} cannot write (a foreign name, say); they were "
                         "written as ?: export in utf-8 to keep them")
        return ExportReport(path, dict(archive.rows), notes)

    @staticmethod
    def _write_row(archive: f43.ArchiveWriter, check: f43_hdc.Check | None, name: str, row: dict[str, str]) -> None:
        if check is not None:
            check.row(name, row)
        archive.write(name, f43.render_line(name, row))

    def _note_partial(self, partial: Path | None) -> None:
        """Keep where a half-written archive is, so the next start removes it after a crash."""
        with self.store.transaction():
            self.store.settings.set("export_partial", str(partial) if partial else "")

    # -- import ---------------------------------------------------------------------------

    def import_(self, source: Path, *, partial: bool = False, progress: Progress | None = None) -> ImportReport:
        """All the files or nothing; with `partial`, every valid row, and each refused row kept
        in the review list (services/interop_review.py) in the same transaction. The files
        are staged and mapped a few people at a time (services/interop_stage.py), all in one
        transaction; `progress(people done, people)` returning False cancels (nothing stored)."""
        require(self.actor, "record.write")
        with _reading(source):
            found, problems = open_files(source)
        if "PERSON" not in found:
            raise InvalidInputError("ไม่พบไฟล์ person.txt ใน 43 แฟ้มที่ให้มา",
                                    "No person.txt among the 43 files given; nothing was imported.")
        self.imported = set()
        with self.store.transaction():
            staged = StagedFiles(self.store)
            with _reading(source):
                staged.stage(found, READ, progress)
            mapper = Mapper(self.hcode, name_prefixes())
            mapper.describe(staged.tables)
            if partial:
                from clinic_app.services.interop_review import PartialImport

                report = PartialImport(self, source, staged, mapper, problems).run(progress)
            else:
                report = self._import_whole(staged, mapper, problems, progress)
            staged.clear()
        return report

    def _import_whole(self, staged: StagedFiles, mapper: Mapper, problems: list[Problem],
                      progress: Progress | None) -> ImportReport:
        """Map and store a few people at a time; the first problem stops the storing (the
        rest is still checked, so every problem is listed) and the caller's transaction is
        rolled back by the error raised at the end."""
        met = Met()
        conflicts: list[Problem] = []
        changes, by_type = ChangeSet(), Counter[str]()
        reviewed = self.store.f43_review.count() > 0
        done, people = 0, staged.people
        for chunk in staged.chunks():
            result = mapper.map(chunk.tables)
            problems += chunk.problems + result.problems
            if not problems:  # every chunk met, so every conflict is listed; stored only while there is none
                kept, clashes = self._meet(result.resources, met)
                conflicts += [problem for _layout, _key, problem in clashes]
                if not conflicts and kept:
                    self.records.write_part(kept, changes)
                    by_type.update(r["resourceType"] for r in kept)
                    self.imported.update(r["id"] for r in kept if r["resourceType"] == "Patient")
                if not conflicts and reviewed:
                    from clinic_app.services.interop_review import forget_reviewed

                    forget_reviewed(self.store, chunk.tables, batch="")
            done += chunk.people
            if progress is not None and progress(done, people) is False:
                raise ImportCancelled
        if problems:
            raise InvalidInputError(f"43 แฟ้มมีข้อมูลที่ต้องแก้ {len(problems)} จุด ไม่ได้นำเข้าอะไรเลย",
                                    f"The 43 files have {len(problems)} problem(s); nothing was imported.",
                                    problems=sorted_problems(problems))
        if conflicts:
            raise InvalidInputError(f"43 แฟ้มขัดกับข้อมูลที่นำเข้าไว้แล้ว {len(conflicts)} จุด ไม่ได้นำเข้าอะไรเลย",
                                    f"The 43 files disagree with what was imported before ({len(conflicts)}); "
                                    "nothing was imported.", problems=conflicts)
        rows = {name: table.line_count for name, table in staged.tables.items() if name in READ}
        notes = mapper.notes() + met.notes()
        if not changes.total:
            return ImportReport(0, {}, notes + ["everything in the files was already here"], rows=rows)
        self.store.audit.append(actor=self.actor.name, action="import", detail=changes.summary())
        return ImportReport(changes.total, dict(by_type), notes, changes, rows=rows)

    @property
    def review(self) -> Any:
        """The review list of rows a partial import refused (services/interop_review.py)."""
        from clinic_app.services.interop_review import F43ReviewService

        return F43ReviewService(self)

    def _meet(self, resources: list[Resource], met: Met) -> tuple[list[Resource], list[tuple[str, str, Problem]]]:
        """Meet what is already here instead of doubling or overwriting it.

        A person already here — the record these files made before (same PID), or one
        registered here with the same citizen ID (without one: same HN, birth date and
        family name) — keeps the record as it is here (edits made here are not undone);
        the file's copy is dropped and its new visits join that record. A visit already
        here (same SEQ, or the visit this unit's own export wrote) and a dose already here
        (same vaccine, same day) are left out; what was left out is counted in `met`. A PID or SEQ that was imported before for another person is
        a problem: two sets of files disagree (returned as (layout, PID or SEQ, problem):
        the import refuses everything, a partial import the rows). Nothing is left out
        when there is one."""
        problems: list[tuple[str, str, Problem]] = []
        mapping: dict[str, str] = {}  # Patient/<file id> -> Patient/<id here>
        visits_here: dict[str, set[str]] = {}  # Patient/<id here> -> SEQs and export ids of its visits
        doses_here: set[tuple[str, str, str]] = set()  # (Patient/<id here>, vaccine code, day)
        facts_here: set[tuple[str, ...] | None] = set()  # f43_more.fact_key of the records of people here
        for patient in (r for r in resources if r["resourceType"] == "Patient"):
            same_id = self.store.get("Patient", patient["id"])
            if same_id is not None and not _same_person(same_id, patient):
                pid = pid_of(patient, self.hcode)
                problems.append(("PERSON", pid, Problem(
                    None, f"person.txt PID {pid}",
                    "this PID was imported before for another person (citizen ID or birth "
                    "date differ): check that these files belong with the ones imported",
                    "PID นี้เคยนำเข้าเป็นของอีกคนหนึ่ง (เลขประจำตัวประชาชนหรือวันเกิดไม่ตรงกัน) "
                    "โปรดตรวจว่าแฟ้มชุดนี้เป็นชุดเดียวกับที่เคยนำเข้า")))
                continue
            existing = same_id or self._existing_patient(patient)
            if existing is None:
                continue
            here = f"Patient/{existing['id']}"
            mapping[f"Patient/{patient['id']}"] = here
            seen = visits_here.setdefault(here, set())
            for other in self.store.chart(existing["id"]):
                facts_here.add(f43_more.fact_key(other))
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
                seq = visit_number(visit, self.hcode)
                problems.append(("SERVICE", seq, Problem(
                    None, f"service.txt SEQ {seq}",
                    "this SEQ was imported before for another person: check that these files "
                    "belong with the ones imported",
                    "SEQ นี้เคยนำเข้าเป็นของอีกคนหนึ่ง โปรดตรวจว่าแฟ้มชุดนี้เป็นชุดเดียวกับที่เคยนำเข้า")))
            elif same_id is not None or visit_number(visit, self.hcode) in visits_here.get(owner, ()):
                dropped.add(visit["id"])
        if problems:
            return [], problems
        kept: list[Resource] = []
        found = Met(people=len(mapping), visits=len(dropped))
        for resource in resources:
            if resource["resourceType"] == "Patient" and f"Patient/{resource['id']}" in mapping:
                continue
            if resource["id"] in dropped or _visit_of(resource) in dropped:
                continue
            resource = rewrite_references(resource, mapping)
            if resource["resourceType"] == "Immunization" and (
                    (resource.get("patient") or {}).get("reference"), *_dose_of(resource)) in doses_here:
                found.doses += 1
                continue
            key = f43_more.fact_key(resource)
            if key is not None and key in facts_here:  # the same right, allergy, appointment ... made here
                found.same[resource["resourceType"]] += 1
                continue
            kept.append(resource)
        kept = f43_more.keep_what_is_here(kept, self.store.get, found.here)  # issue 15: allergies, rights ... here
        met.add(found)
        return kept, []

    # -- what is already here, by the 43 files' keys ----------------------------------------

    def stored_patient(self, pid: str, *, cid: str = "", ids: tuple[str, ...] = ()) -> Resource | None:
        """The unit's patient a row's PID (or its CID) names among the records already here:
        the record of one of `ids` (the id an import gives that PID), one whose PID (or HN,
        for a person registered here) is `pid`, else the one with the row's citizen ID. A
        record merged into another leads to the one kept. None when there is none."""
        found = next((p for p in (self.store.get("Patient", i) for i in ids) if p is not None), None)
        if found is None and pid:
            found = next((p for p in self.store.find_patients("hn", pid)
                          if owner_of(p) in (None, self.hcode) and pid_of(p, self.hcode) == pid), None)
        cid = normalise_cid(cid)
        if found is None and cid and not cid_problem(cid):
            found = next((p for p in self.store.find_patients("cid", cid) if owner_of(p) in (None, self.hcode)), None)
        for _hop in range(10):  # a merge chain is short; a loop in one must not hang the import
            kept = replaced_by(found)
            if found is None or kept is None:
                break
            found = self.store.get("Patient", kept)
        return found

    def stored_visit(self, patient_id: str, seq: str) -> Resource | None:
        """The patient's visit whose visit number (a 43-file SEQ) is `seq`, or None."""
        if not seq:
            return None
        return next((r for r in self.store.chart(patient_id)
                     if r["resourceType"] == "Encounter" and visit_number(r, self.hcode) == seq), None)

    def _existing_patient(self, patient: Resource) -> Resource | None:
        """The person already here (by citizen ID; without one, by HN, birth date and family
        name), never one these same files brought in an earlier part of this import: two
        PERSON rows are two people, as when the files are read whole."""
        cid = patient_cid(patient)
        if cid:
            found = [p for p in self.store.find_patients("cid", cid) if p["id"] not in self.imported]
            return found[0] if found else None
        hn = local_value(patient, self.hcode, "HN")
        return next((other for other in (self.store.find_patients("hn", hn) if hn else [])
                     if other["id"] not in self.imported and _same_person(other, patient)), None)


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    """The problems in the order of the files (as the import reads them) and their lines;
    those of no line (two files for one table) first."""
    order = {name: n for n, name in enumerate(dict.fromkeys((*ORDER, *f43.LAYOUTS)))}

    def key(problem: Problem) -> tuple[int, int]:
        file, _, line = problem.path.partition(" line ")
        layout = file.removesuffix(".txt").upper()
        if not line.isdigit() or layout not in order:
            return (-1, 0)
        return (order[layout], int(line))

    return sorted(problems, key=key)


@contextlib.contextmanager
def _reading(source: Path) -> Iterator[None]:
    """A file that cannot be read at all, said so a clerk can act on it (nothing imported)."""
    try:
        yield
    except OSError as exc:  # no such file, no permission ...: not a damaged file
        thai, english = os_reason(exc)
        raise InvalidInputError(f"อ่าน 43 แฟ้มจาก {source.name} ไม่ได้ ({thai}) โปรดตรวจชื่อและที่เก็บ "
                                "แล้วระบุไฟล์ zip หรือโฟลเดอร์ของ 43 แฟ้ม",
                                f"Cannot read the 43 files from {source.name} ({english}). Check the name and "
                                "where it is, and give a zip or a folder of person.txt, service.txt, ...") from exc
    except f43.FileTooBig as exc:
        raise InvalidInputError(f"ไฟล์ {exc.where} ใหญ่เกิน {exc.mib} MiB ไม่ได้นำเข้าอะไรเลย",
                                f"{exc.where} is larger than {exc.mib} MiB; nothing was imported.") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: a zip with a password; NotImplementedError: one packed in a way zipfile cannot read
        raise InvalidInputError(f"เปิด {source.name} ไม่ได้ (ไฟล์เสีย ใส่รหัสผ่านไว้ หรือไม่ใช่ zip ของ 43 แฟ้ม)",
                                f"{source.name} cannot be opened (damaged, locked with a password, or not a zip "
                                "of the 43 files). Give a zip or a folder of person.txt, service.txt, ...") from exc


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


def month_bounds(text: str) -> tuple[_dt.date, _dt.date]:
    """An --month: YYYY-MM in common or Buddhist era -> its first and last day."""
    found = re.fullmatch(r"\s*([0-9]{4})[-/]?([0-9]{1,2})\s*", text or "")
    year, month = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    year -= 543 if year > 2400 else 0
    if not (1 <= month <= 12 and 1900 <= year <= 2400):
        raise InvalidInputError("เดือนต้องเป็น ปปปป-ดด เช่น 2569-11 หรือ 2026-11",
                                f"A month is YYYY-MM, e.g. 2026-11 (a Buddhist-era year works too), not {text!r}.")
    first = _dt.date(year, month, 1)
    return first, (first.replace(day=28) + _dt.timedelta(days=4)).replace(day=1) - _dt.timedelta(days=1)


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
