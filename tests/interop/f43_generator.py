"""A synthetic unit's MOPH 43 files: PERSON, SERVICE, DIAGNOSIS_OPD, DRUG_OPD and EPI, every
field filled with a valid value, deterministic by seed, for the lossless round trip
(test_f43_roundtrip.py) and the 43-file benchmark (thousands of people).

    unit = generate(300, seed=7, hcode="12345")          # three years of visits up to END
    unit.write(folder, encoding="cp874", header=False)   # person.txt ... as a PCU system writes them
    unit.write_zip(path)                                  # or one F43_<hcode>_... zip

What is in it:
- people: citizen IDs of every DOPA category with their check digit, IDs starting with 0
  (and 6, 7 for foreigners) among them, each ID once; DOPA name prefixes from the whole list
  (cs-dopa-nameprefix.csv), Thai names; every coded field from its list in
  resources/standards/ (MSTATUS cs-thcc-marital, NATION and RACE cs-thcc-nationality,
  RELIGION, EDUCATION, TYPEAREA 1-5, DISCHARGE 1/2/3/9, ...); both phones.
- visits over `years` years up to `end`: SERVICE in the version-2 layout (HSUB before CID),
  INSTYPE from cs-thcc-coverage-type, LOCATION/INTIME/TYPEIN/SERVPLACE/TYPEOUT from their
  lists, money fields, vital signs written as HDC has them (whole numbers, temperatures with
  one decimal that is not 0);
- 1-3 diagnoses a visit, every DIAGTYPE 1-7 (6 an additional code, 7 a morphology code);
  0-3 drugs with 24-digit DIDSTD, HDC's 3-character UNIT, pack size, price and cost; EPI
  vaccines for children (and influenza for adults) from cs-thcc-vaccine-code, some given at
  another facility under a SEQ of their own.

Filled where valid, empty otherwise (each filled in a good share of rows): DDISCHARGE (with
DISCHARGE 1, 2, 3), LABOR (foreigners: cs-thcc-foreigner-type), REFERINHOSP and CAUSEIN (with
TYPEIN 3, referred in), REFEROUTHOSP and CAUSEOUT (with TYPEOUT 3, referred out). Every other
field of every row is filled. The text is Thai and ASCII only, so TIS-620 (cp874) holds it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from clinic_app.interop import f43
from clinic_app.shipped import resource_path

END = _dt.date(2026, 9, 30)
TABLES = ("PERSON", "SERVICE", "DIAGNOSIS_OPD", "DRUG_OPD", "EPI")
# the fields filled only where another field makes them valid (the module docstring)
WHERE_VALID = {"PERSON": ("DDISCHARGE", "LABOR"), "SERVICE": ("REFERINHOSP", "CAUSEIN", "REFEROUTHOSP", "CAUSEOUT")}

GIVEN_MALE = ("สมชาย", "สมศักดิ์", "ประเสริฐ", "วิชัย", "สุรชัย", "ธนากร", "อนุชา", "ชาตรี", "บุญมี", "สมพงษ์", "กิตติ",
              "ณัฐพล", "ศุภชัย", "ไพโรจน์", "เอกชัย")
GIVEN_FEMALE = ("มาลี", "สมศรี", "วันเพ็ญ", "สุดารัตน์", "กนกวรรณ", "บุญเรือน", "ประภา", "นงลักษณ์", "อรุณี", "จันทร์เพ็ญ",
                "ปราณี", "รัชนี", "สายสุนีย์", "พิมพ์ชนก", "ลำดวน")
FAMILY = ("ใจดี", "ศรีสุข", "มีสุข", "แก้วมณี", "บุญมา", "ทองดี", "สุขสวัสดิ์", "พรหมมา", "จันทร์แก้ว", "วงศ์ใหญ่",
          "ศรีสะอาด", "คำแสน", "ภูมิใจ", "ชัยมงคล", "อินทร์ทอง", "ประเสริฐศรี")
COMPLAINTS = ("ไข้ ไอ มีน้ำมูก 2 วัน", "ปวดศีรษะ เวียนศีรษะ", "มาตามนัด ตรวจความดัน", "มาตามนัด ตรวจน้ำตาล",
              "ปวดท้อง ถ่ายเหลว", "ผื่นคัน", "ปวดหลัง", "เจ็บคอ", "ฉีดวัคซีนตามนัด", "แผลถลอกที่เข่า", "ตรวจสุขภาพ")
DRUGS = tuple((f"{n:024d}", name) for n, name in enumerate((
    "Paracetamol 500 mg", "Amoxicillin 500 mg", "Amlodipine 5 mg", "Metformin 500 mg", "Simvastatin 20 mg",
    "Chlorpheniramine 4 mg", "ORS", "Ibuprofen 400 mg", "Omeprazole 20 mg", "Losartan 50 mg",
    "Glipizide 5 mg", "Salbutamol inhaler", "Calamine lotion", "Vitamin B complex", "Ferrous fumarate 200 mg",
    "ยาแก้ไอน้ำดำ", "ยาธาตุน้ำขาว", "ยาอมมะแว้ง", "ฟ้าทะลายโจร 500 mg", "ขมิ้นชัน 500 mg"), start=100_001))
UNITS = ("TAB", "CAP", "BOT", "TUB", "SAC", "AMP")
PACKS = ("1x10", "1x100", "60 ml", "1x1", "5x10")
PROVIDERS = tuple(f"{12345}{n:05d}" for n in range(1, 9))
CLINICS = ("00100", "00200", "00300", "01100", "01800")
NEIGHBOURS = ("10669", "10670", "11452", "03997", "04115")  # other facilities (hospitals, other units)
SUB_UNITS = ("14790", "14791", "14792")  # the unit's sub-units (HSUB)
# DIAGTYPE 1 principal, 2 co-morbidity, 3 complication, 4 other: ordinary codes; 5 an external
# cause (V01-Y98); 6 an additional code; 7 a morphology (M-code of a neoplasm)
EXTERNAL = ("W19", "W54", "X59", "V031", "W010")
ADDITIONAL = ("U071", "B962", "Z720", "Y831")
MORPHOLOGY = ("M81403", "M80703", "M85003")
ADULT_VACCINES = ("815",)
CHILD_VACCINES = ("010", "041", "042", "043", "D21", "D22", "D23", "081", "082", "083", "401", "061", "073", "J11",
                  "J12", "031", "032", "033")
OCCUPATIONS_OLD = tuple(f"{n:03d}" for n in range(1, 15))
OCCUPATIONS_NEW = ("6111", "9211", "2221", "5220", "7112", "3221", "9999", "0000")


def _codes(name: str) -> tuple[str, ...]:
    with resource_path(f"standards/{name}.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(row["code"] for row in csv.DictReader(fh))


def _icd10() -> tuple[str, ...]:
    with resource_path("icd10_primary_care.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(row["code"].replace(".", "") for row in csv.DictReader(fh)
                     if not row["code"].startswith(("V", "W", "X", "Y")))


def cid(rng: random.Random, first: str) -> str:
    """A citizen ID of DOPA category `first` with its check digit."""
    digits = first + "".join(str(rng.randint(0, 9)) for _ in range(11))
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits))
    return digits + str((11 - total % 11) % 10)


def _date(day: _dt.date) -> str:
    return f"{day:%Y%m%d}"


def _stamp(rng: random.Random, day: _dt.date) -> str:
    return f"{day:%Y%m%d}{rng.randint(7, 20):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}"


def _between(rng: random.Random, first: _dt.date, last: _dt.date) -> _dt.date:
    return first + _dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _money(rng: random.Random, low: int, high: int) -> str:
    return f"{rng.randint(low, high)}.{rng.choice(('00', '50', '25', '75'))}"


@dataclass
class Unit:
    """The five files' rows (dicts over f43.LAYOUTS), in the order a PCU system writes them."""

    hcode: str
    tables: dict[str, list[dict[str, str]]] = field(default_factory=lambda: {name: [] for name in TABLES})

    def lines(self, name: str, *, header: bool = True) -> Iterator[str]:
        if header:
            yield "|".join(f43.LAYOUTS[name])
        for row in self.tables[name]:
            yield "|".join(row[f] for f in f43.LAYOUTS[name])

    def file_bytes(self, name: str, *, encoding: str = f43.UTF8, header: bool = True) -> bytes:
        return ("\r\n".join(self.lines(name, header=header)) + "\r\n").encode(encoding)

    def write(self, folder: Path, *, encoding: str = f43.UTF8, header: bool = True) -> Path:
        """person.txt ... in `folder` (made), in `encoding` (utf-8 or cp874, TIS-620)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            (folder / f"{name.lower()}.txt").write_bytes(self.file_bytes(name, encoding=encoding, header=header))
        return folder

    def write_zip(self, path: Path, *, encoding: str = f43.UTF8, header: bool = True) -> Path:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in TABLES:
                archive.writestr(f"{name.lower()}.txt", self.file_bytes(name, encoding=encoding, header=header))
        return path


def generate(people: int, *, seed: int = 1, hcode: str = "12345", years: int = 3, end: _dt.date = END,
             visits: float = 3.0) -> Unit:
    """`people` persons of unit `hcode`, with about `visits` visits each over `years` years
    up to `end`; the same arguments give the same files."""
    return _Generator(seed, hcode, years, end, visits).run(people)


class _Generator:
    def __init__(self, seed: int, hcode: str, years: int, end: _dt.date, visits: float) -> None:
        self.rng = random.Random(seed)
        self.unit = Unit(hcode)
        self.hcode, self.end, self.mean_visits = hcode, end, visits
        self.start = end - _dt.timedelta(days=365 * years)
        self.cids: set[str] = set()
        self.seq = 0
        self.prefixes = _codes("cs-dopa-nameprefix")
        self.marital = _codes("cs-thcc-marital")
        self.nations = [c for c in _codes("cs-thcc-nationality") if c != "099"]
        self.religions = _codes("cs-thcc-religion")
        self.education = _codes("cs-thcc-education-level")
        self.foreigner = _codes("cs-thcc-foreigner-type")
        self.rights = _codes("cs-thcc-coverage-type")
        self.vaccines = set(_codes("cs-thcc-vaccine-code"))
        self.icd10 = _icd10()
        self.diagtypes = 0  # rotates the secondary DIAGTYPEs so every one of 2-7 comes up

    def unique_cid(self, first: str) -> str:
        while True:
            value = cid(self.rng, first)
            if value not in self.cids:
                self.cids.add(value)
                return value

    def run(self, people: int) -> Unit:
        for n in range(1, people + 1):
            self.person(n)
        return self.unit

    # -- PERSON ---------------------------------------------------------------------------

    def person(self, n: int) -> None:
        rng = self.rng
        foreign = rng.random() < 0.08
        first = rng.choice("067") if foreign else ("0" if rng.random() < 0.05 else rng.choice("1113358"))
        male = rng.random() < 0.5
        child = rng.random() < 0.2
        born = (_between(rng, self.end - _dt.timedelta(days=365 * 6), self.end - _dt.timedelta(days=60)) if child
                else _between(rng, _dt.date(1935, 1, 1), self.end - _dt.timedelta(days=365 * 16)))
        age = (self.end - born).days // 365
        if rng.random() < 0.12:
            prename = rng.choice(self.prefixes)  # any of DOPA's (นพ., พระ, ว่าที่ ร.ต. ...)
        elif age < 15:
            prename = "001" if male else "002"
        else:
            prename = "003" if male else rng.choice(("004", "005"))
        discharge = rng.choices(("9", "1", "2", "3"), weights=(85, 5, 5, 5))[0]
        left = _between(rng, self.start, self.end) if discharge != "9" else None
        moved_in = _between(rng, born, self.end)
        nation = rng.choice(self.nations) if foreign else "099"
        row = {
            "HOSPCODE": self.hcode, "CID": self.unique_cid(first), "PID": str(n), "HID": str(rng.randint(1, 900)),
            "PRENAME": prename, "NAME": rng.choice(GIVEN_MALE if male else GIVEN_FEMALE), "LNAME": rng.choice(FAMILY),
            "HN": f"{n:07d}", "SEX": "1" if male else "2", "BIRTH": _date(born),
            "MSTATUS": "1" if age < 15 else rng.choice(self.marital), "OCCUPATION_OLD": rng.choice(OCCUPATIONS_OLD),
            "OCCUPATION_NEW": rng.choice(OCCUPATIONS_NEW), "RACE": nation if rng.random() < 0.9 else "099",
            "NATION": nation, "RELIGION": rng.choices(self.religions, weights=[80] + [2] * (len(self.religions) - 1))[0],
            "EDUCATION": rng.choice(self.education), "FSTATUS": rng.choice("12"),
            "FATHER": cid(rng, "3"), "MOTHER": cid(rng, "3"), "COUPLE": cid(rng, rng.choice("135")),
            "VSTATUS": rng.choice("12345"), "MOVEIN": _date(moved_in), "DISCHARGE": discharge,
            "DDISCHARGE": _date(left) if left else "", "ABOGROUP": rng.choice("1234"), "RHGROUP": rng.choice("12"),
            "LABOR": rng.choice(self.foreigner) if foreign else "",
            "PASSPORT": f"{rng.choice(('AA', 'MA', 'LA', 'KH'))}{rng.randint(1000000, 9999999)}",
            "TYPEAREA": rng.choice("12345"), "D_UPDATE": _stamp(rng, _between(rng, self.start, self.end)),
            "TELEPHONE": f"0{rng.choice('2345')}{rng.randint(1000000, 9999999)}",
            "MOBILE": f"0{rng.choice('689')}{rng.randint(10000000, 99999999)}",
        }
        self.unit.tables["PERSON"].append(row)
        last = left if discharge in "13" and left else self.end  # no visits after a death or a disappearance
        first_day = max(self.start, born)
        count = min(12, int(rng.expovariate(1 / self.mean_visits) + 0.5)) if self.mean_visits else 0
        days = sorted({_between(rng, first_day, last) for _ in range(count)})
        for day in days:
            self.visit(row, day, child=age < 7)
        if age < 7 and rng.random() < 0.3:  # a dose given at another facility, under its own SEQ
            self.epi(row, self.next_seq(self.end), _between(rng, first_day, self.end),
                     rng.choice(CHILD_VACCINES), place=rng.choice(NEIGHBOURS))

    # -- SERVICE and what hangs from it ----------------------------------------------------

    def next_seq(self, day: _dt.date) -> str:
        self.seq += 1
        return f"{day:%y%m%d}{self.seq:07d}"

    def visit(self, person: dict[str, str], day: _dt.date, *, child: bool) -> None:
        rng = self.rng
        seq = self.next_seq(day)
        typein = rng.choices("12345", weights=(40, 30, 20, 5, 5))[0]
        typeout = rng.choices("12345678", weights=(60, 5, 20, 2, 2, 2, 5, 4))[0]
        right = rng.choices(self.rights, weights=[60 if c == "0100" else 1 for c in self.rights])[0]
        row = {
            "HOSPCODE": self.hcode, "PID": person["PID"], "HN": person["HN"], "SEQ": seq, "DATE_SERV": _date(day),
            "TIME_SERV": f"{rng.randint(7, 20):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}",
            "LOCATION": rng.choice("12"), "INTIME": rng.choice("12"), "INSTYPE": right,
            "INSID": person["CID"] if right == "0100" else str(rng.randint(10**9, 10**10 - 1)),
            "MAIN": rng.choice((self.hcode, *NEIGHBOURS)), "TYPEIN": typein,
            "REFERINHOSP": rng.choice(NEIGHBOURS) if typein == "3" else "",
            "CAUSEIN": rng.choice("12345") if typein == "3" else "", "CHIEFCOMP": rng.choice(COMPLAINTS),
            "SERVPLACE": rng.choice("12"), "BTEMP": f"{rng.randint(35, 39)}.{rng.randint(1, 9)}",
            "SBP": str(rng.randint(95, 175)), "DBP": str(rng.randint(55, 105)), "PR": str(rng.randint(55, 120)),
            "RR": str(rng.randint(14, 28)), "TYPEOUT": typeout,
            "REFEROUTHOSP": rng.choice(NEIGHBOURS) if typeout == "3" else "",
            "CAUSEOUT": rng.choice("12345") if typeout == "3" else "",
            "COST": _money(rng, 20, 400), "PRICE": _money(rng, 50, 900), "PAYPRICE": _money(rng, 0, 100),
            "ACTUALPAY": _money(rng, 0, 100), "D_UPDATE": _stamp(rng, day), "HSUB": rng.choice(SUB_UNITS),
            "CID": person["CID"],
        }
        self.unit.tables["SERVICE"].append(row)
        provider = rng.choice(PROVIDERS)
        self.diagnoses(row, provider)
        self.drugs(row, provider)
        if child and rng.random() < 0.6:
            self.epi(row, seq, day, rng.choice(CHILD_VACCINES), place=self.hcode, provider=provider)
        elif not child and rng.random() < 0.1:
            self.epi(row, seq, day, rng.choice(ADULT_VACCINES), place=self.hcode, provider=provider)

    def shared(self, visit: dict[str, str], provider: str) -> dict[str, str]:
        return {"HOSPCODE": self.hcode, "PID": visit["PID"], "SEQ": visit["SEQ"], "DATE_SERV": visit["DATE_SERV"],
                "PROVIDER": provider, "D_UPDATE": visit["D_UPDATE"], "CID": visit["CID"]}

    def diagnoses(self, visit: dict[str, str], provider: str) -> None:
        rng = self.rng
        codes = rng.sample(self.icd10, 3)
        types = ["1"]
        for _ in range(rng.choice((0, 1, 1, 2))):
            self.diagtypes += 1
            types.append("234567"[self.diagtypes % 6])
        for n, kind in enumerate(types):
            code = {"5": EXTERNAL, "6": ADDITIONAL, "7": MORPHOLOGY}.get(kind)
            diagcode = rng.choice(code) if code else codes[n]
            if any(r["DIAGCODE"] == diagcode and r["SEQ"] == visit["SEQ"] for r in self.unit.tables["DIAGNOSIS_OPD"][-3:]):
                continue  # one row for a code in a visit (HDC's key)
            self.unit.tables["DIAGNOSIS_OPD"].append({**self.shared(visit, provider), "DIAGTYPE": kind,
                                                      "DIAGCODE": diagcode, "CLINIC": rng.choice(CLINICS)})

    def drugs(self, visit: dict[str, str], provider: str) -> None:
        rng = self.rng
        for code, name in rng.sample(DRUGS, rng.choice((0, 1, 1, 2, 3))):
            self.unit.tables["DRUG_OPD"].append({
                **self.shared(visit, provider), "CLINIC": rng.choice(CLINICS), "DIDSTD": code, "DNAME": name,
                "AMOUNT": str(rng.randint(1, 90)), "UNIT": rng.choice(UNITS), "UNIT_PACKING": rng.choice(PACKS),
                "DRUGPRICE": _money(rng, 1, 300), "DRUGCOST": _money(rng, 1, 150)})

    def epi(self, person: dict[str, str], seq: str, day: _dt.date, vaccine: str, *, place: str,
            provider: str | None = None) -> None:
        assert vaccine in self.vaccines, vaccine
        self.unit.tables["EPI"].append({
            "HOSPCODE": self.hcode, "PID": person["PID"], "SEQ": seq, "DATE_SERV": _date(day), "VACCINETYPE": vaccine,
            "VACCINEPLACE": place, "PROVIDER": provider or self.rng.choice(PROVIDERS),
            "D_UPDATE": _stamp(self.rng, day), "CID": person["CID"]})
