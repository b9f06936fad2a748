"""A 43-file import in flat memory (issue 15): the files are read a chunk of bytes at a time,
staged in the encrypted store and mapped a few people at a time. These tests make the
pieces as small as they go (one byte, one person) and check that nothing changes: the
lines are the lines a whole read gives, the records and every problem are those of the
whole files, people whose rows name each other are read together, and a cancelled or
refused import leaves nothing behind, staging included.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from clinic_app.core.errors import InvalidInputError
from clinic_app.core.permissions import DEVICE
from clinic_app.core.thai import cid_check_digit
from clinic_app.interop import f43
from clinic_app.interop.f43_import import READ, to_resources
from clinic_app.services import interop_stage
from clinic_app.services.installation import Installation
from clinic_app.services.interop import Interop43, name_prefixes
from clinic_app.services.interop_stage import ImportCancelled
from clinic_app.store.record_store import RecordStore

HCODE = "12345"  # tests/conftest.py's unit


def cid(first12: str) -> str:
    return first12 + str(cid_check_digit(first12))


def line(layout: str, **values: str) -> str:
    values.setdefault("HOSPCODE", HCODE)
    return "|".join(values.get(name, "") for name in f43.LAYOUTS[layout])


def person(pid: str, cid_: str, name: str) -> str:
    return line("PERSON", PID=pid, CID=cid_, NAME=name, LNAME="ทดสอบ", HN=pid, SEX="2", BIRTH="19850101",
                PRENAME="004", TYPEAREA="1", D_UPDATE="20261101120000")


def service(seq: str, pid: str) -> str:
    return line("SERVICE", PID=pid, SEQ=seq, DATE_SERV="20260105", TIME_SERV="093000", CHIEFCOMP="ไอ", BTEMP="37.2",
                D_UPDATE="20260105093000")


def diagnosis(seq: str, pid: str, code: str) -> str:
    return line("DIAGNOSIS_OPD", PID=pid, SEQ=seq, DATE_SERV="20260105", DIAGTYPE="1", DIAGCODE=code,
                D_UPDATE="20260105093000")


def epi(seq: str, pid: str) -> str:
    return line("EPI", PID=pid, SEQ=seq, DATE_SERV="20260105", VACCINETYPE="010", VACCINEPLACE=HCODE,
                D_UPDATE="20260105093000")


def write(folder: Path, files: dict[str, list[str]], *, encoding: str = "utf-8", end: str = "\r\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        (folder / f"{name.lower()}.txt").write_bytes(
            end.join(["|".join(f43.LAYOUTS[name]), *rows, ""]).encode(encoding))
    return folder


def whole(folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """What the whole files give, read and mapped at once: the records' ids, the problems."""
    tables, problems = f43.read_archive(folder, parse=READ)
    result = to_resources(tables, hcode=HCODE, prefixes=name_prefixes())
    return (sorted(r["id"] for r in result.resources),
            sorted((p.path, p.reason) for p in problems + result.problems))


def staged_lines(store: RecordStore) -> int:
    return int(store.db.one("SELECT count(*) FROM f43_stage")[0])


@pytest.fixture
def store(installation: Installation) -> Iterator[RecordStore]:
    opened = installation.connect()
    yield opened
    opened.close()


@pytest.fixture
def one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person at a time, a few bytes at a time: every boundary the import has, crossed."""
    monkeypatch.setattr(interop_stage, "PEOPLE_AT_ONCE", 1)
    monkeypatch.setattr(f43, "_CHUNK", 5)


@pytest.mark.parametrize("text", [
    b"\xef\xbb\xbfA|B\r\nC|D\r\n\r\nE\r\n",  # UTF-8 with a byte-order mark, CRLF, a blank line
    "ก|ข\rค|ง\rจ".encode("cp874"),           # TIS-620, old Mac line ends, no end on the last line
    "สม|ชาย\n\nหญิง\r\n\r".encode(),          # LF, CRLF, a CR alone at the end
    b"",
])
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_lines_read_a_chunk_at_a_time_are_the_lines_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              text: bytes, chunk: int) -> None:
    monkeypatch.setattr(f43, "_CHUNK", chunk)
    (tmp_path / "person.txt").write_bytes(text)
    member = f43.members(tmp_path)["PERSON"][0]
    whole_text, encoding = f43._decode(text)
    assert member.encoding() == encoding
    expected = list(enumerate(f43._NEWLINE_TEXT.split(whole_text), start=1))
    assert list(member.lines(encoding)) == expected


def test_a_zip_member_is_read_as_a_stream_with_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f43, "_CHUNK", 4)
    rows = [person(str(n), "", f"คน{n}") for n in range(1, 30)]
    data = "\r\n".join(["|".join(f43.LAYOUTS["PERSON"]), *rows, ""]).encode("cp874")
    with zipfile.ZipFile(tmp_path / "f.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("2569/PERSON.TXT", data)
    member = f43.members(tmp_path / "f.zip")["PERSON"][0]
    reader = f43.LineReader("PERSON", member.encoding())
    streamed = [row for number, text in member.lines(reader.table.encoding) if (row := reader.read(number, text, []))]
    table = f43.read_table("PERSON", data, [])
    assert reader.table.encoding == table.encoding == f43.TIS620
    assert streamed == table.rows and len(streamed) == 29
    assert (reader.table.header, reader.table.line_count) == (True, 29)


# People whose rows are about each other, in the order that puts them furthest apart:
# a diagnosis and a dose with one person's PID naming another's visit, a SEQ on two people's
# visits, a citizen ID on two people.
A, B, C, D, E = (cid(f"110170{n}0703") for n in range(10, 15))
LINKED = {
    "PERSON": [person("1", A, "หนึ่ง"), person("2", B, "สอง"), person("3", C, "สาม"), person("4", D, "สี่"),
               person("5", D, "ห้า"), person("6", E, "หก")],
    "SERVICE": [service("V1", "1"), service("V2", "2"), service("V3", "3"), service("V3", "6"), service("V6", "6")],
    "DIAGNOSIS_OPD": [diagnosis("V6", "6", "J00"), diagnosis("V1", "2", "I10"), diagnosis("V3", "3", "E119")],
    "EPI": [epi("V6", "6"), epi("V2", "1")],
}


def test_people_whose_rows_name_each_other_are_read_together(store: RecordStore, tmp_path: Path,
                                                            one_at_a_time: None) -> None:
    """Every problem of rows linking two people is the one the whole files give, and the
    import refuses it all, nothing left staged."""
    folder = write(tmp_path / "f43", LINKED)
    _ids, problems = whole(folder)
    assert {reason for _path, reason in problems} >= {
        "PID is not the PID of the visit (SEQ) in service.txt", "SEQ repeats service.txt line 4",
        "the same citizen ID as line 5"}
    with pytest.raises(InvalidInputError) as refused:
        Interop43(store, actor=DEVICE).import_(folder)
    assert sorted((f"{p.path} line {n}" if p.lines else p.path, p.reason)
                  for p in refused.value.problems for n in p.lines or [0]) == problems
    assert staged_lines(store) == 0 and store.counts_by_type() == {}


def test_a_person_at_a_time_stores_what_the_whole_files_give(store: RecordStore, tmp_path: Path,
                                                            one_at_a_time: None) -> None:
    good = {"PERSON": [person(str(n), cid(f"3100500{n:05d}"), f"คน{n}") for n in range(1, 12)],
            "SERVICE": [service(f"V{n}", str(n)) for n in range(1, 12)],
            "DIAGNOSIS_OPD": [diagnosis(f"V{n}", str(n), "J00") for n in range(1, 12)],
            "EPI": [epi(f"V{n}", str(n)) for n in range(1, 12, 3)]}
    folder = write(tmp_path / "f43", good, encoding="cp874", end="\r")
    ids, problems = whole(folder)
    assert problems == []
    steps: list[tuple[int, int]] = []
    report = Interop43(store, actor=DEVICE).import_(folder, progress=lambda done, total: steps.append((done, total))
                                                    is None)
    stored = sorted(r["id"] for kind in ("Patient", "Encounter", "Condition", "Immunization", "Observation")
                    for r in store.iter_resources(resource_type=kind))
    assert stored == ids and report.stored == len(ids)
    assert report.rows == {"PERSON": 11, "SERVICE": 11, "DIAGNOSIS_OPD": 11, "EPI": 4}
    assert steps[-1] == (11, 11) and len(steps) == 11  # a person at a time, counted
    assert "person.txt was TIS-620" in report.notes
    assert staged_lines(store) == 0


def test_a_cancelled_import_stores_nothing(store: RecordStore, tmp_path: Path, one_at_a_time: None) -> None:
    folder = write(tmp_path / "f43", {"PERSON": [person(str(n), "", f"คน{n}") for n in range(1, 6)]})
    calls: list[int] = []

    def cancel_at_the_third(done: int, _total: int) -> bool:
        calls.append(done)
        return done < 3

    for partial in (False, True):
        with pytest.raises(ImportCancelled):
            Interop43(store, actor=DEVICE).import_(folder, partial=partial, progress=cancel_at_the_third)
        assert calls[-1] == 3
        assert store.counts_by_type() == {} and staged_lines(store) == 0 and store.f43_review.count() == 0


def test_an_import_can_be_cancelled_while_the_files_are_read(store: RecordStore, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interop_stage, "_STAGED_AT_ONCE", 2)
    folder = write(tmp_path / "f43", {"PERSON": [person(str(n), "", f"คน{n}") for n in range(1, 9)]})
    seen: list[tuple[int, int]] = []
    with pytest.raises(ImportCancelled):
        Interop43(store, actor=DEVICE).import_(folder, progress=lambda done, total: seen.append((done, total)) or False)
    assert seen == [(0, 0)]  # busy, reading: cancelled at the first chance
    assert store.counts_by_type() == {} and staged_lines(store) == 0


def test_a_partial_import_a_person_at_a_time_keeps_each_refused_row_with_its_parent(
        store: RecordStore, tmp_path: Path, one_at_a_time: None) -> None:
    """A dose naming a refused visit of another person (apart in the files) is refused
    with it, and kept in the review list under it."""
    files = {"PERSON": [person("1", A, "หนึ่ง"), person("2", B, "สอง")],
             "SERVICE": [service("V1", "1"), line("SERVICE", PID="2", SEQ="V2", DATE_SERV="20260230")],
             "EPI": [epi("V2", "1")]}
    report = Interop43(store, actor=DEVICE).import_(write(tmp_path / "f43", files), partial=True)
    assert report.refused == {"SERVICE": 1, "EPI": 1}
    rows = {row.layout: row for row in store.f43_review.rows()}
    assert rows["EPI"].parent == rows["SERVICE"].id
    assert [english for english, _thai in rows["EPI"].reasons] == [
        "PID is not the PID of the visit (SEQ) in service.txt", "the visit on SERVICE line 3 was refused"]
    assert staged_lines(store) == 0


def test_every_conflict_with_what_was_imported_before_is_listed_whatever_the_chunk(
        store: RecordStore, tmp_path: Path, one_at_a_time: None) -> None:
    """Two sets of files that disagree (a PID imported before for another person) on the
    first and the last person: both listed, nothing stored."""
    first = write(tmp_path / "first", {"PERSON": [person(str(n), cid(f"3100500{n:05d}"), f"คน{n}")
                                                  for n in range(1, 6)]})
    Interop43(store, actor=DEVICE).import_(first)
    before = store.counts_by_type()
    other = {"PERSON": [person("1", cid("110170010703"), "อื่น1"), person("2", cid("3100500" + "00002"), "คน2"),
                        person("5", cid("110170020703"), "อื่น5"), person("6", "", "ใหม่")]}
    with pytest.raises(InvalidInputError) as refused:
        Interop43(store, actor=DEVICE).import_(write(tmp_path / "other", other))
    assert sorted(p.path for p in refused.value.problems) == ["person.txt PID 1", "person.txt PID 5"]
    assert store.counts_by_type() == before and staged_lines(store) == 0


def test_two_people_of_the_files_without_a_citizen_id_stay_two_across_chunks(
        store: RecordStore, tmp_path: Path, one_at_a_time: None) -> None:
    """Same HN, birth date and family name, no citizen ID, different PIDs: the whole files
    make two people, and so does an import a person at a time (the second is not taken for
    the first, written a chunk before)."""
    twins = {"PERSON": [line("PERSON", PID=pid, NAME=name, LNAME="ทดสอบ", HN="777", SEX="2", BIRTH="19850101",
                             PRENAME="004", TYPEAREA="1", D_UPDATE="20261101120000")
                        for pid, name in (("1", "หนึ่ง"), ("2", "สอง"))]}
    ids, problems = whole(write(tmp_path / "f43", twins))
    assert problems == [] and len(ids) == 2
    report = Interop43(store, actor=DEVICE).import_(tmp_path / "f43")
    assert report.by_type == {"Patient": 2} and store.counts_by_type()["Patient"] == 2
