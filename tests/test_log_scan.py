"""No citizen ID, Thai name or phone number in clear in any file the app wrote, after such
identifiers went through every path that logs, on a training unit whose sandbox hub runs in
the same process (so its log lines go to the same log):

- `init`, whose first lines go to the per-user log folder (no data folder yet);
- a refusal quoting a citizen ID and a name in its message and its problems (the command
  line logs a refusal by its code and prints the message);
- a bug while reading a 43-file line: the traceback quotes the row (citizen ID, name, phone);
- a 43-file import refused for a bad line;
- a hub search whose URL holds a citizen ID (`Patient?identifier=...%7C<cid>`; httpx's
  request line, kept out by `configure_logging`, is let through here: the redactor is the
  line behind that);
- a change the hub refused with a reason quoting the patient (the push logs the reason).

The scan walks everything under the test's folder: the data folder with `logs/` and
`training-hub/`, the per-user folders (state, data, cache, config), the temporary folder
and the backup. The control runs the same with the redactor switched off and finds the
identifiers in the logs, each path's own: the scan can fail, and each path carried one.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from clinic_app import app, cli
from clinic_app.app import RedactingFormatter, TrainingHub
from clinic_app.core.errors import InvalidInputError, Problem
from clinic_app.core.identifiers import CID_SYSTEM, HCODE_SYSTEM, TRAINING_HCODE
from clinic_app.core.permissions import CLINICIAN, Actor
from clinic_app.core.thai import cid_check_digit
from clinic_app.hub.errors import HubError
from clinic_app.hub.search import parse
from clinic_app.hub.seed import HOSPITAL
from clinic_app.interop import f43_import
from clinic_app.security.keys import KeyStore
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import open_installation
from clinic_app.services.patients import PatientForm
from clinic_app.services.session import UnitSession


def _cid(first12: str) -> str:
    return first12 + str(cid_check_digit(first12))


# Each path gets identifiers of its own, so the control can tell which path carried which.
# Our patient: refused by the hub, which quotes it in its reason.
OURS = PatientForm(given_th="ประภาพร", family_th="วงศ์สวัสดิ์", sex="female", birth_day=9, birth_month=9,
                   birth_year_be=2530, cid=_cid("310050012345"), phone="0861234567", given_en="Praphaporn",
                   family_en="Wongsawat")
# Quoted by a refusal's message and problems.
REFUSED = (_cid("150990034567"), "ระพีพรรณ", "ชัยวัฒนากุล")
# A 43-file row a bug chokes on (its traceback quotes the row).
CRASHED = (_cid("170990045678"), "เกศินี", "ปัญญาวงศ์", "0891112233")
# A 43-file row of another unit: the import is refused naming the line.
BAD_LINE = (_cid("180990056789"), "สายสุนีย์", "มั่นคง", "0894445566")

PERSON_HEADER = "|".join(("HOSPCODE", "CID", "PID", "HID", "PRENAME", "NAME", "LNAME", "HN", "SEX", "BIRTH", "MSTATUS",
                          "OCCUPATION_OLD", "OCCUPATION_NEW", "RACE", "NATION", "RELIGION", "EDUCATION", "FSTATUS",
                          "FATHER", "MOTHER", "COUPLE", "VSTATUS", "MOVEIN", "DISCHARGE", "DDISCHARGE", "ABOGROUP",
                          "RHGROUP", "LABOR", "PASSPORT", "TYPEAREA", "D_UPDATE", "TELEPHONE", "MOBILE"))


def _person_line(hcode: str, cid: str, given: str, family: str, phone: str) -> str:
    return "|".join([hcode, cid, "1", "", "003", given, family, "1", "1", "19800415"] + [""] * 19
                    + ["1", "20261101120000", "", phone])


@dataclass
class Drive:
    """What the workflow left: every file under the test's folder, the identifiers each
    path carried, and what the command line printed on stderr."""

    root: Path
    user: Path
    theirs: list[str]  # the hospital patient whose records were searched for by citizen ID
    stderr: dict[str, str] = field(default_factory=dict)

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())

    def logs(self) -> list[Path]:
        return [p for p in self.files() if ".log" in p.name]


@pytest.fixture
def clean_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The command line runs in this process: its log handler and state go when the test ends."""
    monkeypatch.setitem(cli.state, "log", None)
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_clinic_app", False):
            root.removeHandler(handler)
            handler.close()
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _drive(tmp_path: Path, user: Path, keystore: KeyStore, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Drive:
    data = tmp_path / "data"
    given = tmp_path / "in"  # the inputs this test hands the app: removed before the scan
    given.mkdir()
    real_configure = app.configure_logging

    def configure(*args: Any, **kwargs: Any) -> Path | None:
        path = real_configure(*args, **kwargs)
        logging.getLogger("httpx").setLevel(logging.INFO)  # its request lines, with their URLs, let through
        return path

    monkeypatch.setattr(app, "configure_logging", configure)
    stderr: dict[str, str] = {}

    def run(step: str, *args: str) -> int:
        code = cli.main(["--data-dir", str(data), *args])
        stderr[step] = capsys.readouterr().err
        return code

    assert run("init", "init", "--hcode", TRAINING_HCODE, "--training") == 0
    inst = open_installation(data, keys=keystore)
    hub = TrainingHub(inst, TRAINING_HCODE)  # as the window starts it: in this process, in data/training-hub
    try:
        engine = hub.running.engine
        real_check = engine.check_resource

        def check(rtype: str, body: Any, **kwargs: Any) -> None:  # a hub that quotes what it refuses
            if rtype == "Patient" and OURS.cid in json.dumps(body):
                raise HubError(422, f"citizen ID {OURS.cid} ({OURS.given_th} {OURS.family_th}, {OURS.phone}) "
                                    "is registered at another facility", code="duplicate")
            real_check(rtype, body, **kwargs)

        monkeypatch.setattr(engine, "check_resource", check)
        with UnitSession(inst, actor=Actor("malee", CLINICIAN)) as unit:
            unit.patients.register(OURS)
        found, _ = engine.store.search("Patient", parse("Patient", [("_tag", f"{HCODE_SYSTEM}|{HOSPITAL}")]))
        patient = next(s.resource for s in found if any(i["system"] == CID_SYSTEM for i in s.resource["identifier"]))
        theirs = [next(i["value"] for i in patient["identifier"] if i["system"] == CID_SYSTEM),
                  patient["name"][0]["family"]]

        # The hub refuses our patient with a reason quoting it; the consent request goes out.
        assert run("consent", "consent", "request", "--cid", theirs[0]) == 0
        run("sync", "sync")
        store = inst.connect()
        assert store.outbox.counts().get("failed") == 1  # the refused change, set aside (and logged)
        store.close()
        consent = next(s.id for s in engine.store.search("Consent", parse("Consent", []))[0])
        hub.running.hub.admin.decide_consent(consent, "approve")
        run("sync again", "sync")  # the records are fetched: GET Patient?identifier=...|<cid>
        assert run("show", "records", "show", "--cid", theirs[0]) == 0

        # A refusal quoting a citizen ID and a name in its message and its problems.
        def refuse(self: ConsentService, cid: str) -> Any:
            raise InvalidInputError(f"ไม่พบประวัติของ {REFUSED[1]} {REFUSED[2]} ({cid})",
                                    f"No records for {cid} ({REFUSED[1]} {REFUSED[2]})",
                                    problems=[Problem(None, f"cid {cid}", f"{cid} is not known here")])

        with monkeypatch.context() as patch:
            patch.setattr(ConsentService, "show_records", refuse)
            assert run("refusal", "records", "show", "--cid", REFUSED[0]) == 2

        # A 43-file import refused for a line of another unit.
        bad = given / "bad"
        bad.mkdir()
        (bad / "person.txt").write_text(PERSON_HEADER + "\r\n" + _person_line("10670", *BAD_LINE) + "\r\n",
                                        encoding="utf-8")
        assert run("bad line", "import-43", str(bad)) == 2

        # A bug while converting a 43-file line: the traceback quotes the row.
        def choke(self: Any, where: str, row: dict[str, str]) -> Any:
            raise ValueError(f"{where}: cannot convert {row}")

        crash = given / "crash"
        crash.mkdir()
        (crash / "person.txt").write_text(PERSON_HEADER + "\r\n" + _person_line(TRAINING_HCODE, *CRASHED) + "\r\n",
                                          encoding="utf-8")
        with monkeypatch.context() as patch:
            patch.setattr(f43_import.Mapper, "patient", choke)
            assert run("crash", "import-43", str(crash)) == 1

        assert run("backup", "db", "backup", str(tmp_path / "backup.db")) == 0
    finally:
        hub.stop()
        inst.forget_secrets()
        inst.close()
    shutil.rmtree(given)
    return Drive(tmp_path, user, theirs, stderr)


def _ours() -> list[str]:
    return [OURS.cid, OURS.given_th, OURS.family_th, OURS.phone]


def _only_logged() -> list[str]:
    """Identifiers that went through logging paths only: nowhere on disk may hold them."""
    return [*_ours(), *REFUSED, *CRASHED, *BAD_LINE]


def _held(path: Path, secrets: list[str]) -> list[str]:
    data = path.read_bytes()
    return [s for s in secrets if s.encode("utf-8") in data]


def test_no_identifier_from_any_logging_path_is_in_clear_anywhere(
        tmp_path: Path, user_folders: Path, keystore: KeyStore, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], clean_logging: None) -> None:
    drive = _drive(tmp_path, user_folders, keystore, monkeypatch, capsys)
    files = drive.files()
    names = {p.relative_to(tmp_path).as_posix() for p in files}
    # what the scan must see: init's log from before the data folder, the unit's log, the
    # training hub's folder, the database, the backup
    assert "user/XDG_STATE_HOME/clinic-app/log/clinic-app.log" in names, names
    assert {"data/logs/clinic-app.log", "data/clinic.db", "backup.db"} <= names, names
    assert any(n.startswith("data/training-hub/") for n in names), names
    # the refusal did quote its citizen ID and name (on the screen, not in the log)
    assert REFUSED[0] in drive.stderr["refusal"] and "Details are in the log" in drive.stderr["crash"]
    everything = _only_logged() + drive.theirs
    for path in files:
        if path.parent.name == "training-hub" and path.name.startswith("hub.sqlite"):
            # The sandbox hub's own store (plain SQLite, a stand-in for the server) holds the
            # hospital's patients it was seeded with (and what a training desktop sends it: the
            # xfail test below); nothing that only went through a log.
            assert _held(path, _only_logged()) == [], path
            continue
        assert _held(path, everything) == [], f"{path.relative_to(tmp_path)} holds identifiers in clear"


def test_control_with_the_redactor_off_the_scan_finds_each_paths_identifiers_in_the_log(
        tmp_path: Path, user_folders: Path, keystore: KeyStore, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], clean_logging: None) -> None:
    monkeypatch.setattr(RedactingFormatter, "format",
                        lambda self, record: logging.Formatter(self._fmt).format(record))
    drive = _drive(tmp_path, user_folders, keystore, monkeypatch, capsys)
    logged = b"".join(p.read_bytes() for p in drive.logs()).decode("utf-8")
    assert drive.theirs[0] in logged  # the search URL
    assert OURS.cid in logged and OURS.family_th in logged and OURS.phone in logged  # the hub's refusal
    assert all(s in logged for s in CRASHED)  # the traceback of the 43-file bug
    # the same scan as above, failing
    leaks = {p.relative_to(tmp_path).as_posix() for p in drive.files() if p.parent.name != "training-hub"
             and _held(p, _only_logged() + drive.theirs)}
    assert leaks == {"data/logs/clinic-app.log"}


def test_a_patient_synced_in_training_mode_is_not_in_clear_in_the_training_hubs_store(
        tmp_path: Path, user_folders: Path, keystore: KeyStore) -> None:
    """Training mode is for demo patients, but nothing stops a clerk from registering a real
    one there: after a sync, the patient must not lie in clear next to the encrypted
    database. The training hub keeps its records in SQLCipher under a key of the folder's."""
    from clinic_app.services.installation import initialise
    from clinic_app.services.sync import sync_now

    inst = initialise(tmp_path / "data", hcode=TRAINING_HCODE, training=True, keys=keystore)
    hub = TrainingHub(inst, TRAINING_HCODE)
    try:
        with UnitSession(inst, actor=Actor("malee", CLINICIAN)) as unit:
            unit.patients.register(OURS)
        assert sync_now(inst).pushed > 0
    finally:
        hub.stop()
        inst.forget_secrets()
        inst.close()
    store = [p for p in (tmp_path / "data" / "training-hub").iterdir() if p.name.startswith("hub.sqlite")]
    assert store and all(_held(p, _ours()) == [] for p in store)
