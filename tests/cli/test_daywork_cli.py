"""A day's work through the real `clinic-app` (issue 14, the command line): `visit add`
then `visit list --today`, the drug list's import (good, and a bad file refused by line),
the allergy stop, the follow-up lists and missed appointments on a seeded set with known
answers, and a visit slip printed to PDF. Each test runs the entry point in a child
process against a real encrypted data folder (a passphrase file keeps its key)."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from clinic_app.core import builders as build
from tests.conftest import run_cli, write_json

HCODE = "12345"
HN_SYSTEM = f"https://terms.sil-th.org/hcode/5/{HCODE}/HN"
CID_SYSTEM = "https://terms.sil-th.org/id/th-cid"
NO_KEYRING = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
TODAY = dt.date.today()
NOW = dt.datetime.now().astimezone().replace(microsecond=0)

FORMULARY = """code,name,strength,unit,dose,frequency,days,group,colour
PARA500,Paracetamol,500 mg,เม็ด,1,QID,3,,white
AMOX500,Amoxicillin,500 mg,แคปซูล,1,TID,7,penicillins,red
CPM4,Chlorpheniramine,4 mg,เม็ด,1,TID,5,antihistamines,yellow
"""
# Line 2 is a good new drug, lines 3 and 5 are not: nothing of the file may be imported.
BAD_FORMULARY = """code,name,dose
NEWDRUG,Something new,1
BAD1,,abc
ORS,ผงเกลือแร่,
PARA500,Paracetamol,-2
"""

SOMSRI = ("1101700207030", "0000101", "นางสมศรี มีสุข")      # the visit, the allergy
BOONMEE = ("3100500123458", "0000102", "นายบุญมี ทองดี")      # hypertension, last seen 120 days ago
MALI = ("1103700012346", "0000103", "นางมาลี ใจงาม")           # diabetes, seen 10 days ago
CHAIYA = ("3101200345677", "0000104", "นายชัยยา ศรีสุข")       # hypertension, seen 30 days ago, missed a day


def _cli(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert _cli(result).returncode == 0, result.stderr
    return result.stdout


def _refused(result: subprocess.CompletedProcess[str]) -> str:
    """A refusal: exit 2, the Thai and the English line; the whole of stderr."""
    assert _cli(result).returncode == 2, result.stdout + result.stderr
    assert "ข้อผิดพลาด: " in result.stderr and "Error: " in result.stderr
    return result.stderr


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a long passphrase for the day's work\n", encoding="utf-8")
    return {**NO_KEYRING, "CLINIC_APP_PASSPHRASE_FILE": str(passphrase)}


def _person(cid: str, hn: str, name: str, pid: str, *, born: str = "1970-05-01") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "name": [{"text": name}], "birthDate": born, "gender": "female",
            "identifier": [{"system": CID_SYSTEM, "value": cid}, {"system": HN_SYSTEM, "value": hn}]}


def _visit(pid: str, days_ago: int, code: str) -> list[dict[str, Any]]:
    """A finished visit `days_ago` with one diagnosis."""
    when = (NOW - dt.timedelta(days=days_ago)).isoformat()
    eid = f"{pid}-{days_ago}"
    subject = build.reference("Patient", pid)
    return [build.encounter(id=eid, subject=subject, when=when, hcode=HCODE, reason="ติดตามอาการ"),
            build.condition(code, id=f"{eid}-dx", subject=subject, encounter=build.reference("Encounter", eid),
                            when=when, diagtype="1")]


def _folder(tmp_path: Path, env: dict[str, str], *extra: dict[str, Any]) -> tuple[str, ...]:
    """A data folder with the drug list and four patients (and any `extra` records); the
    command-line prefix that opens it."""
    data = ("--data-dir", str(tmp_path / "data"))
    _ok(run_cli(*data, "init", "--hcode", HCODE, env=env))
    (tmp_path / "drugs.csv").write_text(FORMULARY, encoding="utf-8")
    _ok(run_cli(*data, "formulary", "import", str(tmp_path / "drugs.csv"), env=env))
    people = [_person(*who, pid=f"p-{who[1]}") for who in (SOMSRI, BOONMEE, MALI, CHAIYA)]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in [*people, *extra]]}
    _ok(run_cli(*data, "import-fhir", str(write_json(tmp_path / "seed.json", bundle)), env=env))
    return data


def _pdf_text(path: Path) -> str:
    """The text of a PDF as `pdftotext` reads it (poppler-utils, installer/system-packages.sh)."""
    assert path.read_bytes().startswith(b"%PDF-")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _lines_with(text: str, needle: str) -> list[str]:
    return [line for line in text.splitlines() if needle in line]


def test_the_drug_list_imports_a_good_file_and_refuses_a_bad_one_by_line(tmp_path: Path,
                                                                         env: dict[str, str]) -> None:
    data = ("--data-dir", str(tmp_path / "data"))
    _ok(run_cli(*data, "init", "--hcode", HCODE, env=env))
    empty = _ok(run_cli(*data, "formulary", "list", env=env))
    assert "ยังไม่มีรายการยา" in empty and "empty" in empty
    (tmp_path / "drugs.csv").write_text(FORMULARY, encoding="utf-8")
    first = _ok(run_cli(*data, "formulary", "import", str(tmp_path / "drugs.csv"), env=env))
    assert "3 added, 0 updated, 0 unchanged" in first and "เพิ่ม 3" in first
    assert "Extra columns (not used): colour" in first
    again = _ok(run_cli(*data, "formulary", "import", str(tmp_path / "drugs.csv"), env=env))
    assert "0 added, 0 updated, 3 unchanged" in again

    (tmp_path / "bad.csv").write_text(BAD_FORMULARY, encoding="utf-8")
    stderr = _refused(run_cli(*data, "formulary", "import", str(tmp_path / "bad.csv"), env=env))
    assert "nothing was imported" in stderr and "ไม่ได้นำเข้าเลย" in stderr
    # each problem with its line: the empty name on line 3, the bad dose on lines 3 and 5 (said once)
    assert "bad.csv บรรทัดที่ 3: name: ต้องมีชื่อยา" in stderr and "bad.csv line 3: name: " in stderr
    assert "bad.csv lines 3, 5 (2 lines): dose: " in stderr and "bad.csv บรรทัดที่ 3, 5 (2 บรรทัด): dose: " in stderr
    assert "line 2" not in stderr and "line 4" not in stderr  # the good lines are not blamed
    listed = json.loads(_ok(run_cli(*data, "formulary", "list", "--json", env=env)))
    assert [d["code"] for d in listed] == ["AMOX500", "CPM4", "PARA500"]  # NEWDRUG of the bad file: not imported
    assert {d["code"]: d["group"] for d in listed}["AMOX500"] == "penicillins"
    table = _ok(run_cli(*data, "formulary", "list", env=env))
    assert "3 drug(s)" in table and _lines_with(table, "PARA500") and "Paracetamol 500 mg" in table

    missing = _refused(run_cli(*data, "formulary", "import", str(tmp_path / "no-such.csv"), env=env))
    assert "ไม่มีไฟล์หรือโฟลเดอร์นี้" in missing and "no such file" in missing


def test_a_visit_recorded_on_the_command_line_is_on_todays_list_done(tmp_path: Path, env: dict[str, str]) -> None:
    data = _folder(tmp_path, env)
    # the staff: an administrator and the nurse who sees the patient (her name is on the list)
    admin_pw, nurse_pw = tmp_path / "admin.pw", tmp_path / "nurse.pw"
    admin_pw.write_text("admin-pass-2026\n", encoding="utf-8")
    nurse_pw.write_text("พยาบาล-มะม่วง-2026\n", encoding="utf-8")
    _ok(run_cli(*data, "user", "add", "somchai", "--role", "admin", "--new-password-file", str(admin_pw), env=env))
    as_admin = (*data, "--user", "somchai", "--password-file", str(admin_pw))
    _ok(run_cli(*as_admin, "user", "add", "ploy", "--role", "clinician", "--new-password-file", str(nurse_pw),
                "--full-name", "พลอย ใจดี", env=env))
    as_nurse = (*data, "--user", "ploy", "--password-file", str(nurse_pw))
    assert "No visits" in _ok(run_cli(*as_nurse, "visit", "list", "--today", env=env))

    # a drug not on the unit's list: refused in Thai and English, nothing saved
    unknown = _refused(run_cli(*as_nurse, "visit", "add", "--cid", SOMSRI[0], "--complaint", "ไข้",
                               "--drug", "NOSUCH:10", env=env))
    assert "NOSUCH: ไม่มีในบัญชียาของหน่วย" in unknown and "NOSUCH: not on the unit's drug list" in unknown
    assert "Encounter" not in json.loads(_ok(run_cli(*as_nurse, "status", env=env)))["counts"]
    # options that cannot be read: each named, nothing saved
    bad = _refused(run_cli(*as_nurse, "visit", "add", "--cid", SOMSRI[0], "--complaint", "ไข้", "--bp", "120-80",
                           "--drug", "PARA500:many", "--appointment", "soon", env=env))
    assert "--bp" in bad and "--drug PARA500:many" in bad and "--appointment" in bad and "nothing was saved" in bad
    nobody = _refused(run_cli(*as_nurse, "visit", "add", "--cid", "1234567890121", "--complaint", "ไข้", env=env))
    assert "No patient with this citizen ID" in nobody and "1234567890121" not in nobody

    # the patient arrives (the desk puts her on the list, waiting); the nurse's visit completes that visit
    arrived = _ok(run_cli(*as_nurse, "visit", "check-in", "--cid", SOMSRI[0], env=env)).strip()
    [waiting] = _lines_with(_ok(run_cli(*as_nurse, "visit", "list", env=env)), arrived)
    assert "รอตรวจ/waiting" in waiting and SOMSRI[2] in waiting
    follow_up = TODAY + dt.timedelta(days=14)
    added = run_cli(*as_nurse, "visit", "add", "--cid", SOMSRI[0], "--complaint", "ไข้ ไอ", "--diagnosis", "J00",
                    "--diagnosis", "I10:2", "--drug", "PARA500:12:1:QID:3", "--drug", "CPM4::1:TID:5:pc",
                    "--bp", "128/82", "--temperature", "38.2", "--weight", "56", "--procedure", "93.57",
                    "--appointment", f"{follow_up.isoformat()}:ติดตามความดัน", env=env)
    visit_id = _ok(added).strip()
    assert UUID.match(visit_id), added.stdout  # the id, alone on stdout
    assert visit_id == arrived  # the visit she came for, not a second one
    assert "Visit saved" in added.stderr

    table = _ok(run_cli(*as_nurse, "visit", "list", "--today", env=env))
    [row] = _lines_with(table, visit_id)
    assert SOMSRI[1] in row and SOMSRI[2] in row and "done" in row and "เสร็จแล้ว" in row and "พลอย ใจดี" in row
    assert re.search(r"\b\d\d:\d\d\b", row)  # the time
    be_day = f"{TODAY.year + 543}-{TODAY:%m-%d}"  # a Buddhist-era day names the same day
    [listed] = json.loads(_ok(run_cli(*as_nurse, "visit", "list", "--day", be_day, "--json", env=env)))
    assert (listed["encounter_id"], listed["state"], listed["hn"], listed["seen_by"]) == (
        visit_id, "done", SOMSRI[1], "พลอย ใจดี")

    # what was saved: both diagnoses with their types, the drugs' quantities (given, and worked out)
    bundle = json.loads(_ok(run_cli(*as_nurse, "export-fhir", "--patient", SOMSRI[0], env=env)))
    records = [e["resource"] for e in bundle["entry"]]
    dispenses = {r["medicationCodeableConcept"]["text"]: r for r in records
                 if r["resourceType"] == "MedicationDispense"}
    assert dispenses["Paracetamol 500 mg"]["quantity"]["value"] == 12
    assert dispenses["Chlorpheniramine 4 mg"]["quantity"]["value"] == 15  # 1 x 3 a day x 5 days
    assert dispenses["Chlorpheniramine 4 mg"]["dosageInstruction"][0]["text"].endswith("หลังอาหาร")
    codes = sorted(r["code"]["coding"][0]["code"] for r in records if r["resourceType"] == "Condition")
    assert codes == ["I10", "J00"]
    assert [r["resourceType"] for r in records].count("Procedure") == 1

    # the appointment it made is in the week's appointments, in Buddhist-era days
    week = _ok(run_cli(*as_nurse, "appointment", "list", "--from", TODAY.isoformat(), "--to",
                       (TODAY + dt.timedelta(days=30)).isoformat(), env=env))
    [booked] = _lines_with(week, SOMSRI[1])
    assert "ติดตามความดัน" in booked and str(follow_up.year + 543) in booked and "booked" in booked
    assert "No appointments" in _ok(run_cli(*as_nurse, "appointment", "list", "--week", env=env))

    # its slip and the card of the appointment it made, as PDF files whose text is the patient's
    slip = tmp_path / "slip.pdf"
    assert str(slip) in _ok(run_cli(*as_nurse, "print", "visit-slip", visit_id, "--out", str(slip), env=env))
    text = _pdf_text(slip)
    assert "สมศรี มีสุข" in text and SOMSRI[1] in text and "Paracetamol 500 mg" in text
    assert "เช้า กลางวัน เย็น ก่อนนอน" in text  # the drug's label, in Thai (QID)
    card = tmp_path / "card.pdf"
    _ok(run_cli(*as_nurse, "print", "appointment-card", "--cid", SOMSRI[0], "--out", str(card), env=env))
    assert "สมศรี มีสุข" in _pdf_text(card) and "ติดตามความดัน" in _pdf_text(card)

    # entered in error, with a reason: off the list, and no slip for it
    voided = _ok(run_cli(*as_nurse, "visit", "void", visit_id, "--reason", "บันทึกผิดคน", env=env))
    assert "entered in error" in voided
    assert json.loads(_ok(run_cli(*as_nurse, "visit", "list", "--json", env=env))) == []
    gone = _refused(run_cli(*as_nurse, "print", "visit-slip", visit_id, "--out", str(tmp_path / "v.pdf"), env=env))
    assert "No such visit" in gone and not (tmp_path / "v.pdf").exists()


def test_a_drug_the_patient_is_allergic_to_stops_until_a_reason_is_given(tmp_path: Path, env: dict[str, str]) -> None:
    data = _folder(tmp_path, env)
    assert "No allergies" in _ok(run_cli(*data, "allergy", "list", "--cid", SOMSRI[0], env=env))
    _ok(run_cli(*data, "allergy", "add", "--cid", SOMSRI[0], "--substance", "Penicillin", "--reaction", "ผื่นลมพิษ",
                "--certainty", "1", env=env))
    shown = _ok(run_cli(*data, "allergy", "list", "--cid", SOMSRI[0], env=env))
    [row] = _lines_with(shown, "Penicillin")
    assert "ผื่นลมพิษ" in row and "1 certain" in row and str(TODAY.year + 543) in row
    assert "No allergies" in _ok(run_cli(*data, "allergy", "list", "--cid", MALI[0], env=env))  # hers only

    visit = ("visit", "add", "--cid", SOMSRI[0], "--complaint", "เจ็บคอ", "--diagnosis", "J02.9",
             "--drug", "AMOX500:21:1:TID:7", "--drug", "PARA500:10")
    stopped = _refused(run_cli(*data, *visit, env=env))
    assert "Amoxicillin 500 mg: แพ้ Penicillin" in stopped and "Amoxicillin 500 mg: allergic to Penicillin" in stopped
    assert "ผู้ป่วยมีประวัติแพ้ยา" in stopped and "--allergy-reason" in stopped
    assert "Paracetamol" not in stopped  # the drug of another group is not named
    assert json.loads(_ok(run_cli(*data, "visit", "list", "--json", env=env))) == []  # nothing saved

    reason = "ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติ"
    visit_id = _ok(run_cli(*data, *visit, "--allergy-reason", reason, env=env)).strip()
    assert UUID.match(visit_id)
    bundle = json.loads(_ok(run_cli(*data, "export-fhir", "--patient", SOMSRI[0], "--type", "MedicationDispense",
                                    env=env)))
    given = {e["resource"]["medicationCodeableConcept"]["text"]: e["resource"] for e in bundle["entry"]}
    assert [x["valueString"] for x in given["Amoxicillin 500 mg"]["extension"]] == [reason]
    assert "extension" not in given["Paracetamol 500 mg"]

    # a drug of the list as the allergy, and values out of range, refused by the service
    _ok(run_cli(*data, "allergy", "add", "--cid", MALI[0], "--drug", "CPM4", env=env))
    assert "Chlorpheniramine" in _ok(run_cli(*data, "allergy", "list", "--cid", MALI[0], env=env))
    assert "NOSUCH" in _refused(run_cli(*data, "allergy", "add", "--cid", MALI[0], "--drug", "NOSUCH", env=env))
    # readings far from usual wait for a person to confirm them
    unusual = _refused(run_cli(*data, "visit", "add", "--cid", MALI[0], "--complaint", "ปวดหัว", "--bp", "270/150",
                               env=env))
    assert "--confirm-unusual" in unusual
    assert UUID.match(_ok(run_cli(*data, "visit", "add", "--cid", MALI[0], "--complaint", "ปวดหัว", "--bp", "270/150",
                                  "--confirm-unusual", env=env)).strip())


def test_the_follow_up_lists_and_missed_appointments_have_the_known_answers(tmp_path: Path,
                                                                            env: dict[str, str]) -> None:
    """Known answers, by construction: Boonmee (HT) was last seen 120 days ago, Chaiya (HT)
    30 days ago but missed an appointment 5 days ago, Mali (DM) is seen 10 days ago with
    nothing missed, Somsri has no chronic disease; a child of two months has had nothing."""
    missed_day = NOW - dt.timedelta(days=5)
    missed = build.appointment(id="a-missed", patient=build.reference("Patient", f"p-{CHAIYA[1]}"),
                               start=missed_day.isoformat(), reason="ตรวจความดัน")
    child_born = TODAY - dt.timedelta(days=65)
    child = _person("1103700099999", "0000105", "ด.ญ.ใบเตย มีสุข", "p-child", born=child_born.isoformat())
    data = _folder(tmp_path, env, *_visit(f"p-{BOONMEE[1]}", 200, "I10"), *_visit(f"p-{BOONMEE[1]}", 120, "I10"),
                   *_visit(f"p-{MALI[1]}", 10, "E11.9"), *_visit(f"p-{CHAIYA[1]}", 30, "I10"), missed, child)

    everyone = json.loads(_ok(run_cli(*data, "followup", "chronic", "--json", env=env)))
    assert {r["hn"]: r["why"] for r in everyone} == {BOONMEE[1]: ["no-visit"], MALI[1]: [],
                                                      CHAIYA[1]: ["missed-appointment"]}
    assert {r["hn"]: r["last_visit"] for r in everyone}[BOONMEE[1]] == (TODAY - dt.timedelta(days=120)).isoformat()
    overdue = _ok(run_cli(*data, "followup", "chronic", "--overdue", env=env))
    assert "2 overdue chronic patients" in overdue
    [boonmee] = _lines_with(overdue, BOONMEE[1])
    last_seen = TODAY - dt.timedelta(days=120)
    assert BOONMEE[2] in boonmee and "HT" in boonmee and "no visit for 90 days" in boonmee
    assert str(last_seen.year + 543) in boonmee and last_seen.isoformat() not in boonmee  # a Buddhist-era day
    [chaiya] = _lines_with(overdue, CHAIYA[1])
    assert "ขาดนัด" in chaiya and "missed an appointment" in chaiya
    assert not _lines_with(overdue, MALI[1])

    missed_list = _ok(run_cli(*data, "appointment", "list", "--missed", env=env))
    [row] = _lines_with(missed_list, "a-missed")
    assert CHAIYA[1] in row and CHAIYA[2] in row and "ตรวจความดัน" in row and "missed" in row
    assert len(_lines_with(missed_list, "0000")) == 1
    assert json.loads(_ok(run_cli(*data, "appointment", "list", "--missed", "--json", env=env)))[0]["day"] == \
        missed_day.date().isoformat()  # ISO in JSON
    assert "No appointments" in _ok(run_cli(*data, "appointment", "list", "--today", env=env))

    children = json.loads(_ok(run_cli(*data, "followup", "epi", "--json", env=env)))
    assert [c["hn"] for c in children] == ["0000105"]
    assert {"010", "041"} <= set(children[0]["overdue"])  # the birth doses, two months late
    assert "ใบเตย" in _ok(run_cli(*data, "followup", "epi", "--overdue", env=env))

    register = tmp_path / "chronic.pdf"
    _ok(run_cli(*data, "print", "followup", "chronic", "--overdue", "--out", str(register), env=env))
    text = _pdf_text(register)
    assert "บุญมี ทองดี" in text and "ชัยยา ศรีสุข" in text and "มาลี ใจงาม" not in text
