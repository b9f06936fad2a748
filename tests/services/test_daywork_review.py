"""Review of a day's work (issue 14): wrong results and lost data found in the services,
each test failing before its mend; on the real encrypted store."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from clinic_app.core import builders as build
from clinic_app.core.errors import InvalidInputError
from clinic_app.core.identifiers import CID_SYSTEM
from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession
from tests.services.drugs import session_with_drugs
from clinic_app.services.visits import AllergyConflictError, DrugLine, VisitForm

FORMULARY = """code,name,strength,unit,tmt,drug24,dose,frequency,days,group
PARA500,Paracetamol,500 mg,เม็ด,,,1,QID,3,
AMOX500,Amoxicillin,500 mg,แคปซูล,,,1,TID,7,penicillins
"""
NURSE = Actor("nurse.ploy", CLINICIAN)
TODAY = dt.date.today()


@pytest.fixture
def unit(installation: Installation) -> Iterator[UnitSession]:
    yield from session_with_drugs(installation, FORMULARY, acting=NURSE)


def _patient(unit: UnitSession, given: str = "สมศรี", *, cid: str = "") -> str:
    form = PatientForm(given_th=given, family_th="มีสุข", sex="female", birth_day=3, birth_month=2,
                       birth_year_be=2523, cid=cid)
    return unit.patients.register(form, allow_duplicates=True).value["id"]


def _write(unit: UnitSession, resources: list[dict]) -> None:
    with unit.store.transaction():
        unit.records.write(resources, action="test")


def test_a_correction_keeps_the_readings_and_vaccines_the_form_does_not_hold(unit: UnitSession) -> None:
    """A visit imported from the 43 files (respiratory rate, several EPI doses at one
    visit) corrected for its diagnosis: the readings and doses the form cannot show are
    not marked entered in error."""
    pid = _patient(unit)
    saved = unit.visits.save(pid, VisitForm(complaint="ฉีดวัคซีน", diagnoses=[("J00", "1")])).value
    at = {"subject": build.reference("Patient", pid), "encounter": build.reference("Encounter", saved["id"]),
          "when": saved["period"]["start"]}
    rr = build.vital_sign("respiratory_rate", 20, id=str(uuid.uuid4()), **at)
    doses = [build.immunization(code, id=str(uuid.uuid4()), patient=at["subject"], encounter=at["encounter"],
                                when=at["when"]) for code in ("D21", "081")]
    _write(unit, [rr, *doses])
    form = unit.visits.form_of(saved["id"])
    form.diagnoses = [("J02.9", "1")]
    unit.visits.correct(saved["id"], form)
    live = [r for r in unit.visits.parts(saved["id"])]
    codes = sorted(r["vaccineCode"]["coding"][0]["code"] for r in live if r["resourceType"] == "Immunization")
    assert codes == ["081", "D21"]
    assert unit.store.get("Observation", rr["id"])["status"] != "entered-in-error"
    [child] = [row for row in unit.store.worklists.children("1900-01-01", "2999-12-31") if row[0] == pid]
    assert {"081", "D21"} <= child[8]  # the vaccines given, as the EPI list reads them


def test_the_allergy_stop_sees_an_allergy_filed_under_a_record_merged_into_this_one(unit: UnitSession) -> None:
    """Another desktop recorded the allergy against the old record before it heard of the
    merge: the chart shows it (merged records' records), so prescribing must stop on it."""
    keep = _patient(unit, "เก็บ", cid="1101700207030")
    drop = "old-1"  # the same person from an old system (registration refuses a second citizen ID)
    _write(unit, [build.patient(id=drop, identifiers=[build.identifier(CID_SYSTEM, "1101700207030")],
                                names=[build.human_name("สมศรี", "มีสุข")], gender="female", birth_date="1980-02-03",
                                hcode=unit.records.hcode)])
    unit.act_as(Actor("admin.somchai", ADMIN))
    unit.duplicates.merge(keep, drop)
    unit.act_as(NURSE)
    allergy = build.allergy_intolerance("Penicillin", id=str(uuid.uuid4()), patient=build.reference("Patient", drop),
                                        when=dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    _write(unit, [allergy])  # as a pull would bring it
    assert "Penicillin" in unit.patients.chart(keep).allergies
    with pytest.raises(AllergyConflictError):
        unit.visits.save(keep, VisitForm(complaint="เจ็บคอ", drugs=[DrugLine(code="AMOX500", dose=1, frequency="TID",
                                                                                days=7)]))


def test_a_visit_recorded_without_check_in_keeps_the_appointment_due_that_day(unit: UnitSession) -> None:
    """`visit add` (or a visit from the chart) for a patient who was not put on today's
    list: the appointment due today is kept, not counted missed tomorrow."""
    pid = _patient(unit)
    yesterday = dt.datetime.now().astimezone() - dt.timedelta(days=1)
    unit.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")], when=yesterday,
                                    appointment_day=TODAY, appointment_reason="วัดความดัน"))
    done = unit.visits.save(pid, VisitForm(complaint="ความดัน", diagnoses=[("I10", "1")])).value
    [kept] = unit.visits.appointments(TODAY, TODAY)
    assert kept["status"] == "fulfilled"
    assert done["appointment"][0]["reference"] == f"Appointment/{kept['id']}"


def test_the_chronic_register_leaves_out_the_dead(unit: UnitSession) -> None:
    """A 43-file import brings people who died (PERSON DISCHARGE 1) with their diagnoses:
    they are not on the register, overdue for ever."""
    alive, dead = _patient(unit, "ยังอยู่"), _patient(unit, "เสียชีวิต")
    for pid in (alive, dead):
        unit.visits.save(pid, VisitForm(complaint="ติดตาม", diagnoses=[("E11.9", "1")]))
    patient = unit.store.get("Patient", dead)
    _write(unit, [{**patient, "deceasedDateTime": TODAY.isoformat()}])
    assert [r.patient_id for r in unit.followup.chronic()] == [alive]


def test_correcting_a_merged_patients_details_keeps_the_old_hn_that_still_finds_them(unit: UnitSession) -> None:
    """After a merge the kept record holds the replaced one's HN (`use: old`) so that HN
    still finds the person; correcting the phone number must not drop it."""
    keep = _patient(unit, "เก็บ", cid="1101700207030")
    _write(unit, [build.patient(id="old-1", identifiers=[build.identifier(CID_SYSTEM, "1101700207030"),
                                                          build.local_identifier(unit.records.hcode, "HN", "OLD77")],
                                names=[build.human_name("สมศรี", "มีสุข")], gender="female", birth_date="1980-02-03",
                                hcode=unit.records.hcode)])
    unit.act_as(Actor("admin.somchai", ADMIN))
    unit.duplicates.merge(keep, "old-1")
    assert [p["id"] for p in unit.store.find_patients("hn", "OLD77")] == [keep]
    form = unit.patients.form_of(keep)
    form.phone = "0812345678"
    unit.patients.update(keep, form)
    assert [p["id"] for p in unit.store.find_patients("hn", "OLD77")] == [keep]


def test_two_check_ins_of_one_patient_on_one_folder_make_one_visit(unit: UnitSession, installation: Installation,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The window and `clinic-app visit check-in` on the same folder at the same moment:
    the second waits for the first's transaction and finds its visit."""
    pid = _patient(unit)
    with UnitSession(installation) as other:
        other.act_as(NURSE)
        real = unit.store.transaction

        def racing():  # the other check-in lands after this one looked, before it writes
            monkeypatch.setattr(unit.store, "transaction", real)
            other.visits.check_in(pid)
            return real()

        monkeypatch.setattr(unit.store, "transaction", racing)
        unit.visits.check_in(pid)
    assert len(unit.visits.today()) == 1


def test_a_drug_list_with_days_inf_or_nan_is_refused_by_line_not_a_crash(unit: UnitSession) -> None:
    """float("inf") > 0 passed the check, then int(float("inf")) raised OverflowError: a
    traceback (exit 1) instead of the line's problem."""
    unit.act_as(Actor("admin.somchai", ADMIN))
    with pytest.raises(InvalidInputError) as refused:
        unit.formulary.import_csv("code,name,dose,days\nX1,Drug,1,inf\nX2,Drug,nan,3\n")
    assert sorted((p.index, p.path) for p in refused.value.problems) == [(2, "days"), (3, "dose")]


def test_the_print_question_shows_a_patients_name_as_text_not_html(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The box's first line is the printout's title, which holds the patient's name; with
    Qt's automatic format a name holding a tag (`<img src=...>`) is laid out as HTML."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWidget

    from clinic_app.ui.printouts import Printout, offer_printout

    parent = QWidget()
    qtbot.addWidget(parent)
    box = offer_printout(parent, Printout('ใบรับบริการ สมศรี <img src="file:///etc/x.png"> 25 พ.ย. 2569', "<p>x</p>"))
    assert box.textFormat() == Qt.TextFormat.PlainText
    box.close()


def test_a_patient_imported_without_an_hn_can_be_corrected(unit: UnitSession) -> None:
    """update() wrote an HN identifier with an empty value for a record that has none (a
    FHIR import): refused as "FHIR: 1 problem(s) identifier[1].value", nothing a clerk can mend."""
    _write(unit, [build.patient(id="imported-1", identifiers=[build.identifier(CID_SYSTEM, "1101700207030")],
                                names=[build.human_name("สมศรี", "มีสุข")], gender="female", birth_date="1980-02-03",
                                hcode=unit.records.hcode)])
    form = unit.patients.form_of("imported-1")
    form.phone = "0812345678"
    unit.patients.update("imported-1", form)
    assert unit.store.get("Patient", "imported-1")["telecom"][0]["value"] == "0812345678"
