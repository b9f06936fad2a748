"""`import-43 --partial` and the review list through the real command line and encrypted
store. Exit codes, as documented in the README: a partial import that ran exits 0 even
with rows refused, and says how many on stderr (and in the JSON's "refused"); the review
commands exit 0; a bad combination of flags, an empty list to write out and an
all-or-nothing import with a problem exit 2, with nothing stored."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from clinic_app.security.keys import SERVICE
from tests.conftest import run_cli
from tests.services.test_f43_partial import BAD_CID, FILES, GOOD_CID, HCODE, IMPORTED, OTHER_CID, REFUSED, write_files


@pytest.fixture
def data(tmp_path: Path, keystore: object) -> Iterator[Path]:
    folder = tmp_path / "data"
    assert run_cli("--data-dir", str(folder), "init", "--hcode", HCODE).returncode == 0
    yield folder
    keyring.delete_password(SERVICE, json.loads((folder / "clinic-app.json").read_text())["installation_id"])


def _json(stdout: str) -> object:
    return json.loads(stdout[min(i for i in (stdout.find("{"), stdout.find("[")) if i >= 0):])


def _counts(data: Path) -> dict[str, int]:
    counts = json.loads(run_cli("--data-dir", str(data), "status").stdout)["counts"]
    return {kind: n for kind, n in counts.items() if kind != "Observation"}


def test_partial_import_review_and_rejects(data: Path, tmp_path: Path) -> None:
    source = write_files(tmp_path / "f43")
    result = run_cli("--data-dir", str(data), "import-43", str(source), "--partial")
    assert result.returncode == 0, result.stderr
    summary = _json(result.stdout)
    assert summary["refused"] == {"PERSON": 3, "SERVICE": 3, "DIAGNOSIS_OPD": 3, "DRUG_OPD": 1, "EPI": 1}
    assert summary["rows"] == {"PERSON": 3, "SERVICE": 3, "DIAGNOSIS_OPD": 2, "DRUG_OPD": 1, "EPI": 1}
    assert "11 rows were refused" in result.stderr and "นำเข้าไม่ได้ 11 แถว" in result.stderr
    assert _counts(data) == IMPORTED
    for secret in (GOOD_CID, BAD_CID, OTHER_CID, "สมหญิง"):
        assert secret not in result.stdout + result.stderr

    listed = run_cli("--data-dir", str(data), "import-43", "--review")
    assert listed.returncode == 0, listed.stderr
    assert "11 rows to review" in listed.stdout and "TIME_SERV" in listed.stdout
    assert "บุคคลในแฟ้ม PERSON บรรทัดที่ 3 นำเข้าไม่ได้" in listed.stdout
    for secret in (BAD_CID, OTHER_CID, "สมหญิง"):  # the rows' data stay in the store and the rejects file
        assert secret not in listed.stdout
    rows = _json(run_cli("--data-dir", str(data), "import-43", "--review", "--json").stdout)
    assert sorted((r["layout"], r["line"]) for r in rows) == sorted(REFUSED)

    out = tmp_path / "out"
    out.mkdir()
    written = run_cli("--data-dir", str(data), "import-43", "--rejects", str(out))
    assert written.returncode == 0, written.stderr
    [archive] = list(out.glob(f"F43_{HCODE}_*_rejects.zip"))
    with zipfile.ZipFile(archive) as z:
        person = z.read("person.txt").split(b"\r\n")[1:-1]
    assert person == [FILES["PERSON"][n - 2].encode() for layout, n in sorted(REFUSED) if layout == "PERSON"]

    # discard the drug row; retry the rest (nothing new came in: each still waits)
    drug = next(r["id"] for r in rows if r["layout"] == "DRUG_OPD")
    dropped = run_cli("--data-dir", str(data), "import-43", "--discard", str(drug))
    assert dropped.returncode == 0 and "1 rows" in dropped.stdout
    retried = run_cli("--data-dir", str(data), "import-43", "--retry")
    assert retried.returncode == 0 and "0 rows imported, 10 still refused" in retried.stdout
    assert len(_json(run_cli("--data-dir", str(data), "import-43", "--review", "--json").stdout)) == 10
    assert _counts(data) == IMPORTED


def test_without_partial_nothing_is_stored_and_the_list_stays_empty(data: Path, tmp_path: Path) -> None:
    result = run_cli("--data-dir", str(data), "import-43", str(write_files(tmp_path / "f43")))
    assert result.returncode == 2 and "nothing was imported" in result.stderr and "person.txt" in result.stderr
    assert _counts(data) == {}
    empty = run_cli("--data-dir", str(data), "import-43", "--review")
    assert empty.returncode == 0 and "The review list is empty" in empty.stdout
    nothing = run_cli("--data-dir", str(data), "import-43", "--rejects", str(tmp_path / "r.zip"))
    assert nothing.returncode == 2 and "empty" in nothing.stderr and not (tmp_path / "r.zip").exists()


@pytest.mark.parametrize("args", [[], ["SOURCE", "--review"], ["--review", "--retry"], ["--partial"]])
def test_flags_that_do_not_go_together(data: Path, tmp_path: Path, args: list[str]) -> None:
    args = [str(tmp_path) if a == "SOURCE" else a for a in args]
    result = run_cli("--data-dir", str(data), "import-43", *args)
    assert result.returncode == 2 and "--rejects OUT" in result.stderr and "Traceback" not in result.stderr
