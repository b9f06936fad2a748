"""What the desktop writes at the desk, in the SIL-TH shapes (issue 12): a registration (with
its right as a Coverage), a visit (its VN, the staff member as a Practitioner with their
licence), all passing the conformance rules written from the guides (clinic_app/conformance,
which shares no code with the builders)."""

from __future__ import annotations

from clinic_app.conformance import check_all
from clinic_app.core.identifiers import NURSE_ID_SYSTEM
from clinic_app.core.permissions import ADMIN, CLINICIAN, Actor
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, VisitForm
from clinic_app.services.session import UnitSession
from tests.conftest import HCODE

FORM = PatientForm(given_th="สมศรี", family_th="มีสุข", sex="female", birth_day=3, birth_month=2, birth_year_be=2523,
                   cid="1101700207030", prefix="นาง", given_en="Somsri", family_en="Meesuk", house="12", moo="4",
                   subdistrict_code="300101", phone="081-234-5678", passport="AA1234567", right="SSS")


def test_a_registration_and_a_visit_are_written_in_the_th_core_shapes(installation: Installation) -> None:
    with UnitSession(installation, actor=Actor("admin1", ADMIN)) as admin:
        admin.accounts.add("admin1", "administrator", "another long passphrase for admins 7")
        admin.accounts.add("nurse.malee", "clinician", "correct horse battery staple 42",
                           full_name="มาลี ใจดี", licence="proNurse:4512345")
    with UnitSession(installation, actor=Actor("nurse.malee", CLINICIAN)) as unit:
        patient = unit.patients.register(FORM).value
        unit.patients.record_visit(patient["id"], VisitForm(complaint="ไข้ ไอ", systolic=120, diastolic=80,
                                                            diagnosis="J00", drug="Paracetamol 500 mg",
                                                            drug_amount=10, vaccine="815"))
        written = [r for r in unit.store.iter_resources() if r["resourceType"] != "AuditEvent"]
        assert check_all(written) == [], [str(v) for v in check_all(written)]
        kinds = {r["resourceType"] for r in written}
        assert {"Patient", "Coverage", "Encounter", "Practitioner", "Immunization", "MedicationDispense"} <= kinds
        types = [i["type"]["coding"][0]["code"] for i in patient["identifier"]]
        assert types == ["cid", "localHn", "PPN"]
        assert [n["extension"][0]["valueCode"] for n in patient["name"]] == ["th", "en"]
        [coverage] = [r for r in written if r["resourceType"] == "Coverage"]
        assert coverage["type"]["coding"][0]["code"] == "4200" and coverage["payor"]  # SSS: NHSO's 4200
        [encounter] = [r for r in written if r["resourceType"] == "Encounter"]
        vn = [i for i in encounter["identifier"] if i["type"]["coding"][0]["code"] == "localVn"]
        assert vn and vn[0]["system"] == f"https://terms.sil-th.org/hcode/5/{HCODE}/VN" and len(vn[0]["value"]) == 16
        [practitioner] = [r for r in written if r["resourceType"] == "Practitioner"]
        assert {"system": NURSE_ID_SYSTEM, "value": "4512345"} in [
            {k: i[k] for k in ("system", "value")} for i in practitioner["identifier"]]
        assert practitioner["name"][0]["text"] == "มาลี ใจดี"
        who = f"Practitioner/{practitioner['id']}"
        assert encounter["participant"][0]["individual"]["reference"] == who
        [shot] = [r for r in written if r["resourceType"] == "Immunization"]
        assert shot["performer"][0]["actor"]["reference"] == who  # a person, never the facility
        # a second visit makes no second Practitioner
        unit.patients.record_visit(patient["id"], VisitForm(complaint="ติดตาม"))
        assert sum(1 for r in unit.store.iter_resources(resource_type="Practitioner")) == 1


def test_a_passport_names_its_issuing_country_when_the_clerk_knows_it(installation: Installation) -> None:
    with UnitSession(installation, actor=Actor("nurse", CLINICIAN)) as unit:
        known = unit.patients.register(PatientForm(given_th="อ่อง", family_th="ซาน", sex="male", birth_day=1,
                                                   birth_month=1, birth_year_be=2530, passport="MA123456",
                                                   passport_country="MMR")).value
        unknown = unit.patients.register(PatientForm(given_th="ทุน", family_th="ลี", sex="male", birth_day=1,
                                                     birth_month=1, birth_year_be=2531, passport="X99")).value
    [mmr] = [i["system"] for i in known["identifier"] if i["type"]["coding"][0]["code"] == "PPN"]
    [other] = [i["system"] for i in unknown["identifier"] if i["type"]["coding"][0]["code"] == "PPN"]
    assert (mmr, other) == ("http://hl7.org/fhir/sid/passport-MMR", "https://terms.sil-th.org/id/passport")
    assert check_all([known, unknown]) == []
