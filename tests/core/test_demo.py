"""The demo data: deterministic, valid FHIR, about twenty resources a patient, and plausible
by age and sex (dates, prefixes, diagnoses, drugs, vital signs, the Thai EPI schedule);
and one person's history at another facility."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from clinic_app.core import demo, epi, fhir, thai


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = list(demo.generate(5, seed=3))
    b = list(demo.generate(5, seed=3))
    c = list(demo.generate(5, seed=4))
    assert [p.resources for p in a] == [p.resources for p in b]
    assert [p.cid for p in a] != [p.cid for p in c]


def test_demo_resources_are_valid_fhir_with_valid_cids(demo_patients: list[demo.DemoPatient]) -> None:
    types = set()
    for person in demo_patients:
        assert thai.is_valid_cid(person.cid)
        ids = {f"{r['resourceType']}/{r['id']}" for r in person.resources}
        patient = person.resources[0]
        assert patient["resourceType"] == "Patient"
        for res in person.resources:
            types.add(res["resourceType"])
            assert fhir.validate_resource(res) == [], res["resourceType"]
            assert fhir.patient_id_of(res) == patient["id"]
            enc = res.get("encounter") or res.get("context")
            if enc:
                assert enc["reference"] in ids
    assert {"Patient", "Encounter", "Observation", "Condition", "MedicationDispense"} <= types


def test_about_twenty_resources_per_patient() -> None:
    people = list(demo.generate(300, seed=1))
    per = sum(len(p.resources) for p in people) / len(people)
    assert 15 <= per <= 25
    assert any(r["resourceType"] == "Immunization" for p in people for r in p.resources)
    assert any(r["resourceType"] == "AllergyIntolerance" for p in people for r in p.resources)


# -- plausibility: by age and sex, over many patients ------------------------------------------

TODAY = dt.date(2026, 11, 1)
ADULT_ONLY_DIAGNOSES = {"I10", "E11.9", "M17.9", "M54.5", "K30", "N39.0", "Z34.9", "M79.1", "O80"}
# tablets and capsules are for 12 and over; syrups, drops and pastes for young children
SOLID = ("tablet", "capsule")
LIQUID = ("syrup", "drops")
FEVERISH = {"J00", "R50.9", "J02.9"}  # colds and fevers: paracetamol or an antihistamine


@dataclass
class Person:
    patient: dict[str, Any]
    birth: dt.date
    male: bool
    resources: list[dict[str, Any]]

    def age(self, on: dt.date) -> int:
        return thai.age_in_years(self.birth, on)

    def years(self, on: dt.date) -> float:
        return (on - self.birth).days / 365.25

    def of(self, rtype: str) -> list[dict[str, Any]]:
        return [r for r in self.resources if r["resourceType"] == rtype]

    def visits(self) -> list[tuple[dt.date, list[dict[str, Any]]]]:
        """(day, what hangs on the visit) for each Encounter."""
        out = []
        for enc in self.of("Encounter"):
            ref = f"Encounter/{enc['id']}"
            parts = [r for r in self.resources
                     if (r.get("encounter") or r.get("context") or {}).get("reference") == ref]
            out.append((dt.date.fromisoformat(enc["period"]["start"][:10]), parts))
        return out


def _people(patients: list[demo.DemoPatient]) -> list[Person]:
    return [Person(p.resources[0], dt.date.fromisoformat(p.resources[0]["birthDate"]),
                   p.resources[0]["gender"] == "male", p.resources) for p in patients]


@pytest.fixture(scope="module")
def many() -> list[Person]:
    return _people(list(demo.generate(1500, seed=13, today=TODAY)))


def _code(res: dict[str, Any]) -> str:
    concept = res.get("code") or res.get("vaccineCode") or res.get("medicationCodeableConcept") or {}
    return concept["coding"][0]["code"]


def _days(res: dict[str, Any]) -> list[dt.date]:
    texts = [res.get(k) for k in ("effectiveDateTime", "recordedDate", "occurrenceDateTime", "whenHandedOver")]
    texts += list((res.get("period") or {}).values())
    return [dt.date.fromisoformat(t[:10]) for t in texts if t]


def _drug_name(res: dict[str, Any]) -> str:
    return res["medicationCodeableConcept"]["text"].lower()


def test_nothing_is_dated_before_the_birth_or_after_today(many: list[Person]) -> None:
    for person in many:
        dated = [d for r in person.resources[1:] for d in _days(r)]
        assert all(person.birth <= d <= TODAY for d in dated), (person.birth, sorted(dated)[:3])
        for enc in person.of("Encounter"):
            assert enc["period"]["start"] <= enc["period"]["end"]
    assert min(p.age(TODAY) for p in many) == 0 and max(p.age(TODAY) for p in many) >= 85
    decades = {p.age(TODAY) // 10 for p in many}
    assert decades >= set(range(9))  # births spread over 0-90 years


def test_prefix_fits_sex_and_age(many: list[Person]) -> None:
    for person in many:
        def in_language(code: str) -> dict:  # type: ignore[type-arg]
            return next(n for n in person.patient["name"] if n["extension"][0]["valueCode"] == code)

        official, usual = in_language("th"), in_language("en")
        prefix, english, age = official["prefix"][0], usual["prefix"][0], person.age(TODAY)
        if age < 15:
            expected = {("ด.ช.", "Master")} if person.male else {("ด.ญ.", "Miss")}
        elif person.male:
            expected = {("นาย", "Mr.")}
        elif age < 20:
            expected = {("นางสาว", "Miss")}
        else:
            expected = {("นาง", "Mrs."), ("นางสาว", "Miss")}
        assert (prefix, english) in expected, (age, person.male, prefix)


def test_chronic_diseases_only_in_adults_with_repeated_follow_ups(many: list[Person]) -> None:
    chronic = []
    for person in many:
        for cond in person.of("Condition"):
            code = _code(cond)
            day = dt.date.fromisoformat(cond["recordedDate"][:10])
            if code in ADULT_ONLY_DIAGNOSES:
                assert person.age(day) >= (35 if code in ("I10", "E11.9") else 15), (code, person.age(day))
        follow_ups: dict[str, list[dt.date]] = {}
        for day, parts in person.visits():
            for code in {_code(c) for c in parts if c["resourceType"] == "Condition"} & {"I10", "E11.9"}:
                follow_ups.setdefault(code, []).append(day)
        if follow_ups:
            chronic.append((person, follow_ups))
    adults = [p for p in many if p.age(TODAY) >= 35]
    assert 0.15 * len(adults) <= len(chronic) <= 0.7 * len(adults)
    repeated = [p for p, by_code in chronic if min(len(days) for days in by_code.values()) >= 3]
    assert len(repeated) >= 0.85 * len(chronic)  # (a patient just past 35 has fewer)
    assert any(len(by_code) == 2 for _, by_code in chronic)
    for _, by_code in chronic:  # follow-ups every few months, the last one recent
        for days in by_code.values():
            days.sort()
            assert (TODAY - days[-1]).days <= 70
            assert all(40 <= (b - a).days <= 120 for a, b in zip(days, days[1:], strict=False))


def test_children_get_childhood_complaints_and_men_no_pregnancy(many: list[Person]) -> None:
    seen_child_codes = set()
    for person in many:
        for day, parts in person.visits():
            codes = {_code(c) for c in parts if c["resourceType"] == "Condition"}
            if person.age(day) < 15:
                assert not codes & ADULT_ONLY_DIAGNOSES, codes
                seen_child_codes |= codes
            if any(c.startswith("O") or c.startswith("Z3") for c in codes):
                assert not person.male and 15 <= person.age(day) <= 49
    assert {"J00", "A09"} <= seen_child_codes


def test_drugs_fit_the_diagnosis_the_age_and_the_allergy(many: list[Person]) -> None:
    dispensed = 0
    for person in many:
        allergy = " ".join(a["code"]["text"] for a in person.of("AllergyIntolerance"))
        for day, parts in person.visits():
            codes = {_code(c) for c in parts if c["resourceType"] == "Condition"}
            drugs = [_drug_name(d) for d in parts if d["resourceType"] == "MedicationDispense"]
            dispensed += len(drugs)
            years = person.years(day)
            for name in drugs:
                if any(w in name for w in SOLID):
                    assert years >= 12, (name, years)
                if any(w in name for w in LIQUID):
                    assert years < 12, (name, years)
                if "amlodipine" in name:
                    assert "I10" in codes
                if "metformin" in name:
                    assert any(c.startswith("E11") for c in codes)
                if "oral rehydration" in name:
                    assert "A09" in codes
                if "Penicillin" in allergy:
                    assert "amoxicillin" not in name
                if "Aspirin" in allergy:
                    assert "ibuprofen" not in name and "salicylate" not in name
            if "A09" in codes:
                assert any("oral rehydration" in n for n in drugs)
            if "I10" in codes:
                assert any("amlodipine" in n for n in drugs)
            if codes & FEVERISH:
                assert all("paracetamol" in n or "chlorpheniramine" in n for n in drugs), (codes, drugs)
                if years < 2:
                    assert all("drops" in n for n in drugs), drugs
    assert dispensed > len(many)


WEIGHT_BANDS = [(0, 1, 3, 10), (1, 6, 7, 26), (6, 12, 14, 60), (12, 18, 25, 90), (18, 200, 40, 95)]


def test_vital_signs_fit_the_age(many: list[Person]) -> None:
    measured = {"weight": 0, "bp": 0, "temperature": 0}
    for person in many:
        for obs in person.of("Observation"):
            day = dt.date.fromisoformat(obs["effectiveDateTime"][:10])
            years, code = person.years(day), _code(obs)
            if code == "29463-7":
                weight = obs["valueQuantity"]["value"]
                low, high = next((lo, hi) for a, b, lo, hi in WEIGHT_BANDS if a <= years < b)
                assert low <= weight <= high, (years, weight)
                measured["weight"] += 1
            elif code == "85354-9":
                sbp, dbp = (c["valueQuantity"]["value"] for c in obs["component"])
                assert person.age(day) >= 15, years
                assert 85 <= sbp <= 180 and 50 <= dbp <= 110 and sbp - dbp >= 20, (sbp, dbp)
                measured["bp"] += 1
            elif code == "8310-5":
                assert 35.5 <= obs["valueQuantity"]["value"] <= 40.0
                measured["temperature"] += 1
        weights = sorted((o["effectiveDateTime"], o["valueQuantity"]["value"]) for o in person.of("Observation")
                         if _code(o) == "29463-7")
        if weights and person.age(TODAY) >= 20:  # an adult's weight is steady between visits
            values = [w for _, w in weights]
            assert max(values) - min(values) <= 8, values
    assert min(measured.values()) > len(many)


def test_immunizations_follow_the_thai_epi_schedule(many: list[Person]) -> None:
    children = [p for p in many if p.age(TODAY) < 18]
    complete, with_due = 0, 0
    for person in children:
        given = {_code(i): dt.date.fromisoformat(i["occurrenceDateTime"][:10]) for i in person.of("Immunization")}
        assert set(given) <= {d.code for d in epi.SCHEDULE}
        months = epi.months_old(person.birth, TODAY)
        routine = [d for d in epi.SCHEDULE if epi.routine(d, person.of("Patient")[0]["gender"])]
        for dose in routine:
            if dose.code in given:  # at the scheduled age, not before, at most a few weeks late
                scheduled = demo.add_months(person.birth, dose.age_months)
                assert 0 <= (given[dose.code] - scheduled).days <= 60, (dose.name, given[dose.code], scheduled)
        past = [d for d in routine if d.age_months + 2 <= months]
        missing = [d.code for d in past if d.code not in given]
        assert len(missing) <= 1, missing  # "most of the schedule": one missed dose at most
        complete += not missing
        with_due += bool(epi.due(person.birth, set(given), TODAY))
        if person.age(TODAY) >= 7:
            assert len(given) >= len([d for d in routine if d.age_months <= months]) - 1  # a school child or a teenager has their doses
    assert 0.7 * len(children) <= complete <= 0.95 * len(children)  # about one child in seven missed a dose
    assert with_due >= 3  # the chart's "due" list has something to show
    for person in many:
        codes = [_code(i) for i in person.of("Immunization")]
        if person.age(TODAY) >= 18:
            assert set(codes) <= {"815"}
        for flu in (i for i in person.of("Immunization") if _code(i) == "815"):
            assert person.age(dt.date.fromisoformat(flu["occurrenceDateTime"][:10])) >= 60
    elderly = [p for p in many if p.age(TODAY) >= 60]
    assert sum(any(_code(i) == "815" for i in p.of("Immunization")) for p in elderly) >= 0.4 * len(elderly)


# -- a history at another facility -------------------------------------------------------------

def test_a_history_elsewhere_is_the_same_person_with_records_of_that_facility() -> None:
    people = list(demo.generate(40, seed=1, hcode="99999", today=TODAY))
    kinds: set[str] = set()
    for person in people:
        records = demo.history_at(person, "99990", hn="9000001", seed="x", today=TODAY)
        assert records == demo.history_at(person, "99990", hn="9000001", seed="x", today=TODAY)
        mine, theirs = person.resources[0], records[0]
        assert theirs["resourceType"] == "Patient" and theirs["id"] != mine["id"]
        assert fhir.patient_cid(theirs) == person.cid
        same = ("name", "gender", "birthDate")
        assert {k: theirs[k] for k in same} == {k: mine[k] for k in same}
        assert [(i["system"], i["value"]) for i in theirs["identifier"] if i["type"]["coding"][0]["code"] == "localHn"] \
            == [("https://terms.sil-th.org/hcode/5/99990/HN", "9000001")]
        assert theirs["managingOrganization"] == {"reference": "Organization/99990"}
        ids = {f"{r['resourceType']}/{r['id']}" for r in records}
        assert not ids & {f"{r['resourceType']}/{r['id']}" for r in person.resources}
        birth = dt.date.fromisoformat(mine["birthDate"])
        unit_codes = {_code(c) for c in person.resources if c["resourceType"] == "Condition"}
        for res in records:
            assert fhir.validate_resource(res) == [], res["resourceType"]
            assert fhir.patient_id_of(res) == theirs["id"]
            assert all(birth <= d <= TODAY for d in _days(res))
            if res["resourceType"] == "Encounter":
                assert res["serviceProvider"] == {"reference": "Organization/99990"}
                kinds.add(res["class"]["code"])
            if res["resourceType"] == "Condition" and _code(res) in ("I10", "E11.9"):
                assert _code(res) in unit_codes  # the hospital reviews what the unit follows up
            if res["resourceType"] == "Observation" and res["category"][0]["coding"][0]["code"] == "laboratory":
                kinds.add("laboratory")
        assert len(records) >= 3
    assert kinds == {"AMB", "IMP", "laboratory"}
