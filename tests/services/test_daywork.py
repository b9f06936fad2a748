"""A day's work on the real encrypted store: today's list from arrival to done, a complete
visit (several diagnoses, drugs from the unit's list, procedures, an appointment), the
allergy stop, corrections and visits entered in error in the audit trail, and the
follow-up lists on a seeded set with known answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.core import builders as build
from clinic_app.core import epi
from clinic_app.core.errors import InvalidInputError
from clinic_app.core.fhir import validate_resource
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, Actor, PermissionDeniedError
from clinic_app.services.formulary import instructions, quantity_for
from clinic_app.services.installation import Installation
from clinic_app.services.session import UnitSession
from tests.conftest import back_to_data_version_10
from tests.services.drugs import session_with_drugs
from clinic_app.services.patients import PatientForm
from clinic_app.services.visits import AllergyConflictError, DrugLine, VisitForm

FORMULARY = """code,name,strength,unit,tmt,drug24,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,,,1,TID,7,penicillins
CPM4,Chlorpheniramine,4 mg,เม็ด,,,1,TID,5,antihistamines
METF500,Metformin,500 mg,เม็ด,,,1,BID,30,biguanides
"""
NURSE = Actor("nurse.ploy", CLINICIAN)
CLERK_ = Actor("clerk.mali", CLERK)
BOSS = Actor("admin.somchai", ADMIN)
TODAY = dt.date.today()


@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    yield from session_with_drugs(installation, FORMULARY, acting=BOSS)


def _patient(unit: UnitSession, given: str = "สมศรี", *, born: tuple[int, int, int] = (3, 2, 2523),
             sex: str = "female", moo: str = "4", house: str = "12") -> str:
    day, month, year = born
    form = PatientForm(given_th=given, family_th="มีสุข", sex=sex, birth_day=day, birth_month=month,
                       birth_year_be=year, house=house, moo=moo, subdistrict_code="300101")
    return unit.patients.register(form, allow_duplicates=True).value["id"]


def test_the_formulary_imports_all_or_nothing_and_again_changes_nothing(unit: UnitSession, tmp_path: Path) -> None:
    drugs = {d.code: d for d in unit.formulary.drugs()}
    assert set(drugs) == {"PARA500", "AMOX500", "CPM4", "METF500"}
    assert drugs["AMOX500"].group == "penicillins" and drugs["PARA500"].dose == 1
    again = unit.formulary.import_csv(FORMULARY)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,dose,colour\nX1,,abc,red\nPARA500,Para,1,\nPARA500,Para,1,\n", encoding="utf-8")
    with pytest.raises(InvalidInputError) as refused:
        unit.formulary.import_csv(bad)
    where = sorted((p.index, p.path) for p in refused.value.problems)
    assert where == [(2, "dose"), (2, "name"), (4, "code")]
    assert all(p.thai for p in refused.value.problems)
    assert len(unit.formulary.drugs()) == 4  # nothing of the bad file
    tis = tmp_path / "tis.csv"
    tis.write_bytes("code,name,unit\nORS,ผงเกลือแร่,ซอง\n".encode("cp874"))
    assert unit.formulary.import_csv(tis).added == 1
    assert unit.formulary.by_code()["ORS"].name == "ผงเกลือแร่"
    for resource in unit.store.iter_resources(resource_type="Medication"):
        assert validate_resource(resource) == []
    unit.act_as(NURSE)
    with pytest.raises(PermissionDeniedError):
        unit.formulary.import_csv(FORMULARY)


def test_instructions_are_thai_and_the_quantity_follows_dose_frequency_and_days(unit: UnitSession) -> None:
    para = unit.formulary.by_code()["PARA500"]
    assert instructions(para, dose=1, frequency="TID", meals="pc") == \
        "รับประทานครั้งละ 1 เม็ด วันละ 3 ครั้ง เช้า กลางวัน เย็น หลังอาหาร"
    assert quantity_for(para, dose=2, frequency="TID", days=5) == 30
    assert quantity_for(para, dose=1, frequency="PRN", days=5) is None
    assert instructions(None, dose=1, frequency="BID", dose_unit="หลอด").startswith("ทาบริเวณที่เป็น")


def test_a_day_from_the_front_desk_to_done(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.act_as(CLERK_)
    arrived = unit.visits.check_in(pid, complaint="ไข้ ไอ").value
    assert arrived["status"] == "arrived" and "end" not in arrived["period"]
    assert unit.visits.check_in(pid).value["id"] == arrived["id"]  # not put on the list twice
    [row] = unit.visits.today()
    assert (row.patient_id, row.state, row.encounter_id, row.seen_by) == (pid, "waiting", arrived["id"], "")
    unit.act_as(NURSE)
    unit.visits.open_visit(arrived["id"])
    [row] = unit.visits.today()
    assert (row.state, row.seen_by) == ("being-seen", "nurse.ploy")
    form = VisitForm(complaint="ไข้ ไอ", systolic=128, diastolic=82, temperature=38.2, blood_sugar=110,
                     diagnoses=[("J00", "1"), ("I10", "2")],
                     drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3),
                            DrugLine(code="CPM4", dose=1, frequency="TID", meals="pc", days=5),
                            DrugLine(text="ยาอมแก้ไอ สมุนไพร", quantity=1, unit="ซอง")],
                     procedures=["93.57"], appointment_day=TODAY + dt.timedelta(days=14),
                     appointment_reason="ติดตามความดัน")
    done = unit.visits.save(pid, form, encounter_id=arrived["id"])
    assert done.value["id"] == arrived["id"] and done.value["status"] == "finished"
    [row] = unit.visits.today()
    assert row.state == "done"
    records = unit.store.chart(pid)
    for resource in records:
        assert validate_resource(resource) == [], resource["resourceType"]
    kinds = [r["resourceType"] for r in records]
    assert kinds.count("Condition") == 2 and kinds.count("MedicationDispense") == 3
    assert kinds.count("Procedure") == 1 and kinds.count("Appointment") == 1
    dispenses = {r["medicationCodeableConcept"].get("text"): r for r in records if r["resourceType"] == "MedicationDispense"}
    para = dispenses["Paracetamol 500 mg"]
    assert para["quantity"]["value"] == 12 and para["daysSupply"]["value"] == 3
    assert para["dosageInstruction"][0]["text"] == "รับประทานครั้งละ 1 เม็ด วันละ 4 ครั้ง เช้า กลางวัน เย็น ก่อนนอน"
    free = dispenses["ยาอมแก้ไอ สมุนไพร"]
    assert "coding" not in free["medicationCodeableConcept"]  # written freely: text alone
    chart = unit.patients.chart(pid)
    [visit] = chart.visits
    assert [(d["code"], d["type"]) for d in visit["diagnoses"]] == [("J00", "1"), ("I10", "2")]
    assert [p["code"] for p in visit["procedures"]] == ["93.57"]
    assert ("blood_sugar", "110", "mg/dL") in visit["vitals"]
    assert [a["reason"] for a in chart.appointments] == ["ติดตามความดัน"]
    # the appointment is on the list of its day, and in the week's appointments
    due = unit.visits.appointments(TODAY, TODAY + dt.timedelta(days=30))
    assert [(a["patient_id"], a["status"], a["missed"]) for a in due] == [(pid, "booked", False)]


def test_an_appointment_due_today_is_on_the_list_and_kept_when_the_patient_comes(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.act_as(NURSE)
    yesterday = dt.datetime.now().astimezone() - dt.timedelta(days=1)
    unit.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")], when=yesterday,
                                    appointment_day=TODAY, appointment_reason="วัดความดัน"))
    [row] = unit.visits.today()
    assert (row.state, row.encounter_id, row.reason) == ("expected", None, "วัดความดัน")
    unit.visits.check_in(pid)
    [row] = unit.visits.today()
    assert row.state == "waiting"
    [kept] = unit.visits.appointments(TODAY, TODAY)
    assert kept["status"] == "fulfilled" and not kept["missed"]


def test_a_drug_the_patient_is_allergic_to_stops_for_a_reason_and_the_reason_is_kept(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.act_as(NURSE)
    unit.visits.add_allergy(pid, "Penicillin", reaction="ผื่นลมพิษ", certainty="1", severity="1")
    form = VisitForm(complaint="เจ็บคอ", diagnoses=[("J02.9", "1")], drugs=[DrugLine(code="AMOX500", dose=1, frequency="TID",
                                                                                    days=7)])
    with pytest.raises(AllergyConflictError) as stopped:
        unit.visits.save(pid, form)
    assert "Amoxicillin" in stopped.value.problems[0].reason and "Penicillin" in stopped.value.problems[0].reason
    assert not [r for r in unit.store.chart(pid) if r["resourceType"] == "Encounter"]  # nothing saved
    form.allergy_reason = "ไม่มียาอื่น แพทย์สั่งโดยทราบประวัติ"
    unit.visits.save(pid, form)
    [given] = [r for r in unit.store.chart(pid) if r["resourceType"] == "MedicationDispense"]
    assert given["extension"][0]["valueString"] == form.allergy_reason
    entry = [e for e in unit.store.audit.entries() if e["action"] == "record-visit"][-1]
    assert entry["detail"]["allergy_override"] == 1
    # a drug of another group passes without a question
    unit.visits.save(pid, VisitForm(complaint="ไข้", drugs=[DrugLine(code="PARA500", dose=1, frequency="QID", days=3)]))
    # an allergy written in Thai and English, and a drug written freely by name
    other = _patient(unit, "สมหญิง")
    unit.visits.add_allergy(other, "ซัลฟา (Sulfonamide)")
    assert unit.visits.allergy_conflicts(other, [DrugLine(text="Sulfonamide cream")])
    assert not unit.visits.allergy_conflicts(other, [DrugLine(code="CPM4")])


def test_a_correction_and_a_visit_entered_in_error_are_in_the_audit_trail(unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.act_as(NURSE)
    first = unit.visits.save(pid, VisitForm(complaint="ไข้", diagnoses=[("J00", "1")], temperature=38.0)).value
    unit.visits.correct(first["id"], VisitForm(complaint="ไข้", diagnoses=[("J02.9", "1")], temperature=38.0))
    chart = unit.patients.chart(pid)
    [visit] = chart.visits
    assert [d["code"] for d in visit["diagnoses"]] == ["J02.9"]
    corrected = [e for e in unit.store.audit.entries() if e["action"] == "correct-visit"]
    assert corrected[-1]["actor"] == "nurse.ploy" and corrected[-1]["detail"]["changed"] == ["diagnoses"]
    assert corrected[-1]["entity_id"] == first["id"]
    # the old diagnosis is kept, marked, and out of the chronic and diagnosis index
    conditions = [r for r in unit.store.chart(pid) if r["resourceType"] == "Condition"]
    assert sorted(c["verificationStatus"]["coding"][0]["code"] for c in conditions if "verificationStatus" in c) == \
        ["entered-in-error"]
    second = unit.visits.save(pid, VisitForm(complaint="ผิดคน", diagnoses=[("I10", "1")])).value
    unit.act_as(CLERK_)
    with pytest.raises(PermissionDeniedError):
        unit.visits.void(second["id"], "บันทึกผิดคน")
    unit.act_as(NURSE)
    with pytest.raises(InvalidInputError):
        unit.visits.void(second["id"], " ")
    unit.visits.void(second["id"], "บันทึกผิดคน")
    assert unit.store.get("Encounter", second["id"])["status"] == "entered-in-error"  # kept, never deleted
    assert len(unit.patients.chart(pid).visits) == 1  # hidden by default
    shown = unit.patients.chart(pid, include_voided=True)
    assert [v["voided"] for v in shown.visits].count(True) == 1 and shown.voided == 1
    voided = [e for e in unit.store.audit.entries() if e["action"] == "void-visit"]
    assert voided[-1]["detail"]["reason"] == "บันทึกผิดคน"
    assert pid not in {r.patient_id for r in unit.followup.chronic()}  # the HT diagnosis was in error


def test_the_follow_up_lists_find_the_overdue_patients_of_a_seeded_set(unit: UnitSession) -> None:
    """Known answers: who is overdue, by construction."""
    unit.act_as(NURSE)
    now = dt.datetime.now().astimezone()

    def visit(pid: str, days_ago: int, **form: object) -> None:
        unit.visits.save(pid, VisitForm(complaint="ติดตาม", when=now - dt.timedelta(days=days_ago), **form))  # type: ignore[arg-type]

    recent = _patient(unit, "ปกติดี")       # DM, seen 20 days ago: not overdue
    visit(recent, 20, diagnoses=[("E11.9", "1")], systolic=130, diastolic=80, blood_sugar=140)
    late = _patient(unit, "ขาดนัด")          # HT, last seen 120 days ago: overdue
    visit(late, 200, diagnoses=[("I10", "1")], systolic=150, diastolic=95)
    visit(late, 120, diagnoses=[("I10", "1")], systolic=142, diastolic=90)
    both = _patient(unit, "สองโรค")         # DM and HT, seen 30 days ago, missed an appointment 5 days ago
    visit(both, 30, diagnoses=[("E11.9", "1"), ("I10", "2")], appointment_day=None)
    with unit.store.transaction():  # an appointment booked then, for 5 days ago
        unit.records.write([build.appointment(id="a-missed", patient=build.reference("Patient", both),
                                              start=(now - dt.timedelta(days=5)).isoformat(timespec="seconds"),
                                              reason="ตรวจน้ำตาล")], action="test")
    entered = _patient(unit, "ส่งตัวมา")     # put on the register, never seen: overdue
    unit.followup.add_chronic(entered, "DM", since=TODAY - dt.timedelta(days=400))
    _patient(unit, "ไม่มีโรค")               # no chronic disease: not on the list
    rows = {r.name.split()[0]: r for r in unit.followup.chronic()}
    assert set(rows) == {"ปกติดี", "ขาดนัด", "สองโรค", "ส่งตัวมา"}
    assert rows["ปกติดี"].diseases == ["DM"] and not rows["ปกติดี"].overdue
    assert rows["ปกติดี"].last_bp[1] == "130/80" and rows["ปกติดี"].last_sugar[1] == "140"
    assert rows["ขาดนัด"].why == ["no-visit"] and rows["ขาดนัด"].last_bp[1] == "142/90"
    assert rows["สองโรค"].diseases == ["DM", "HT"] and rows["สองโรค"].why == ["missed-appointment"]
    assert rows["ส่งตัวมา"].why == ["no-visit"] and rows["ส่งตัวมา"].last_visit is None
    overdue = {r.name.split()[0] for r in unit.followup.chronic(overdue_only=True)}
    assert overdue == {"ขาดนัด", "สองโรค", "ส่งตัวมา"}
    missed = [a for a in unit.visits.appointments(TODAY - dt.timedelta(days=30), TODAY) if a["missed"]]
    assert [a["patient_id"] for a in missed] == [both]


def _born(months_ago: int) -> tuple[int, int, int]:
    day = epi.add_months(TODAY, -months_ago)
    return (day.day, day.month, day.year + 543)


def test_the_epi_list_finds_the_children_with_doses_due_by_the_full_schedule(unit: UnitSession) -> None:
    unit.act_as(NURSE)
    now = dt.datetime.now().astimezone()
    _patient(unit, "แรกเกิด", born=_born(0), moo="2")          # BCG and HBV1 due (not yet overdue)
    two = _patient(unit, "สองเดือน", born=_born(2), moo="1", house="5")   # birth doses given; 2-month doses due
    for code in ("010", "041"):
        unit.visits.save(two, VisitForm(vaccine=code, when=now - dt.timedelta(days=50)))
    booster = _patient(unit, "สี่ขวบ", born=_born(50), sex="male", moo="1", house="3")  # all but DTP5/OPV5
    for dose in epi.SCHEDULE:
        if epi.routine(dose, "male") and dose.age_months < 48:
            unit.visits.save(booster, VisitForm(vaccine=dose.code, when=now - dt.timedelta(days=400)))
    girl = _patient(unit, "ป.ห้า", born=_born(135), moo="3")  # HPV1 due at 11 (a girl), the rest given
    boy = _patient(unit, "ป.ห้าชาย", born=_born(135), sex="male", moo="3")
    for pid, sex in ((girl, "female"), (boy, "male")):
        for dose in epi.SCHEDULE:
            if epi.routine(dose, sex) and dose.age_months < 132:
                unit.visits.save(pid, VisitForm(vaccine=dose.code, when=now - dt.timedelta(days=1000)))
    _patient(unit, "ผู้ใหญ่", born=(1, 1, 2520))
    rows = {r.name.split()[0]: r for r in unit.followup.epi()}
    assert set(rows) == {"แรกเกิด", "สองเดือน", "สี่ขวบ", "ป.ห้า"}
    assert {d.code for d in rows["แรกเกิด"].due} == {"010", "041"} and not rows["แรกเกิด"].overdue
    assert {d.code for d in rows["สองเดือน"].due} == {"D21", "081", "R11"}
    assert {d.code for d in rows["สี่ขวบ"].due} == {"035", "085"}
    assert {d.code for d in rows["ป.ห้า"].due} == {"310"}
    # by village then house: moo 1 (house 3, house 5), moo 2, moo 3
    assert [r.name.split()[0] for r in unit.followup.epi()] == ["สี่ขวบ", "สองเดือน", "แรกเกิด", "ป.ห้า"]
    # more than a month late: the 4-year boosters (2 months) and HPV1 (3 months)
    assert {r.name.split()[0] for r in unit.followup.epi(overdue_only=True)} == {"สี่ขวบ", "ป.ห้า"}
    assert {d.code for d in rows["สี่ขวบ"].overdue} == {"035", "085"}


def test_the_worklist_index_is_filled_for_records_stored_before_it(installation: Installation) -> None:
    """A folder from before the index (data version 8) gets its rows when it is opened: the
    same rows as the store keeps record by record."""
    from clinic_app.store import migrations

    with UnitSession(installation) as unit:
        unit.act_as(NURSE)
        pid = _patient(unit)
        unit.visits.save(pid, VisitForm(complaint="ไข้", diagnoses=[("E11.9", "1")], vaccine="815"))
        conn = unit.store.conn
        query = "SELECT rid, kind, code, day, patient_id, value FROM record_index ORDER BY rid, kind, code"
        kept = conn.execute(query).fetchall()
        assert {row[1] for row in kept} == {"born", "visit", "diagnosis", "vaccine"}
        conn.execute("DELETE FROM record_index")  # as a folder of data version 8 has none
        with unit.store.transaction():
            migrations._v9_fill(conn)  # the step migration 9 runs after making the table
        assert conn.execute(query).fetchall() == kept


def test_a_folder_from_before_the_patient_summary_gets_it_with_progress_and_can_stop_and_go_on(
        installation: Installation) -> None:
    """Migration 11 leaves a folder that had records with its summary to make: made in
    batches with progress, stopped and taken up again where it stopped, and made before a
    list is read when nobody made it first (the command line)."""
    with UnitSession(installation) as unit:
        unit.act_as(NURSE)
        sick = [_patient(unit, f"เบาหวาน{n}") for n in range(3)]
        for pid in sick:
            unit.visits.save(pid, VisitForm(complaint="ตามนัด", diagnoses=[("E11.9", "1")], systolic=150, diastolic=95))
        child = _patient(unit, "สองเดือน", born=_born(2))
        unit.visits.save(child, VisitForm(vaccine="010"))
        chronic, children = unit.followup.chronic(), unit.followup.epi()
        assert len(chronic) == 3 and chronic[0].last_bp[1] == "150/95" and len(children) == 1
        back_to_data_version_10(unit.store.conn)
    with UnitSession(installation, upgrade_on_open=False) as unit:  # opened again: migration 11 (the window)
        unit.act_as(NURSE)
        work = unit.store.worklists
        assert work.summaries_pending()
        # a visit saved before the fill begins its patient's row (only the visit's column): the
        # fill still works out the rest (the blood pressure, the diabetes)
        unit.visits.save(sick[0], VisitForm(complaint="ตามนัด"))
        seen: list[tuple[int, int]] = []
        assert work.fill_summaries(lambda done, total: seen.append((done, total)) or len(seen) < 3, batch=2) is False
        assert seen == [(0, 4), (2, 4), (4, 4)] and work.summaries_pending()  # stopped before saying it was done
        assert unit.followup.chronic() == chronic and unit.followup.epi() == children
        assert not work.summaries_pending()


def test_the_summary_follows_each_write_a_void_a_delete_and_records_that_come_before_their_patient(
        unit: UnitSession) -> None:
    unit.act_as(NURSE)
    pid = _patient(unit, "ตามนัด")
    old = dt.datetime.now().astimezone() - dt.timedelta(days=200)
    unit.visits.save(pid, VisitForm(complaint="ตามนัด", diagnoses=[("I10", "1")], systolic=150, diastolic=95, when=old))
    latest = unit.visits.save(pid, VisitForm(complaint="ตามนัด", diagnoses=[("I10", "1")], systolic=128, diastolic=80)).value
    [row] = unit.followup.chronic()
    assert (row.last_bp[1], row.overdue) == ("128/80", False)
    unit.act_as(Actor("dr.somchai", ADMIN))
    unit.visits.void(latest["id"], reason="ผิดคน")  # the latest visit entered in error
    [row] = unit.followup.chronic()
    assert (row.last_bp[1], row.overdue, row.why) == ("150/95", True, ["no-visit"])
    # a visit and its readings pulled before their patient (another desktop's records)
    other = "0d8a4f4e-0000-4000-8000-000000000001"
    records = unit.store.chart(pid)
    with unit.store.transaction():
        for record in records:
            if record["resourceType"] in ("Encounter", "Condition", "Observation"):
                moved = {**record, "id": "x" + record["id"][1:]}
                for field in ("subject", "patient"):
                    if field in moved:
                        moved[field] = {"reference": f"Patient/{other}"}
                unit.store.put(moved)
    assert {r.patient_id for r in unit.followup.chronic()} == {pid}
    with unit.store.transaction():
        unit.store.put({**unit.store.get("Patient", pid), "id": other})
    assert {r.patient_id for r in unit.followup.chronic()} == {pid, other}
    with unit.store.transaction():
        unit.store.delete("Patient", other)
    assert {r.patient_id for r in unit.followup.chronic()} == {pid}


def test_a_patients_details_are_corrected_as_a_new_version_and_the_trail_names_what_changed(
        unit: UnitSession) -> None:
    unit.act_as(CLERK_)
    form = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523, cid="1101700207030", prefix="นาง", house="12", moo="4",
                       subdistrict_code="300101", phone="0812345678")
    patient = unit.patients.register(form).value
    shown = unit.patients.form_of(patient["id"])
    assert (shown.given_th, shown.family_th, shown.birth_year_be, shown.cid, shown.moo, shown.house, shown.phone,
            shown.right) == ("สมศรี", "มีสุข", 2523, "1101700207030", "4", "12", "0812345678", "UCS")
    shown.family_th = "ใจงาม"
    shown.right = "SSS"
    updated = unit.patients.update(patient["id"], shown).value
    assert updated["id"] == patient["id"] and updated["identifier"][1] == patient["identifier"][1]  # the same HN
    assert validate_resource(updated) == []
    assert unit.store.search_patients("ใจงาม")[0]["id"] == patient["id"]
    [entry] = unit.store.audit.entries(entity_type="Patient", entity_id=patient["id"])[-1:]
    assert (entry["action"], entry["actor"], entry["detail"]["changed"]) == ("update-patient", "clerk.mali",
                                                                            ["name", "right"])
    assert "ใจงาม" not in str(entry)  # names what changed, not the values
    assert unit.patients.update(patient["id"], unit.patients.form_of(patient["id"])).changes.empty  # nothing changed


def test_training_mode_starts_with_a_drug_list_and_a_morning_under_way(installation: Installation) -> None:
    from clinic_app.services.demo_day import seed_demo_day

    with UnitSession(installation) as unit:
        unit.records.load_demo(60, seed=1)
        seed_demo_day(unit.store, actor=unit.actor)
        assert len(unit.formulary.drugs()) >= 20
        states = sorted(r.state for r in unit.visits.today())
        assert states == ["being-seen", "done", "done", "done", "expected", "expected", "waiting", "waiting"]
        assert seed_demo_day(unit.store, actor=unit.actor).empty  # once a day
        assert [a for a in unit.visits.appointments(TODAY - dt.timedelta(days=7), TODAY) if a["missed"]]
        for resource in unit.store.iter_resources():
            assert validate_resource(resource) == [], resource["resourceType"]


def test_a_visit_entered_in_error_takes_its_appointment_with_it_and_gives_back_the_one_it_kept(
        unit: UnitSession) -> None:
    pid = _patient(unit)
    unit.act_as(NURSE)
    yesterday = dt.datetime.now().astimezone() - dt.timedelta(days=1)
    unit.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")], when=yesterday,
                                    appointment_day=TODAY, appointment_reason="วัดความดัน"))
    arrived = unit.visits.check_in(pid).value  # keeps today's appointment
    wrong = unit.visits.save(pid, VisitForm(complaint="ผิดคน", appointment_day=TODAY + dt.timedelta(days=7),
                                            appointment_reason="นัดผิดคน"), encounter_id=arrived["id"]).value
    week = unit.visits.appointments(TODAY, TODAY + dt.timedelta(days=7))
    assert sorted((a["reason"], a["status"]) for a in week) == [("นัดผิดคน", "booked"), ("วัดความดัน", "fulfilled")]
    unit.visits.void(wrong["id"], "บันทึกผิดคน")
    week = unit.visits.appointments(TODAY, TODAY + dt.timedelta(days=7))
    assert [(a["reason"], a["status"]) for a in week] == [("วัดความดัน", "booked")]  # the made one cancelled
    [row] = unit.visits.today()
    assert row.state == "expected"  # she has not really come


def test_the_summary_takes_any_house_number_a_purge_and_a_folder_it_cannot_write(unit: UnitSession) -> None:
    """A house field holding a phone number too (digits past what an SQLite integer holds)
    registers; a Patient purged (the hub's delete) leaves no row with their name; a folder
    that cannot be written to says its lists are not ready instead of writing."""
    from clinic_app.core.errors import KnownError
    from clinic_app.core.worklist import number_key

    assert number_key("123/45 โทร 0812345678 รหัส 30000") == 123450 and number_key("ไม่มี") == 10**6
    unit.act_as(NURSE)
    pid = _patient(unit, "บ้านยาว", house="123/45 โทร 0812345678 รหัส 30000")
    unit.visits.save(pid, VisitForm(complaint="ตามนัด", diagnoses=[("E11.9", "1")]))
    assert [r.patient_id for r in unit.followup.chronic()] == [pid]
    db = unit.store.db
    with unit.store.transaction():
        unit.store.purge("Patient", pid)
    assert db.one("SELECT count(*) FROM patient_summary WHERE patient_id = ? AND name != ''", (pid,))[0] == 0
    assert unit.followup.chronic() == []
    with db.transaction():
        db.write("INSERT INTO summary_fill VALUES ('')")
    unit.store.refuse_writes = "a damaged folder"
    with pytest.raises(KnownError) as refused:
        unit.followup.chronic()
    assert refused.value.code == "not-ready" and "ยังไม่พร้อม" in refused.value.thai


def test_saving_a_patient_unchanged_writes_nothing_and_a_status_set_goes_out_as_set(unit: UnitSession) -> None:
    unit.act_as(CLERK_)
    form = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523, cid="1101700207030", typearea="1")
    pid = unit.patients.register(form).value["id"]
    shown = unit.patients.form_of(pid)
    assert shown.typearea == "1"
    assert unit.patients.update(pid, shown).changes.empty  # the same details: no new version, no push
    shown.typearea = "4"
    unit.patients.update(pid, shown)
    assert unit.patients.form_of(pid).typearea == "4"
    entries = [e for e in unit.store.audit.entries() if e.get("action") == "update-patient"]
    assert entries and entries[-1]["detail"]["changed"] == ["person-status"]
