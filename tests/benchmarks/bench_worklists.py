"""Worklist benchmark: today's list, the appointments, the chronic register and the EPI
list on 100,000 demo patients, against the same lists computed without `record_index`.

    dbus-run-session -- bash installer/with-keyring.sh \\
        .venv/bin/python -m tests.benchmarks.bench_worklists --patients 100000 --dir DIR

(The folder's key is passphrase-wrapped, as in bench_ui, so the keyring is not needed and
`--dir DIR --reuse` reopens a folder built before; it runs the same without with-keyring.sh.)

Builds a data folder with the real commands (`init`, `demo-data`, in a child process), then
adds a realistic day through the services as a clerk and a nurse would: about 150 visits
today in mixed states (check_in, open_visit, save; a few cancelled), about 60 appointments
due today (some of those patients come), 400 over the next week and some missed in the last
week (each appointment made by saving an earlier visit with its next appointment, as the
visit form does). Then, on one session kept open (a desktop's connection stays open all
day), after warm-up runs, each list is timed `--repeat` times in turn, each call from a
collected heap (`gc.collect()` before it, not timed: else a full collection of what the
list before left behind lands on whichever list comes next):

- today's list: `unit.visits.today()`
- appointments this week: `unit.visits.appointments(today, today + 6)`
- missed appointments: `unit.visits.appointments(today - 30, today)`, those missed
- the chronic register: `unit.followup.chronic()`, and only the overdue
- the EPI list: `unit.followup.epi()`, and only the overdue

The baseline in the same run is the same service code on the same database with the
store's `worklists` swapped for `ScanWorklists` (below): the same queries answered from the
`resources` table alone, the way they would be without `record_index` and the patient
summary (the type's records narrowed in SQL with json_extract / instr where that is exact, by
the patient index where the list asks per patient, each candidate's rows derived by
core.worklist.index_entries and its card by patient_card, so the results are the same; the
run checks that they are). Timed `--baseline-repeat` times.

Last, the one-time fills for a folder from before them: the patient summary emptied and
made again by `Worklists.fill_summaries` (migration V11's), its rows compared with those
kept write by write; and the index dropped and migration V9 run again
(`_v9_fill` timed inside it) on the same folder, its rows compared with the ones the store
kept record by record; the baseline is reading and deriving the same rows without writing
them. Figures, not assertions: nothing here fails on time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

HCODE = "99999"
ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
TARGET_MS = 200.0
FORMULARY = """code,name,strength,unit,tmt,drug24,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,QID,3,
AMLO5,Amlodipine,5 mg,เม็ด,,,1,OD,30,calcium channel blockers
METF500,Metformin,500 mg,เม็ด,,,1,BID,30,biguanides
CPM4,Chlorpheniramine,4 mg,เม็ด,,,1,TID,5,antihistamines
"""
KIND_TYPE = {"visit": "Encounter", "appointment": "Appointment", "diagnosis": "Condition",
             "reading": "Observation", "vaccine": "Immunization", "born": "Patient"}


# -- the baseline: the worklists from the resources table alone ------------------------------

def _scan_worklists(db: Any) -> Any:
    from clinic_app.core.worklist import index_entries
    from clinic_app.store.worklists import Worklists

    class ScanWorklists(Worklists):
        """`Worklists` without `record_index`: the same answers from the records themselves."""

        def _entries(self, sql: str, params: Sequence[Any], kind: str
                     ) -> Iterable[tuple[int, str | None, tuple, str]]:
            for rid, pid, text in self.db.conn.execute(sql, params):
                for entry in index_entries(json.loads(text)):
                    if entry[0] == kind:
                        yield rid, pid, entry, text

        def records(self, kind: str, start: str, end: str, *, codes: Sequence[str] = ()) -> list[dict]:
            rtype = KIND_TYPE[kind]
            path = "$.period.start" if rtype == "Encounter" else "$.start"  # _day() of the entry, exactly
            found = []
            for rid, _pid, (_k, code, day, _v), text in self._entries(
                    f"SELECT rid, patient_id, json FROM resources WHERE type = ? AND deleted = 0"
                    f" AND substr(json_extract(json, '{path}'), 1, 10) BETWEEN ? AND ?", (rtype, start, end), kind):
                if day is not None and start <= day <= end and (not codes or code in codes):
                    found.append((day, rid, text))
            return [json.loads(text) for _d, _r, text in sorted(found)]

        def _by_patient(self, kind: str, ids: list[str], extra: str = "", params: Sequence[Any] = ()
                        ) -> Iterable[tuple[int, str, tuple]]:
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                for rid, pid, entry, _t in self._entries(
                        f"SELECT rid, patient_id, json FROM resources INDEXED BY resources_patient"
                        f" WHERE patient_id IN ({','.join('?' * len(part))})"
                        f" AND type = ? AND deleted = 0{extra}", [*part, KIND_TYPE[kind], *params], kind):
                    yield rid, pid, entry

        def _diagnosed(self, ranges: Iterable[tuple[str, str]]) -> dict[str, str]:
            """Patient id -> the first day of a diagnosis in the ranges ('' when none has one)."""
            out: dict[str, str] = {}
            for low, high in ranges:
                for _rid, pid, (_k, code, day, _v), _t in self._entries(
                        "SELECT r.rid, r.patient_id, r.json FROM resources r WHERE r.type = 'Condition'"
                        " AND r.deleted = 0 AND EXISTS (SELECT 1 FROM json_each(r.json, '$.code.coding') c"
                        " WHERE json_extract(c.value, '$.code') >= ? AND json_extract(c.value, '$.code') < ?)",
                        (low, high), "diagnosis"):
                    if pid is not None and low <= code < high:
                        if pid not in out:
                            out[pid] = day or ""
                        elif day and (not out[pid] or day < out[pid]):
                            out[pid] = day
            return out

        def _latest(self, kind: str, codes: Sequence[str], ids: list[str]) -> dict[str, tuple[str, str | None]]:
            # Only records that hold one of the codes as a JSON string can have a row with it;
            # the last day's row, the one stored last on a tie (as the summary keeps it).
            extra = " AND (" + " OR ".join("instr(json, ?) > 0" for _ in codes) + ")"
            best: dict[str, tuple[str, int, str | None]] = {}
            for rid, pid, (_k, code, day, value) in self._by_patient(kind, ids, extra, [f'"{c}"' for c in codes]):
                if code in codes and day is not None and (pid not in best or (day, rid) > best[pid][:2]):
                    best[pid] = (day, rid, value)
            return {pid: (day, value) for pid, (day, _rid, value) in best.items()}

        def _cards(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
            from clinic_app.core.worklist import patient_card

            ids = list(ids)
            out = {}
            for start in range(0, len(ids), 500):
                part = ids[start:start + 500]
                for text, in self.db.conn.execute(
                        f"SELECT json FROM resources WHERE type = 'Patient' AND id IN ({','.join('?' * len(part))})"
                        f" AND +deleted = 0", part):
                    patient = json.loads(text)
                    out[patient["id"]] = patient_card(patient)
            return out

        def chronic(self, *, cutoff: str, today: str, overdue_only: bool = False) -> list[tuple[Any, ...]]:
            from clinic_app.core.worklist import BLOOD_PRESSURE, BLOOD_SUGAR, CHRONIC_RANGES

            dm, ht = (self._diagnosed(CHRONIC_RANGES[d]) for d in ("DM", "HT"))
            ids = sorted(set(dm) | set(ht))
            cards = self._cards(ids)
            ids = [pid for pid in ids if cards.get(pid, {}).get("in_care")]
            visits = self._latest("visit", ("finished",), ids)
            booked = self._latest("appointment", ("booked",), ids)
            bps = self._latest("reading", (BLOOD_PRESSURE,), ids)
            sugars = self._latest("reading", BLOOD_SUGAR, ids)
            rows = []
            for pid in ids:
                card, last, appointment = cards[pid], visits.get(pid, (None,))[0], booked.get(pid, (None,))[0]
                no_visit = int(last is None or last < cutoff)
                missed = int(bool(appointment and appointment < today and (last is None or appointment > last)))
                if overdue_only and not (no_visit or missed):
                    continue
                bp, sugar = bps.get(pid, (None, None)), sugars.get(pid, (None, None))
                rows.append(((card["village_no"], card["village"], card["name"], card["hn"], pid),
                             (pid, card["name"], card["hn"], card["village"], dm.get(pid), ht.get(pid), last,
                              appointment, *bp, *sugar, no_visit, missed)))
            return [row for _key, row in sorted(rows)]

        def children(self, start: str, end: str) -> list[tuple[Any, ...]]:
            born = []
            for _rid, pid, (_k, _sex, day, _v), _t in self._entries(
                    "SELECT rid, patient_id, json FROM resources WHERE type = 'Patient' AND deleted = 0"
                    " AND substr(json_extract(json, '$.birthDate'), 1, 4) BETWEEN ? AND ?",
                    (start[:4], end[:4]), "born"):
                if day is not None and start <= day <= end:
                    born.append(pid)
            cards = self._cards(born)
            given: dict[str, set[str]] = {pid: set() for pid in born}
            for _rid, pid, (_k, code, _d, _v) in self._by_patient("vaccine", born):
                given[pid].add(code)
            return [(pid, c["sex"], c["born"], c["name"], c["hn"], c["village"], c["house"], c["typearea"], given[pid],
                     (c["village_no"], c["village"], c["house_no"], c["house"], c["name"], c["hn"], pid))
                    for pid, c in ((pid, cards[pid]) for pid in born)]

    return ScanWorklists(db)


# -- building the folder ---------------------------------------------------------------------

def _env(work: Path) -> dict[str, str]:
    return {**os.environ, **ENV, "CLINIC_APP_PASSPHRASE_FILE": str(work / "passphrase")}


def build(work: Path, patients: int) -> float:
    """`clinic-app init` and `demo-data` in a child process, as a unit would; seconds."""
    (work / "passphrase").write_text("benchmark passphrase, not a secret\n")
    cli = [sys.executable, "-m", "clinic_app", "--data-dir", str(work / "data")]
    subprocess.run([*cli, "init", "--hcode", HCODE], env=_env(work), check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run([*cli, "demo-data", "--patients", str(patients)], env=_env(work), check=True, capture_output=True)
    return time.perf_counter() - t0


def open_unit(work: Path) -> Any:
    import keyring.backends.fail

    from clinic_app.app import passphrase_from_file
    from clinic_app.security.keys import KeyStore
    from clinic_app.services.installation import open_installation
    from clinic_app.services.session import UnitSession

    inst = open_installation(work / "data", keys=KeyStore(backend=keyring.backends.fail.Keyring()),
                             passphrase=passphrase_from_file(str(work / "passphrase")))
    return UnitSession(inst)


def add_day(unit: Any, today: dt.date, *, visits: int, due_today: int, week: int, missed: int,
            seed: int) -> dict[str, int]:
    """A realistic day through the services (see the module's docstring); counts."""
    from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, Actor
    from clinic_app.services.visits import DrugLine, VisitForm

    rng = random.Random(seed)
    unit.act_as(Actor("admin.bench", ADMIN))
    unit.formulary.import_csv(FORMULARY)
    ids = [r[0] for r in unit.store.db.rows(
        "SELECT id FROM resources WHERE type = 'Patient' AND deleted = 0 ORDER BY id")]
    # Follow-up appointments are the chronic patients' (the register's).
    chronic = sorted(row.patient_id for row in unit.followup.chronic(today=today))
    chosen = rng.sample(chronic, 35 + due_today + week + missed)
    chronic_set = set(chosen[:35])
    today_pids = rng.sample(sorted(set(ids) - set(chosen)), visits - 35) + chosen[:35]
    rng.shuffle(today_pids)
    chosen = chosen[35:]
    booked_today = chosen[:due_today]
    week_pids = chosen[due_today:due_today + week]
    missed_pids = chosen[due_today + week:]
    # Of today's visitors, 35 had their appointment today (check_in keeps it, fulfilled).
    booked_today += [pid for pid in today_pids if pid in chronic_set]
    nurse, clerk = Actor("nurse.bench", CLINICIAN), Actor("clerk.bench", CLERK)
    zone = dt.datetime.now().astimezone().tzinfo

    def at(day: dt.date, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone) + dt.timedelta(minutes=minute)

    def follow_up(pid: str, then: dt.date, next_day: dt.date) -> None:
        form = VisitForm(complaint="ติดตามความดัน", systolic=rng.randint(118, 162), diastolic=rng.randint(70, 98),
                         weight=rng.randint(48, 85), diagnoses=[("I10", "1")],
                         drugs=[DrugLine(code="AMLO5", dose=1, frequency="OD", days=30)],
                         when=at(then, rng.randint(0, 420)), appointment_day=next_day,
                         appointment_reason="ติดตามความดัน", unusual_confirmed=True,
                         allergy_reason="แพทย์ตรวจสอบแล้ว")
        unit.visits.save(pid, form)

    unit.act_as(nurse)
    for pid in booked_today:
        follow_up(pid, today - dt.timedelta(days=rng.randint(56, 90)), today)
    for pid in week_pids:
        follow_up(pid, today - dt.timedelta(days=rng.randint(50, 90)), today + dt.timedelta(days=rng.randint(1, 6)))
    for pid in missed_pids:
        follow_up(pid, today - dt.timedelta(days=rng.randint(60, 90)), today - dt.timedelta(days=rng.randint(1, 7)))
    states = {"done": 0, "being-seen": 0, "waiting": 0, "cancelled": 0}
    for n, pid in enumerate(today_pids):
        unit.act_as(clerk)
        arrived = unit.visits.check_in(pid, complaint=rng.choice(["ไข้ ไอ", "ปวดหัว", "ติดตามความดัน", "ปวดเข่า",
                                                                   "ตรวจน้ำตาล", "ท้องเสีย"]),
                                       when=at(today, n * 3)).value
        share = n / visits
        if share < 0.04:
            unit.visits.cancel(arrived["id"])
            states["cancelled"] += 1
            continue
        unit.act_as(nurse)
        if share < 0.80:
            unit.visits.open_visit(arrived["id"])
            chronic = n % 3 == 0
            form = VisitForm(complaint=arrived["reasonCode"][0]["text"] if arrived.get("reasonCode") else "ไข้",
                             systolic=rng.randint(110, 160), diastolic=rng.randint(65, 95), weight=rng.randint(40, 90),
                             temperature=round(rng.uniform(36.2, 38.5), 1),
                             blood_sugar=rng.randint(90, 180) if chronic else None,
                             diagnoses=[("E11.9" if chronic else "J00", "1")],
                             drugs=[DrugLine(code="METF500" if chronic else "PARA500", dose=1,
                                             frequency="BID" if chronic else "QID", days=30 if chronic else 3)],
                             when=at(today, n * 3 + 20), unusual_confirmed=True, allergy_reason="แพทย์ตรวจสอบแล้ว",
                             appointment_day=today + dt.timedelta(days=rng.randint(28, 90)) if chronic else None)
            unit.visits.save(pid, form, encounter_id=arrived["id"])
            states["done"] += 1
        elif share < 0.90:
            unit.visits.open_visit(arrived["id"])
            states["being-seen"] += 1
        else:
            states["waiting"] += 1
    return {**states, "appointments due today": len(booked_today), "in the next 6 days": len(week_pids),
            "missed in the last week": len(missed_pids)}


# -- timing ----------------------------------------------------------------------------------

def _say(text: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[{time.strftime('%H:%M:%S')} load {os.getloadavg()[0]:.2f}] {text}", file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ratio(value: float) -> str:
    return f"{value:,.1f}×" if value < 10 else f"{value:,.0f}×"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def lists(unit: Any, today: dt.date) -> dict[str, Callable[[], Any]]:
    week_end, month_ago = today + dt.timedelta(days=6), today - dt.timedelta(days=30)
    return {
        "today's list (`visits.today()`)": lambda: unit.visits.today(today),
        "appointments this week (`visits.appointments`, 7 days)": lambda: unit.visits.appointments(today, week_end),
        "missed appointments (last 30 days)": lambda: [a for a in unit.visits.appointments(month_ago, today)
                                                        if a["missed"]],
        "chronic register (`followup.chronic()`)": lambda: unit.followup.chronic(today=today),
        "chronic, overdue only": lambda: unit.followup.chronic(today=today, overdue_only=True),
        "EPI list (`followup.epi()`)": lambda: unit.followup.epi(today=today),
        "EPI, overdue only": lambda: unit.followup.epi(today=today, overdue_only=True),
    }


def _digest(answer: list[Any]) -> tuple[int, str, str]:
    """Rows, and a hash of them in order and sorted: only this is kept of an answer, so the
    benchmark's own heap stays small (a full garbage collection walks all of it)."""
    texts = [repr(row) for row in answer]
    return (len(texts), hashlib.sha256("\n".join(texts).encode()).hexdigest(),
            hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest())


def _timed_clean(fn: Callable[[], Any]) -> tuple[float, tuple[int, str, str]]:
    """One call, timed from a collected heap (the garbage of the list before is not this
    list's pause); its answer's digest."""
    gc.collect()
    ms, answer = timed(fn)
    return ms, _digest(answer)


def measure_lists(unit: Any, today: dt.date, repeat: int, baseline_repeat: int, warmup: int
                  ) -> tuple[list[dict[str, Any]], dict[str, dict[str, float]]]:
    from clinic_app.core.permissions import CLINICIAN, Actor

    unit.act_as(Actor("nurse.bench", CLINICIAN))
    work = lists(unit, today)
    indexed = unit.store.worklists
    first: dict[str, float] = {}
    for n in range(warmup):
        for name, fn in work.items():
            ms, _answer = _timed_clean(fn)
            first.setdefault(name, ms)
        _say(f"warm-up round {n + 1}: " + ", ".join(f"{ms:.0f}" for ms in first.values()) if n == 0 else
             f"warm-up round {n + 1} done")
    times: dict[str, list[float]] = {name: [] for name in work}
    answers: dict[str, tuple[int, str, str]] = {}
    for n in range(repeat):  # in turn, so machine noise falls on every list alike
        for name, fn in work.items():
            ms, answers[name] = _timed_clean(fn)
            times[name].append(ms)
        _say(f"round {n + 1}/{repeat}: " + ", ".join(f"{t[-1]:.0f}" for t in times.values()) + " ms")
    parts = breakdown(unit, today)
    unit.store.worklists = _scan_worklists(unit.store.db)
    base: dict[str, list[float]] = {name: [] for name in work}
    same: dict[str, str] = {}
    try:
        for name, fn in work.items():
            _timed_clean(fn)  # the same warm-up as the index had, once
        for n in range(baseline_repeat):
            for name, fn in work.items():
                ms, answer = _timed_clean(fn)
                base[name].append(ms)
                _say(f"baseline round {n + 1}: {name} {ms:,.0f} ms")
                same[name] = "same" if answer == answers[name] else (
                    "same rows, ties in another order" if answer[::2] == answers[name][::2] else "DIFFERENT")
    finally:
        unit.store.worklists = indexed
    return [{"name": name, "rows": answers[name][0], "p50": pct(times[name], 0.5), "p95": pct(times[name], 0.95),
             "max": max(times[name]), "first": first.get(name, float("nan")), "base_p50": pct(base[name], 0.5),
             "base_max": max(base[name]), "same": same[name]} for name in work], parts


def breakdown(unit: Any, today: dt.date) -> dict[str, dict[str, float]]:
    """One more call of each follow-up list after the timed rounds, the time of each
    Worklists query inside it (ms); the rest is the service's own work (the patients'
    JSON, the rows, the sorting)."""
    from clinic_app.core.permissions import CLINICIAN, Actor

    unit.act_as(Actor("nurse.bench", CLINICIAN))
    work = unit.store.worklists
    out: dict[str, dict[str, float]] = {}
    for name, fn in (("chronic", lambda: unit.followup.chronic(today=today)),
                     ("epi", lambda: unit.followup.epi(today=today))):
        spent: dict[str, float] = {}
        plain = {m: getattr(work, m) for m in ("chronic", "children")}

        def wrap(method: str, f: Callable[..., Any], spent: dict[str, float] = spent) -> Callable[..., Any]:
            def timed_method(*a: Any, **kw: Any) -> Any:
                ms, result = timed(lambda: f(*a, **kw))
                spent[method] = spent.get(method, 0.0) + ms
                return result
            return timed_method

        for method, f in plain.items():
            setattr(work, method, wrap(method, f))
        try:
            total, _rows = timed(fn)
        finally:
            for method in plain:
                delattr(work, method)
        out[name] = {**spent, "the service's own work": total - sum(spent.values()), "in all": total}
    return out


def measure_write_cost(unit: Any, records: int = 10_000, rounds: int = 3) -> dict[str, Any]:
    """What keeping the summary costs a write: the same `records` stored records (of the
    types with worklist rows, Patients among them) written again through `Resources.put` in
    one transaction, rolled back, with the summary kept and with its upkeep (`touch`,
    `put_card`) made a no-op, in turn `rounds` times; the best of each."""
    from clinic_app.store import resources, worklists

    store = unit.store
    types = ", ".join(f"'{t}'" for t in sorted(resources.INDEXED_TYPES))
    texts = [r[0] for r in store.db.rows(f"SELECT json FROM resources WHERE deleted = 0 AND type IN ({types})"
                                         f" ORDER BY rid DESC LIMIT ?", (records,))]
    found = [json.loads(t) for t in texts]
    kinds = {k: sum(1 for r in found if r["resourceType"] == k) for k in sorted({r["resourceType"] for r in found})}

    def write_all() -> float:
        gc.collect()
        t0 = time.perf_counter()
        store.conn.execute("BEGIN IMMEDIATE")
        try:
            for resource in found:
                store.put(resource)
        finally:
            store.conn.execute("ROLLBACK")
        return time.perf_counter() - t0

    kept, bare = [], []
    for _ in range(rounds):
        kept.append(write_all())
        touch, put_card = worklists.touch, worklists.put_card
        worklists.touch = lambda *_a, **_k: None
        worklists.put_card = lambda *_a, **_k: None
        try:
            bare.append(write_all())
        finally:
            worklists.touch, worklists.put_card = touch, put_card
    return {"records": len(found), "kinds": kinds, "kept_s": min(kept), "bare_s": min(bare)}


def measure_summary_fill(unit: Any) -> dict[str, Any]:
    """The patient summary made again as for a folder from before it (migration V11):
    emptied, marked to fill, `Worklists.fill_summaries` timed; its rows compared with
    those kept write by write."""
    db, work = unit.store.db, unit.store.worklists

    def digest() -> tuple[int, str]:
        h, n = hashlib.sha256(), 0
        for row in db.rows("SELECT * FROM patient_summary ORDER BY patient_id"):
            h.update(repr(tuple(row)).encode())
            n += 1
        return n, h.hexdigest()

    before = digest()
    with db.transaction():
        db.write("DELETE FROM patient_summary")
        db.write("INSERT INTO summary_fill VALUES ('')")
    calls = [0]

    def progress(_done: int, _total: int) -> bool:
        calls[0] += 1
        return True

    t0 = time.perf_counter()
    work.fill_summaries(progress)
    fill_s = time.perf_counter() - t0
    after = digest()
    return {"rows": after[0], "fill_s": fill_s, "calls": calls[0], "same": before == after}


def measure_fill(unit: Any) -> dict[str, Any]:
    """Migration V9 again on this folder: the index dropped, `migrate` run with `_v9_fill`
    timed inside it; the rows compared with those kept record by record."""
    from clinic_app.core.worklist import index_entries
    from clinic_app.store import database, migrations
    from clinic_app.store.resources import INDEXED_TYPES

    def digest(conn: Any) -> tuple[int, str]:
        h, n = hashlib.sha256(), 0
        for row in conn.execute("SELECT rid, kind, code, day, patient_id, value FROM record_index"
                                " ORDER BY rid, kind, code, day, value"):
            h.update(repr(row).encode())
            n += 1
        return n, h.hexdigest()

    unit.close()
    path, key = unit.inst.folder.db_path, unit.inst.key
    conn = database.connect(path, key)
    before = digest(conn)
    # The floor: read and derive every row the fill writes, without writing.
    types = ", ".join(f"'{t}'" for t in sorted(INDEXED_TYPES))
    t0, last, derived, records = time.perf_counter(), 0, 0, 0
    while True:
        rows = conn.execute(f"SELECT rid, patient_id, json FROM resources WHERE rid > ? AND deleted = 0 AND type IN"
                            f" ({types}) ORDER BY rid LIMIT 2000", (last,)).fetchall()
        if not rows:
            break
        derived += sum(len(index_entries(json.loads(text))) for _r, _p, text in rows)
        records += len(rows)
        last = rows[-1][0]
    read_s = time.perf_counter() - t0
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])  # later migrations are not run again
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DROP TABLE record_index")
    conn.execute("PRAGMA user_version = 8")
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    conn = database.connect(path, key, migrate_schema=False)
    script, fill = migrations.MIGRATIONS[8]
    fill_s = [0.0]

    def timed_fill(c: Any) -> None:
        t = time.perf_counter()
        fill(c)
        fill_s[0] = time.perf_counter() - t

    migrations.MIGRATIONS[8] = (script, timed_fill)
    try:
        t0 = time.perf_counter()
        migrations.migrate(conn, target=9)
        migrate_s = time.perf_counter() - t0
    finally:
        migrations.MIGRATIONS[8] = (script, fill)
        conn.execute(f"PRAGMA user_version = {version}")
    # the index as later migrations left it (V11 widened the per-patient one)
    for statement in migrations._statements(migrations._V11):
        if "record_index" in statement and version >= 11:
            conn.execute(statement)
    wal = Path(f"{path}-wal").stat().st_size if Path(f"{path}-wal").exists() else 0
    after = digest(conn)
    database.checkpoint(conn)
    conn.close()
    return {"records": records, "rows": after[0], "read_s": read_s, "fill_s": fill_s[0], "migrate_s": migrate_s,
            "same": before == after, "derived": derived, "wal_mib": wal / 2**20}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--baseline-repeat", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--visits", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dir", help="the work folder (default: a temporary one, removed after)")
    ap.add_argument("--reuse", action="store_true", help="with --dir: the folder built before (a day added again"
                                                         " when the last was added on another date)")
    ap.add_argument("--no-fill", action="store_true", help="skip the migration's fill")
    args = ap.parse_args(argv)
    work = Path(args.dir or tempfile.mkdtemp(prefix="bench-worklists-"))
    work.mkdir(parents=True, exist_ok=True)
    today = dt.date.today()
    day_file = work / "day.json"
    load = os.getloadavg()
    if args.reuse and (work / "data").exists():
        built = float("nan")
    else:
        built = build(work, args.patients)
        day_file.unlink(missing_ok=True)
    unit = open_unit(work)
    day = json.loads(day_file.read_text()) if day_file.exists() else {}
    if day.get("date") != today.isoformat():
        t0 = time.perf_counter()
        counts = add_day(unit, today, visits=args.visits, due_today=25, week=400, missed=40, seed=args.seed)
        day = {"date": today.isoformat(), "counts": counts, "seconds": time.perf_counter() - t0}
        day_file.write_text(json.dumps(day))
    counts = unit.store.counts_by_type()
    index_rows = unit.store.db.one("SELECT count(*) FROM record_index")[0]
    rows, parts = measure_lists(unit, today, args.repeat, args.baseline_repeat, args.warmup)
    _say("lists done" + ("" if args.no_fill else "; the migration's fill next"))
    writes = measure_write_cost(unit)
    summary_fill = None if args.no_fill else measure_summary_fill(unit)
    fill = None if args.no_fill else measure_fill(unit)
    unit.close()
    unit.inst.close()
    load_after = os.getloadavg()

    import sqlcipher3

    sqlite, cipher = sqlcipher3.sqlite_version, ""
    try:
        c = sqlcipher3.connect(":memory:")
        cipher = c.execute("PRAGMA cipher_version").fetchone()[0]
        c.close()
    except Exception:  # noqa: BLE001 - only for the header line
        pass
    print(f"Worklist benchmark: {args.patients:,} patients, {sum(counts.values()):,} resources, {index_rows:,}"
          f" record_index rows (built in {built:.0f} s), Python {sys.version.split()[0]}, SQLCipher {cipher} /"
          f" SQLite {sqlite}, {os.cpu_count()} CPUs, load average {load[0]:.2f} before, {load_after[0]:.2f} after")
    print(f"The day ({day['date']}, added in {day['seconds']:.0f} s through the services): "
          + ", ".join(f"{v} {k}" for k, v in day["counts"].items()))
    print(f"Each list {args.repeat} times in turn after {args.warmup} warm-up rounds; the baseline (no record_index,"
          f" ScanWorklists) {args.baseline_repeat} times.")
    print()
    print("| list | rows | first call ms | p50 ms | p95 ms | max ms | without the index p50 ms | without max ms |"
          " ratio (p50) | same result | target p95 |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    for r in rows:
        print(f"| {r['name']} | {r['rows']:,} | {r['first']:,.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |"
              f" {r['base_p50']:,.0f} |"
              f" {r['base_max']:,.0f} | {_ratio(r['base_p50'] / r['p50'])} | {r['same']} | ≤ {TARGET_MS:g} ms"
              f"{'' if r['p95'] <= TARGET_MS else ' (not met)'} |")
    print()
    for name, spent in parts.items():
        print(f"Inside one more `{name}` call (ms): " + ", ".join(f"{k} {v:,.0f}" for k, v in spent.items()))
    print()
    print(f"Writes with the summary kept: {writes['records']:,} stored records ("
          + ", ".join(f"{v:,} {k}" for k, v in writes["kinds"].items())
          + f") written again in one transaction (rolled back), best of 3: {writes['kept_s'] * 1000:,.0f} ms with the"
          f" summary kept, {writes['bare_s'] * 1000:,.0f} ms without its upkeep"
          f" ({writes['kept_s'] / writes['bare_s']:.2f}x; {writes['records'] / writes['kept_s']:,.0f} records/s)")
    if summary_fill:
        print()
        print(f"Patient summary made again as for a folder from before it (migration V11, `fill_summaries`):"
              f" {summary_fill['rows']:,} rows in {summary_fill['fill_s']:.1f} s"
              f" ({summary_fill['rows'] / summary_fill['fill_s']:,.0f} patients/s, {summary_fill['calls']:,} progress"
              f" calls); rows {'identical to' if summary_fill['same'] else 'DIFFERENT from'} those kept write by write")
    if fill:
        print()
        print(f"Migration V9 on this folder: {fill['migrate_s']:.1f} s in all, `_v9_fill` {fill['fill_s']:.1f} s for"
              f" {fill['records']:,} records -> {fill['rows']:,} rows ({fill['records'] / fill['fill_s']:,.0f} records/s);"
              f" reading and deriving the same rows without writing them {fill['read_s']:.1f} s (fill / read"
              f" {fill['fill_s'] / fill['read_s']:.2f}); WAL after the one transaction {fill['wal_mib']:,.0f} MiB;"
              f" rows {'identical to' if fill['same'] else 'DIFFERENT from'} those kept record by record")
    sys.stdout.flush()
    if not args.dir:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
