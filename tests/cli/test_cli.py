from __future__ import annotations

import json
from pathlib import Path

import keyring

from clinic_app import __version__
from clinic_app.security.keys import SERVICE
from tests.conftest import run_cli, write_json


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout


def _label(data: Path) -> str:
    return json.loads((data / "clinic-app.json").read_text())["installation_id"]


def test_init_import_export_status_end_to_end(tmp_path: Path, keystore: object) -> None:
    data = tmp_path / "d"
    result = run_cli("--data-dir", str(data), "init", "--hcode", "10669", "--name", "รพ.สต.บ้านทดสอบ",
                     "--hub-url", "https://hub.example/fhir")
    assert result.returncode == 0, result.stderr
    try:
        assert "OS keyring" in result.stdout
        patient = {"resourceType": "Patient", "id": "pt-1",
                   "identifier": [{"system": "https://terms.sil-th.org/id/th-cid", "value": "1101700207030"}],
                   "name": [{"text": "นายทดสอบ ระบบ"}]}
        assert run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "p.json", patient))).returncode == 0
        status = json.loads(run_cli("--data-dir", str(data), "status").stdout)
        assert status["counts"] == {"Patient": 1} and status["outbox"]["pending"] == 1
        assert status["hcode"] == "10669" and status["hub_url"] == "https://hub.example/fhir"
        out = run_cli("--data-dir", str(data), "export-fhir", "--patient", "1101700207030")
        bundle = json.loads(out.stdout)
        assert bundle["resourceType"] == "Bundle" and bundle["entry"][0]["resource"]["id"] == "pt-1"
        empty = json.loads(run_cli("--data-dir", str(data), "export-fhir", "--patient", "1234567890121").stdout)
        assert empty["entry"] == []
        env = {"CLINIC_APP_DATA_DIR": str(data)}
        assert json.loads(run_cli("status", env=env).stdout)["counts"] == {"Patient": 1}
    finally:
        keyring.delete_password(SERVICE, _label(data))


def test_bad_import_files_are_reported_with_exit_2(tmp_path: Path, keystore: object) -> None:
    data = tmp_path / "d"
    assert run_cli("--data-dir", str(data), "init", "--hcode", "10669").returncode == 0
    try:
        (tmp_path / "broken.json").write_text('{"resourceType": "Patient",', encoding="utf-8")
        result = run_cli("--data-dir", str(data), "import-fhir", str(tmp_path / "broken.json"))
        assert result.returncode == 2 and "line 1" in result.stderr and "Traceback" not in result.stderr
        bundle = {"resourceType": "Bundle", "type": "batch", "entry": [
            {"resource": {"resourceType": "Patient", "birthDate": "31/12/2530"}},
            {"resource": {"resourceType": "Patient", "gender": "female"}},
            {"request": {"method": "GET"}}]}
        result = run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "b.json", bundle)))
        assert result.returncode == 2
        assert "entry 2: entry[2]: has no resource" in result.stderr
        result = run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "c.json", bundle["entry"][:2])))
        assert result.returncode == 2 and "not a JSON object" in result.stderr
        bundle["entry"] = bundle["entry"][:2]
        result = run_cli("--data-dir", str(data), "import-fhir", str(write_json(tmp_path / "d.json", bundle)))
        assert result.returncode == 2 and "entry 0: entry[0].resource.birthDate" in result.stderr
        assert "nothing was stored" in result.stderr
        assert json.loads(run_cli("--data-dir", str(data), "status").stdout)["counts"] == {}
        result = run_cli("--data-dir", str(data), "init", "--hcode", "12")
        assert result.returncode == 2
        result = run_cli("--data-dir", str(tmp_path / "x"), "init", "--hcode", "12")
        assert result.returncode == 2 and "5 digits" in result.stderr
    finally:
        keyring.delete_password(SERVICE, _label(data))


def test_passphrase_folder_when_no_keyring_works(tmp_path: Path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    data = str(tmp_path / "d")
    result = run_cli("--data-dir", data, "init", "--hcode", "10669", env=env)
    assert result.returncode == 2 and "passphrase" in result.stderr
    (tmp_path / "pw").write_text("a sufficiently long passphrase\n", encoding="utf-8")
    (tmp_path / "bad").write_text("not the right passphrase\n", encoding="utf-8")
    result = run_cli("--data-dir", data, "--passphrase-file", str(tmp_path / "pw"), "init", "--hcode", "10669", env=env)
    assert result.returncode == 0, result.stderr
    assert "passphrase-wrapped" in result.stdout
    marker = (tmp_path / "d" / "clinic-app.json").read_text()
    assert '"source": "passphrase"' in marker
    ok = run_cli("--data-dir", data, "status", env={**env, "CLINIC_APP_PASSPHRASE_FILE": str(tmp_path / "pw")})
    assert ok.returncode == 0, ok.stderr
    wrong = run_cli("--data-dir", data, "--passphrase-file", str(tmp_path / "bad"), "status", env=env)
    assert wrong.returncode == 2 and "does not open" in wrong.stderr
    none = run_cli("--data-dir", data, "status", env=env)
    assert none.returncode == 2 and "--passphrase-file" in none.stderr
    assert run_cli("--data-dir", data, "--passphrase-file", str(tmp_path / "pw"), "db", "rekey", env=env).returncode == 0
    assert run_cli("--data-dir", data, "--passphrase-file", str(tmp_path / "pw"), "db", "check", env=env).returncode == 0


def test_screens_without_a_keyring_uses_the_passphrase_file(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("a long passphrase for the screens\n", encoding="utf-8")
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring", "QT_QPA_PLATFORM": "offscreen"}
    result = run_cli("--passphrase-file", str(tmp_path / "pw"), "screens", str(tmp_path / "shots"), env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "shots").glob("*.png")) == [
        "chart.png", "consent.png", "find.png", "followup.png", "referrals.png", "register.png", "sync.png", "today.png",
        "visit-form.png"]


def test_an_administrator_changes_the_units_settings_after_set_up(tmp_path: Path, keystore: object) -> None:
    data = str(tmp_path / "d")
    pw = tmp_path / "admin.pw"
    pw.write_text("admin-pass-2026\n", encoding="utf-8")
    assert run_cli("--data-dir", data, "init", "--hcode", "12345", "--admin", "somchai",
                   "--admin-password-file", str(pw)).returncode == 0
    as_admin = ("--data-dir", data, "--user", "somchai", "--password-file", str(pw))
    try:
        unset = run_cli(*as_admin, "sync")
        assert unset.returncode == 2 and "config set hub_url" in unset.stderr  # the way it names exists
        assert run_cli("--data-dir", data, "config", "set", "hub_url", "https://hub.example.org/fhir").returncode == 2
        changed = run_cli(*as_admin, "config", "set", "hub_url", "https://hub.example.org/fhir")
        assert changed.returncode == 0, changed.stderr
        assert run_cli(*as_admin, "config", "set", "sync_interval_minutes", "2.5").returncode == 0
        for key, bad in (("hub_url", "http://hub.example.org/fhir"), ("sync_interval_minutes", "soon"),
                         ("hub_auth", "maybe"), ("next_hn", "1")):
            refused = run_cli(*as_admin, "config", "set", key, bad)
            assert refused.returncode == 2 and "Traceback" not in refused.stderr, (key, refused.stderr)
        shown = json.loads(run_cli(*as_admin, "config", "get").stdout)
        assert shown["hub_url"] == "https://hub.example.org/fhir" and shown["sync_interval_minutes"] == 2.5
        trail = run_cli(*as_admin, "audit", "verify")
        assert trail.returncode == 0
    finally:
        label = json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"]
        keyring.delete_password("clinic-app", label)
