"""`import-43 --partial` at scale (issue 15): a synthetic unit's 43 files (f43_generator,
every field filled with a valid value) with 1% of the rows of each file broken in known
ways, chosen by a seeded generator, through the real partial import
(`Interop43.import_(source, partial=True)`, what `clinic-app import-43 SOURCE --partial`
calls) into the real encrypted store:

- every good row is in: the import's counts by file and by kind, and the unit exported
  again gives back every good row field by field (test_f43_roundtrip's comparison) and no
  other;
- every broken row is in the review list with exactly the reasons the importer gives for
  its break (in English, and in Thai too), and every row that depends on a broken one (a
  broken person's visits, diagnoses, drugs and vaccines; a broken visit's diagnoses,
  drugs and vaccines) is in the list naming that row as its parent, with the reason that
  says so; good + refused = the rows of each file (none lost);
- the review list written back as 43 files (`import-43 --rejects OUT`) gives the refused
  lines byte for byte as they were read;
- in the window (File > "แถวที่นำเข้าไม่ได้ (43 แฟ้ม)…"), a person refused for a wrong check
  digit, fixed in the row's fields and imported again, is in the store and off the list,
  and the app takes the rows refused because of them (their visits, diagnoses, drugs,
  vaccines) along: in the store, joined to them, and off the list; then a visit refused for
  a PID not in PERSON, given its person's PID, joins that person (imported before) and takes
  its diagnoses, drugs and vaccines along. (This test changes the store: it runs last.)

People: F43_PARTIAL_PEOPLE (default below; the issue names 5,000), seed F43_PARTIAL_SEED.

Not broken here: an EPI VACCINETYPE outside cs-thcc-vaccine-code is imported on purpose
(kept as read; tests/interop/test_f43.py test_a_vaccine_outside_a_visit_keeps_its_seq_and_place),
so it is no refused row.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clinic_app.core.permissions import CLERK, DEVICE, Actor
from clinic_app.interop import f43
from clinic_app.interop.f43_export import visit_number
from clinic_app.security.keys import KeyStore
from clinic_app.services.installation import Installation, initialise
from clinic_app.services.interop import ImportReport, Interop43
from clinic_app.services.session import UnitSession
from clinic_app.ui.f43_review import MARKED, F43ReviewDialog
from clinic_app.ui.main import MainWindow
from tests.interop.f43_generator import TABLES, Unit, generate
from tests.interop.test_f43_roundtrip import _report, differences

PEOPLE = int(os.environ.get("F43_PARTIAL_PEOPLE", "1000"))
SEED = int(os.environ.get("F43_PARTIAL_SEED", "15"))
RATE = 0.01  # of each file's rows, broken
HCODE = "12345"  # tests/conftest.py's unit
ELSEWHERE = "10670"  # another facility
KINDS_OF = {"Patient": "PERSON", "Encounter": "SERVICE", "Condition": "DIAGNOSIS_OPD",
            "MedicationDispense": "DRUG_OPD", "Immunization": "EPI"}

# The importer's reasons (English), as interop/f43.py and interop/f43_import.py give them.
NOT_A_DATE = "{} is missing or not a real date (YYYYMMDD)"
NO_PERSON = "PID is not in person.txt"
NOT_THE_VISITS_PID = "PID is not the PID of the visit (SEQ) in service.txt"
NO_VISIT = "SEQ is not a visit in service.txt"
OTHER_FACILITY = f"belongs to facility {ELSEWHERE}; only this unit's files can be imported"
PERSON_REFUSED = ("the person on PERSON line {line} was refused", "บุคคลในแฟ้ม PERSON บรรทัดที่ {line} นำเข้าไม่ได้")
VISIT_REFUSED = ("the visit on SERVICE line {line} was refused",
                 "การรับบริการในแฟ้ม SERVICE บรรทัดที่ {line} นำเข้าไม่ได้")


def short(layout: str, keep: int) -> str:
    fields = f43.LAYOUTS[layout]
    return f"{keep} fields where {layout} has {len(fields)}; missing from {fields[keep]} on"


@dataclass
class Context:
    """What a break may need: PIDs no row has, PIDs of people left unbroken, the SEQs of SERVICE."""

    rng: random.Random
    unit: Unit
    fresh: Iterator[int]
    good_pids: list[str] = field(default_factory=list)
    seqs: set[str] = field(default_factory=set)

    def unknown_pid(self) -> str:
        return str(next(self.fresh))


@dataclass(frozen=True)
class Kind:
    """A way of breaking a row of `layout`: what it does to the row (or the line, for a short
    one), the reasons the importer gives the row, and the reasons of its own (before the
    parent's) each kind of dependent row gets."""

    name: str
    change: Callable[[dict[str, str], Context], None]
    reasons: Callable[[dict[str, str], Context], list[str]]
    dependents: dict[str, list[str]] = field(default_factory=dict)
    keep: int = 0  # a short line: only the first `keep` fields are written


def _set(**values: str) -> Callable[[dict[str, str], Context], None]:
    return lambda row, _ctx: row.update(values)


def _says(*reasons: str) -> Callable[[dict[str, str], Context], list[str]]:
    return lambda _row, _ctx: list(reasons)


def _wrong_check_digit(row: dict[str, str], _ctx: Context) -> None:
    row["CID"] = row["CID"][:12] + str((int(row["CID"][12]) + 1) % 10)


def _impossible_day(name: str) -> Callable[[dict[str, str], Context], None]:
    return lambda row, _ctx: row.update({name: row[name][:4] + "0230"})  # 30 February


def _no_such_person(row: dict[str, str], ctx: Context) -> None:
    row["PID"] = ctx.unknown_pid()


def _another_persons_pid(row: dict[str, str], ctx: Context) -> None:
    row["PID"] = next(pid for pid in ctx.rng.sample(ctx.good_pids, 5) if pid != row["PID"])


KINDS: dict[str, tuple[Kind, ...]] = {
    "PERSON": (
        Kind("wrong check digit", _wrong_check_digit,
             _says("CID: The last (check) digit does not match; please re-check the number")),
        Kind("impossible birth date", _impossible_day("BIRTH"), _says(NOT_A_DATE.format("BIRTH"))),
        Kind("TYPEAREA outside 1-5", _set(TYPEAREA="7"), _says("TYPEAREA is not a code 1-5")),
        Kind("no family name", _set(LNAME=""), _says("NAME and LNAME are required")),
        # another facility's person is no person of these files: their visits and doses name a PID not in them
        Kind("another facility's row", _set(HOSPCODE=ELSEWHERE), _says(OTHER_FACILITY),
             {"SERVICE": [NO_PERSON], "EPI": [NO_PERSON]}),
        Kind("short line", lambda _row, _ctx: None, _says(short("PERSON", 9)), keep=9),
    ),
    "SERVICE": (
        Kind("PID not in PERSON", _no_such_person, _says(NO_PERSON),
             {"DIAGNOSIS_OPD": [NOT_THE_VISITS_PID], "DRUG_OPD": [NOT_THE_VISITS_PID], "EPI": [NOT_THE_VISITS_PID]}),
        Kind("impossible date", _impossible_day("DATE_SERV"), _says(NOT_A_DATE.format("DATE_SERV"))),
        Kind("impossible time", _set(TIME_SERV="256000"), _says("TIME_SERV is not a time (HHMMSS)")),
        Kind("temperature not a number", _set(BTEMP="37,5"), _says("BTEMP is not a number")),
        Kind("half a blood pressure", _set(DBP=""), _says("SBP and DBP go together; one of them is missing")),
    ),
    "DIAGNOSIS_OPD": (
        Kind("DIAGTYPE outside 1-7", _set(DIAGTYPE="8"), _says("DIAGTYPE is not a code 1-7")),
        Kind("not ICD-10", _set(DIAGCODE="12AB"),
             _says("DIAGCODE is not an ICD-10 code (a letter, two digits, up to four more: E119, E11.9)")),
        Kind("no code", _set(DIAGCODE=""), _says("DIAGCODE is empty")),
        Kind("SEQ not in SERVICE", lambda row, _ctx: row.update(SEQ="X" + row["SEQ"]), _says(NO_VISIT)),
        Kind("another person's PID", _another_persons_pid, _says(NOT_THE_VISITS_PID)),
    ),
    "DRUG_OPD": (
        Kind("SEQ not in SERVICE", lambda row, _ctx: row.update(SEQ="X" + row["SEQ"]), _says(NO_VISIT)),
        Kind("amount not a number", _set(AMOUNT="สิบ"), _says("AMOUNT is not a number")),
        Kind("no drug", _set(DIDSTD="", DNAME=""), _says("DIDSTD and DNAME are both empty")),
        Kind("short line", lambda _row, _ctx: None, _says(short("DRUG_OPD", 7)), keep=7),
    ),
    "EPI": (
        Kind("impossible date", _impossible_day("DATE_SERV"), _says(NOT_A_DATE.format("DATE_SERV"))),
        Kind("no vaccine", _set(VACCINETYPE=""), _says("VACCINETYPE is empty")),
        # a dose of a visit in SERVICE names that visit's person too
        Kind("PID not in PERSON", _no_such_person,
             lambda row, ctx: [NO_PERSON] + ([NOT_THE_VISITS_PID] if row["SEQ"] in ctx.seqs else [])),
        Kind("another facility's row", _set(HOSPCODE=ELSEWHERE), _says(OTHER_FACILITY)),
    ),
}


@dataclass
class Refused:
    reasons: list[str]                   # English, in the order the importer gives them
    parent: tuple[str, int] | None = None  # (layout, line) of the row it depends on
    kind: str = ""                       # the break, for a failure's message ("" for a dependent)
    thai_parent: str = ""                # the Thai words of the parent reason


@dataclass
class Plan:
    """The files as written (each row's line, after the header) and what the import must do."""

    unit: Unit
    lines: dict[str, list[str]]
    original: dict[str, list[dict[str, str]]]  # each row before it was broken
    refused: dict[tuple[str, int], Refused]

    def good(self) -> dict[str, list[dict[str, str]]]:
        return {name: [row for n, row in enumerate(self.unit.tables[name]) if (name, n + 2) not in self.refused]
                for name in TABLES}

    def file_bytes(self, name: str) -> bytes:
        return ("\r\n".join(["|".join(f43.LAYOUTS[name]), *self.lines[name]]) + "\r\n").encode(f43.UTF8)

    def write_zip(self, path: Path) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in TABLES:
                archive.writestr(f"{name.lower()}.txt", self.file_bytes(name))
        return path


def break_rows(unit: Unit, seed: int, rate: float = RATE) -> Plan:
    """Break `rate` of each file's rows (at least one of each kind), chosen with `seed`. A row
    broken or depending on a broken one is not broken again, so each refused row has one
    cause and its reasons are known exactly."""
    rng = random.Random(seed)
    tables = unit.tables
    original = {name: [dict(row) for row in rows] for name, rows in tables.items()}
    lines = {name: ["|".join(row[f] for f in f43.LAYOUTS[name]) for row in rows] for name, rows in tables.items()}
    ctx = Context(rng, unit, iter(range(10**7, 10**8)), seqs={row["SEQ"] for row in tables["SERVICE"]})
    refused: dict[tuple[str, int], Refused] = {}
    taken: dict[str, set[int]] = {name: set() for name in TABLES}  # broken, or depending on a broken row
    rows_of: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for layout in TABLES[1:]:  # (layout, PID or SEQ) -> value -> the rows naming it
        for n, row in enumerate(original[layout]):
            for name in ("PID", "SEQ"):
                rows_of[(layout, name)][row[name]].append(n)

    def dependents(parent: str, line: int, name: str, value: str, own: dict[str, list[str]]) -> None:
        english, thai = (PERSON_REFUSED if parent == "PERSON" else VISIT_REFUSED)
        for layout in TABLES[TABLES.index(parent) + 1:]:
            for n in rows_of[(layout, name)].get(value, []):
                assert n not in taken[layout], (layout, n)
                taken[layout].add(n)
                refused[(layout, n + 2)] = Refused([*own.get(layout, []), english.format(line=line)],
                                                   (parent, line), thai_parent=thai.format(line=line))

    for name in TABLES:
        kinds = KINDS[name]
        rows = tables[name]
        candidates = [n for n in range(len(rows)) if n not in taken[name]]
        count = min(len(candidates), max(len(kinds), round(len(rows) * rate)))
        for k, n in enumerate(sorted(rng.sample(candidates, count))):
            kind, row = kinds[k % len(kinds)], rows[n]
            kind.change(row, ctx)
            lines[name][n] = "|".join(row[f] for f in f43.LAYOUTS[name][:kind.keep or None])
            taken[name].add(n)
            refused[(name, n + 2)] = Refused(kind.reasons(row, ctx), kind=kind.name)
            if name == "PERSON":
                dependents("PERSON", n + 2, "PID", original[name][n]["PID"], kind.dependents)
            elif name == "SERVICE":
                dependents("SERVICE", n + 2, "SEQ", original[name][n]["SEQ"], kind.dependents)
        if name == "PERSON":
            ctx.good_pids = [row["PID"] for n, row in enumerate(rows) if n not in taken[name]]
    return Plan(unit, lines, original, refused)


def patient_id(pid: str) -> str:
    """The record id the import gives PERSON's PID (f43_import: uuid5 of PID/<PID>)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://clinic-app/f43/{HCODE}/PID/{pid}"))


@dataclass
class Imported:
    installation: Installation
    plan: Plan
    source: Path
    report: ImportReport
    out: Path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory, keystore: KeyStore) -> Iterator[Imported]:
    """One unit broken and imported with --partial, for the tests below (the import is what
    takes the time). As tests/conftest.py's `installation`, for the module."""
    folder = tmp_path_factory.mktemp("f43-partial-scale")
    plan = break_rows(generate(PEOPLE, seed=SEED, hcode=HCODE), SEED)
    source = plan.write_zip(folder / f"F43_{HCODE}_20261001120000.zip")
    installation = initialise(folder / "data", hcode=HCODE, name="รพ.สต.ทดสอบ", keys=keystore)
    store = installation.connect()
    try:
        report = Interop43(store, actor=DEVICE).import_(source, partial=True)
    finally:
        store.close()
    yield Imported(installation, plan, source, report, folder)
    installation.forget_secrets()


def test_the_breaks_cover_every_file_and_kind() -> None:
    """The plan itself (small, fast): each kind of break is used, dependents are planned, and
    the same seed breaks the same rows."""
    plan = break_rows(generate(120, seed=5, hcode=HCODE), 5)
    used = Counter((at[0], r.kind) for at, r in plan.refused.items() if r.kind)
    assert set(used) == {(name, kind.name) for name, kinds in KINDS.items() for kind in kinds}
    assert {r.parent[0] for r in plan.refused.values() if r.parent} == {"PERSON", "SERVICE"}
    again = break_rows(generate(120, seed=5, hcode=HCODE), 5)
    assert again.lines == plan.lines and again.refused == plan.refused
    assert break_rows(generate(120, seed=5, hcode=HCODE), 6).refused != plan.refused


def test_every_good_row_in_every_bad_row_kept_with_its_reason_none_lost(imported: Imported) -> None:
    plan, report = imported.plan, imported.report
    broken = {at for at, r in plan.refused.items() if r.kind}
    total = {name: len(rows) for name, rows in plan.unit.tables.items()}
    for name in TABLES:  # 1% of each file broken, at least one of each kind
        assert sum(1 for at in broken if at[0] == name) == max(len(KINDS[name]), round(total[name] * RATE)), name
    good = plan.good()
    refused = Counter(at[0] for at in plan.refused)

    # the counts: good + refused = every row of every file
    assert report.rows == {name: len(good[name]) for name in TABLES}
    assert report.refused == {name: refused[name] for name in TABLES if refused[name]}
    for name in TABLES:
        assert report.rows[name] + report.refused.get(name, 0) == total[name], name
    assert {kind: n for kind, n in report.by_type.items() if kind != "Observation"} == {
        kind: len(good[layout]) for kind, layout in KINDS_OF.items()}

    store = imported.installation.connect()
    try:
        rows = store.f43_review.rows()
        # the unit exported again: every good row, field by field, and nothing else
        exported = Interop43(store, actor=DEVICE).export(imported.out / "again.zip",
                                                         now=dt.datetime(2026, 11, 1, 12, 0).astimezone())
        # the review list written back as 43 files (import-43 --rejects OUT)
        rejects_dir = imported.out / "rejects"
        rejects_dir.mkdir()
        rejects = Interop43(store, actor=DEVICE).review.write_rejects(rejects_dir)
    finally:
        store.close()

    # the review list: each refused row once, with its reasons and its parent
    by_place = {(r.layout, r.line): r for r in rows}
    assert len(by_place) == len(rows)
    missing, extra = plan.refused.keys() - by_place.keys(), by_place.keys() - plan.refused.keys()
    assert not missing and not extra, (f"not in the review list: {sorted(missing)[:20]}; "
                                       f"in it though good: {sorted(extra)[:20]}")
    wrong = [(at, plan.refused[at].kind or f"depends on {plan.refused[at].parent}", plan.refused[at].reasons,
              [en for en, _th in by_place[at].reasons])
             for at in sorted(plan.refused) if [en for en, _th in by_place[at].reasons] != plan.refused[at].reasons]
    assert not wrong, f"{len(wrong)} rows with other reasons (place, break, expected, given):\n" + "\n".join(
        map(str, wrong[:20]))
    for at, expected in plan.refused.items():
        row = by_place[at]
        assert all(th and th != en for en, th in row.reasons), (at, row.reasons)  # in Thai too
        if expected.parent:
            assert row.parent == by_place[expected.parent].id, at
            assert row.reasons[-1][1] == expected.thai_parent, at
        else:
            assert row.parent is None, at
        assert row.text == plan.lines[at[0]][at[1] - 2], at  # the line whole, as it was in the file
        assert (row.file, row.source, row.encoding) == (f"{at[0].lower()}.txt", imported.source.name, f43.UTF8)
    # no citizen ID in a reason (the files' 13-digit numbers are all citizen IDs)
    assert not [r for r in rows if re.search(r"\d{13}", " ".join(en + th for en, th in r.reasons))]

    tables, problems = f43.read_archive(exported.path, parse=frozenset(TABLES))
    assert problems == []
    found = differences(good, {name: table.rows for name, table in tables.items()})
    assert not found, "good rows that did not come back as they went in:\n" + _report(found)

    assert rejects.rows == {name: refused[name] for name in TABLES if refused[name]}
    with zipfile.ZipFile(rejects.path) as archive:
        for name in rejects.rows:
            header, *back, end = archive.read(f"{name.lower()}.txt").split(b"\r\n")
            assert header == "|".join(f43.LAYOUTS[name]).encode() and end == b""
            read = plan.file_bytes(name).split(b"\r\n")
            assert back == [read[line - 1] for layout, line in sorted(plan.refused) if layout == name], name


def _row_index(dialog: F43ReviewDialog, layout: str, line: int) -> int:
    return next(n for n, r in enumerate(dialog.rows) if (r.layout, r.line) == (layout, line))


def test_a_person_fixed_in_the_window_imports_with_the_rows_refused_for_them(  # type: ignore[no-untyped-def]
        qtbot, qapp, imported: Imported) -> None:
    plan = imported.plan
    # the person refused for a wrong check digit with the most rows refused because of them
    children = defaultdict(list)
    for at, r in plan.refused.items():
        if r.parent:
            children[r.parent].append(at)
    at = max((a for a, r in plan.refused.items() if r.kind == "wrong check digit"),
             key=lambda a: (len(children[a]), -a[1]))
    followers = sorted(children[at])
    assert any(layout == "SERVICE" for layout, _line in followers) and any(
        layout in ("DIAGNOSIS_OPD", "DRUG_OPD") for layout, _line in followers), followers
    person = plan.original["PERSON"][at[1] - 2]

    window = MainWindow(UnitSession(imported.installation, actor=Actor("clerk", CLERK)), training=False,
                        facility="รพ.สต.ทดสอบ")
    qtbot.addWidget(window)
    window.show()
    window.f43_review_action.trigger()
    qtbot.waitUntil(lambda: window.findChild(F43ReviewDialog) is not None, timeout=5_000)
    dialog: F43ReviewDialog = window.findChild(F43ReviewDialog)
    qtbot.waitUntil(lambda: dialog.refreshes == 1, timeout=30_000)
    before = dialog.table.rowCount()
    assert before == len(dialog.rows) >= len(followers) + 1

    dialog.table.selectRow(_row_index(dialog, *at))
    fields = {dialog.fields.item(n, 0).text(): dialog.fields.item(n, 1) for n in range(dialog.fields.rowCount())}
    assert fields["CID"].background().color() == MARKED  # the field its reason names
    assert fields["CID"].text() != person["CID"] and fields["CID"].text()[:12] == person["CID"][:12]
    dialog.set_value("CID", person["CID"])  # the right check digit
    assert dialog.edits() == {"CID": person["CID"]}
    dialog.import_again.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 2, timeout=60_000)

    # the person and every row refused because of them are imported and off the list
    assert f"นำเข้าแล้ว {1 + len(followers)} แถว" in dialog.message.text(), dialog.message.text()
    assert dialog.table.rowCount() == before - 1 - len(followers)
    gone = {at, *followers}
    assert not [r for r in dialog.rows if (r.layout, r.line) in gone]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)

    # a visit refused for a PID not in PERSON: the right PID typed in, it joins its person (imported
    # before) and its diagnoses, drugs and vaccines (refused because of it) follow
    visit_at = max((a for a, r in plan.refused.items() if r.kind == "PID not in PERSON" and a[0] == "SERVICE"),
                   key=lambda a: (len(children[a]), -a[1]))
    visit_followers = sorted(children[visit_at])
    assert visit_followers
    visit = plan.original["SERVICE"][visit_at[1] - 2]
    dialog.table.selectRow(_row_index(dialog, *visit_at))
    assert dialog.shown is not None and (dialog.shown.layout, dialog.shown.line) == visit_at
    dialog.set_value("PID", visit["PID"])
    dialog.import_again.click()
    qtbot.waitUntil(lambda: dialog.refreshes == 3, timeout=60_000)
    assert f"นำเข้าแล้ว {1 + len(visit_followers)} แถว" in dialog.message.text(), dialog.message.text()
    assert dialog.table.rowCount() == before - 2 - len(followers) - len(visit_followers)
    gone |= {visit_at, *visit_followers}
    assert not [r for r in dialog.rows if (r.layout, r.line) in gone]
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)

    store = imported.installation.connect()
    try:
        assert {(r.layout, r.line) for r in store.f43_review.rows()} == set(plan.refused) - gone
        chart = store.chart(patient_id(person["PID"]))
        visit_chart = store.chart(patient_id(visit["PID"]))
    finally:
        store.close()
    [encounter] = [r for r in visit_chart if r["resourceType"] == "Encounter"
                   and visit_number(r, HCODE) == visit["SEQ"]]
    assert encounter["subject"]["reference"] == f"Patient/{patient_id(visit['PID'])}"
    assert encounter["period"]["start"].startswith(
        f"{visit['DATE_SERV'][:4]}-{visit['DATE_SERV'][4:6]}-{visit['DATE_SERV'][6:]}T")
    # (a dispense names its visit as its context)
    on_visit = Counter(r["resourceType"] for r in visit_chart if r["resourceType"] != "Observation"
                       and (r.get("encounter") or r.get("context") or {}).get("reference")
                       == f"Encounter/{encounter['id']}")
    planned_on_visit = Counter(layout for layout, _line in visit_followers)
    assert on_visit == Counter({kind: planned_on_visit[layout] for kind, layout in KINDS_OF.items()
                                if planned_on_visit[layout]}), (on_visit, planned_on_visit)
    assert chart and chart[0]["resourceType"] == "Patient"
    assert person["CID"] in {i.get("value") for i in chart[0]["identifier"]}
    kinds = Counter(r["resourceType"] for r in chart[1:] if r["resourceType"] != "Observation")
    planned = Counter(layout for layout, _line in followers)
    assert kinds == Counter({kind: planned[layout] for kind, layout in KINDS_OF.items()
                             if layout != "PERSON" and planned[layout]})
    visits = {visit_number(r, HCODE) for r in chart if r["resourceType"] == "Encounter"}
    assert visits == {plan.original["SERVICE"][line - 2]["SEQ"] for layout, line in followers if layout == "SERVICE"}
