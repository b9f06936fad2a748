"""The SIL-TH code lists shipped in resources/standards/: their counts and known codes, the
place list against geothai's (the app's picker), that they ship in a wheel and in the frozen
program, and that extract.py makes them again from the guides' FSH."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from clinic_app.conformance.codes import code_list, code_systems, extensions, places, profiles
from clinic_app.conformance.rules import GUIDE_TYPES
from clinic_app.shipped import resource_path

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = ROOT / "resources" / "standards"
MIRRORS = Path("/work/.mirror")


@pytest.mark.parametrize(("cs_id", "count", "samples"), [
    ("cs-dopa-nameprefix", 504, {"001": "ด.ช.", "003": "นาย", "004": "น.ส.", "005": "นาง", "134": "นพ."}),
    ("cs-thcc-coverage-type", 110, {"0100": "หลักประกันสุขภาพ", "1100": "ข้าราชการประจำ", "9100": "ชำระเงินเอง"}),
    ("cs-th-coverage-type", 9, {"UCS": "สิทธิ UC", "OFC": "ข้าราชการ", "SSS": "ประกันสังคม"}),
    ("cs-thcc-vaccine-code", 131, {"010": "BCG", "D21": "DTP-HB-Hib 1", "061": "MMR1", "815": "Flu"}),
    ("cs-th-identifier-type", 36, {"cid": "เลขประจำตัวประชาชนไทย", "localVn": "เลข Visit Number (VN) ของหน่วยบริการ"}),
    ("cs-thcc-person-status", 5, {}),
    ("cs-43file-pid-remove-reason", 4, {"1": "ตาย", "2": "ย้าย", "3": "สาบสูญ", "9": "ไม่จำหน่าย"}),
    ("cs-thcc-discharge-status", 8, {"1": "จำหน่ายกลับบ้าน"}),
    # the 43 files' fields (interop/f43_import.py)
    ("cs-43plus-encounter-diagnosis-role", 7, {"1": "PRINCIPLE DX (การวินิจฉัยโรคหลัก)",
                                               "7": "Morphology Code (รหัสเกี่ยวกับเนื้องอก)"}),
    ("cs-thcc-marital", 7, {"1": "โสด", "6": "สมณะ", "9": "ไม่ทราบ"}),
    ("cs-thcc-religion", 11, {"01": "ศาสนาพุทธ", "00": "อศาสนา/ไม่นับถือศาสนา"}),
    ("cs-thcc-education-level", 8, {"00": "ไม่ได้ศึกษา/ไม่มีวุฒิการศึกษา", "09": "ไม่ระบุ/ไม่ทราบ"}),
    ("cs-thcc-foreigner-type", 30, {"23": "หมายถึงกลุ่มอื่นๆ"}),
    ("cs-thcc-nationality", 272, {"099": "ไทย", "048": "เมียนมา", "056": "ลาว"}),
    ("cs-thcc-patient-location-type", 2, {"1": "ในเขตรับผิดชอบ", "2": "นอกเขตรับผิดชอบ"}),
    ("cs-thcc-service-hour", 2, {"1": "ในเวลาราชการ", "2": "นอกเวลาราชการ"}),
    ("cs-pcu-service-location-type", 2, {"1": "ในสถานบริการ", "2": "นอกสถานบริการ"}),
    ("cs-thcc-admit-source", 5, {"1": "มารับบริการเอง", "3": "ได้รับการส่งต่อจากสถานพยาบาลอื่น"}),
    ("cs-thcc-refer-in-reason", 5, {"1": "เพื่อการวินิจฉัยและรักษา"}),
])
def test_code_lists_have_the_guides_codes(cs_id: str, count: int, samples: dict[str, str]) -> None:
    codes = code_list(cs_id)
    assert codes.url == f"https://terms.sil-th.org/core/CodeSystem/{cs_id}"
    assert len(codes) == count
    for code, display in samples.items():
        assert codes.display[code] == display


def test_the_prefix_list_keeps_the_full_forms() -> None:
    prefixes = code_list("cs-dopa-nameprefix")
    assert prefixes.definition["004"] == "นางสาว" and prefixes.definition["001"] == "เด็กชาย"
    assert all(len(code) == 3 and code.isdigit() for code in prefixes.display)


def test_the_place_list_is_nested() -> None:
    known = places()
    levels = [p.level for p in known.values()]
    assert (levels.count("province"), levels.count("district"), levels.count("subdistrict")) == (77, 928, 7438)
    for place in known.values():
        assert len(place.code) == {"province": 2, "district": 4, "subdistrict": 6}[place.level]
        if place.parent:
            assert place.code.startswith(place.parent) and known[place.parent].level != place.level
    assert (known["12"].name, known["1201"].name, known["120102"].name) == ("นนทบุรี", "เมืองนนทบุรี", "ตลาดขวัญ")
    assert {p.code for p in known.values() if p.name_now} == {"2408", "450109", "501805", "801906", "850406"}


def test_the_guides_place_list_against_geothai() -> None:
    """The check uses the guide's list; the app's picker uses geothai. Every code the picker
    offers is in the guide, and its name matches (Bangkok's เขต aside, and five names the guide
    cut or has not renamed yet)."""
    import geothai

    from clinic_app.conformance.rules import _place_name

    picker: dict[str, str] = {}
    for province in geothai.provinces():
        picker[province.code] = province.name_th
        for district in geothai.districts(province.code):
            picker[district.code] = district.name_th
            for sub in geothai.subdistricts(district.code):
                picker[sub.code] = sub.name_th
    known = places()
    assert set(picker) - set(known) == set()
    assert set(known) - set(picker) == {"104701", "105001"}  # abolished in 2022, still in the guide
    for code, name in picker.items():
        assert _place_name(name) in {_place_name(known[code].name), _place_name(known[code].name_now)}, code


def test_extensions_profiles_and_code_systems() -> None:
    ext = extensions()
    assert len(ext) == 101
    prefix = ext["https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-humanname-name-prefix"]
    assert prefix.contexts == ("HumanName.prefix",) and "SD_EX_DataType.fsh:8" in prefix.source
    assert ext["https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/ex-encounter-discharge-status"].contexts \
        == ("Encounter.hospitalization", "Encounter.admission")
    known = profiles()
    assert known["https://fhir-ig.sil-th.org/th/core/StructureDefinition/th-core-medicationDispense"] == \
        "MedicationDispense"
    assert sum(url.startswith("https://fhir-ig.sil-th.org/th/core/") for url in known) == 34
    assert set(known.values()) == set(GUIDE_TYPES)
    systems = code_systems()
    assert len(systems) == 158
    assert {"https://terms.sil-th.org/core/CodeSystem/cs-th-tmt", "https://terms.sil-th.org/core/CodeSystem/cs-th-24drug",
            "https://terms.sil-th.org/core/CodeSystem/cs-th-icd10tm"} <= systems


def _shipped_files() -> set[str]:
    return {p.name for p in STANDARDS.glob("*.csv")} | {"README.md"}


def test_the_lists_ship_in_a_wheel_and_in_the_frozen_program() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = config["tool"]["setuptools"]["data-files"]["share/clinic-app/standards"]
    assert {Path(p).name for p in listed} == _shipped_files()
    assert all((ROOT / p).is_file() for p in listed)
    spec = (ROOT / "installer" / "clinic-app.spec").read_text(encoding="utf-8")
    assert '(RESOURCES / "standards").glob("*.csv")' in spec and '"standards" / "README.md"' in spec
    for name in _shipped_files():
        assert resource_path(f"standards/{name}") == STANDARDS / name


def test_the_readme_names_every_file_its_source_and_licence() -> None:
    readme = (STANDARDS / "README.md").read_text(encoding="utf-8")
    for name in _shipped_files() - {"README.md"}:
        assert f"`{name}`" in readme, name
    for needed in ("CC0-1.0", "de0592c4921e61bf517a32ed169b1af5e0ecc32f", "TIS-1099-2535", "DOPA", "THCC"):
        assert needed in readme


@pytest.mark.skipif(not (MIRRORS / "sil-th+terminology-ig" / "repo").is_dir(), reason="no mirrors of the guides here")
def test_extract_makes_the_same_files_from_the_guides(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(STANDARDS / "extract.py"), str(MIRRORS), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for made in tmp_path.glob("*.csv"):
        assert made.read_bytes() == (STANDARDS / made.name).read_bytes(), made.name
    # (hdc-43-columns.csv is typed in by hand from a database's table definitions: its README section)
    assert {p.name for p in tmp_path.glob("*.csv")} == _shipped_files() - {"README.md", "hdc-43-columns.csv"}
