"""Staff accounts on the command line: the first administrator, roles enforced in the
services, lock-out after wrong passwords, the audit trail verified and tampering found."""

from __future__ import annotations

import json

from pathlib import Path

import keyring
import pytest

from clinic_app.core.permissions import ADMIN, CLERK, Actor, PermissionDeniedError
from clinic_app.security.keys import SERVICE
from clinic_app.core.errors import InvalidInputError
from clinic_app.services.accounts import AccountService, SignInError
from clinic_app.services.installation import Installation
from clinic_app.store import database
from tests.conftest import run_cli


def _pw(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / f"{name}.pw"
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def test_accounts_roles_and_audit_on_the_command_line(tmp_path: Path, keystore: object) -> None:
    data = str(tmp_path / "d")
    admin_pw = _pw(tmp_path, "admin", "admin-pass-2026")
    assert run_cli("--data-dir", data, "init", "--hcode", "12345", "--admin", "somchai",
                   "--admin-password-file", admin_pw).returncode == 0
    try:
        assert run_cli("--data-dir", data, "status").returncode == 0  # runs as the device
        anonymous = run_cli("--data-dir", data, "demo-data", "--patients", "1")
        assert anonymous.returncode == 2 and "--user" in anonymous.stderr
        as_admin = ("--data-dir", data, "--user", "somchai", "--password-file", admin_pw)
        assert run_cli(*as_admin, "demo-data", "--patients", "1").returncode == 0
        nurse_pw, clerk_pw = _pw(tmp_path, "nurse", "nurse-pass-99"), _pw(tmp_path, "clerk", "clerk-pass-99")
        assert run_cli(*as_admin, "user", "add", "malee", "--role", "clinician", "--new-password-file", nurse_pw).returncode == 0
        assert run_cli(*as_admin, "user", "add", "dao", "--role", "clerk", "--new-password-file", clerk_pw).returncode == 0
        weak = run_cli(*as_admin, "user", "add", "x", "--role", "clerk", "--new-password-file", _pw(tmp_path, "w", "123"))
        assert weak.returncode == 2 and "password" in weak.stderr
        as_clerk = ("--data-dir", data, "--user", "dao", "--password-file", clerk_pw)
        refused = run_cli(*as_clerk, "user", "list")
        assert refused.returncode == 2 and "administrator" in refused.stderr
        emergency = run_cli(*as_clerk, "emergency-access", "--cid", "1101700207030", "--reason", "x" * 30, "--confirm")
        assert emergency.returncode == 2 and "clinician" in emergency.stderr
        users = json.loads(run_cli(*as_admin, "user", "list").stdout)
        assert {(u["name"], u["role"]) for u in users} == {("somchai", "administrator"), ("malee", "clinician"),
                                                           ("dao", "clerk")}
        verified = run_cli(*as_admin, "audit", "verify")
        assert verified.returncode == 0 and "intact" in verified.stdout
        label = json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"]
        conn = database.connect(tmp_path / "d" / "clinic.db", bytes.fromhex(keyring.get_password(SERVICE, label)))
        conn.execute("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2")
        conn.close()
        tampered = run_cli(*as_admin, "audit", "verify")
        assert tampered.returncode == 2 and "entry 2" in tampered.stderr
    finally:
        keyring.delete_password(SERVICE, json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"])


def test_lock_out_grows_and_ends(installation: Installation) -> None:
    store = installation.connect()
    now = [1_000_000.0]
    accounts = AccountService(store, clock=lambda: now[0])
    accounts.add("somchai", "administrator", "admin-pass-2026")
    for _ in range(3):
        with pytest.raises(SignInError) as wrong:
            accounts.sign_in("somchai", "nope-nope-nope")
    assert "wait about 1 minute" in wrong.value.english  # the third failure: 30 s
    with pytest.raises(SignInError) as locked:
        accounts.sign_in("somchai", "admin-pass-2026")  # even the right password waits
    assert "wait" in locked.value.english
    now[0] += 31
    with pytest.raises(SignInError):
        accounts.sign_in("somchai", "still-wrong-1")  # fourth failure: 60 s
    assert store.staff.failures("somchai") == (4, pytest.approx(now[0] + 60))
    now[0] += 61
    assert accounts.sign_in("somchai", "admin-pass-2026") == Actor("somchai", ADMIN)
    actions = [r[3] for r in store.audit.rows()]
    assert actions.count("login-failed") == 5 and actions[-1] == "login"  # the try during the wait too
    with pytest.raises(SignInError):
        accounts.sign_in("nobody", "whatever-123")
    clerk = AccountService(store, actor=Actor("dao", CLERK))
    with pytest.raises(PermissionDeniedError):
        clerk.add("x", "clerk", "clerk-pass-99")
    store.close()



def test_sign_in_does_not_tell_which_accounts_exist(installation: Installation,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from clinic_app.services import accounts as accounts_module

    store = installation.connect()
    now = [1_000_000.0]
    accounts = AccountService(store, clock=lambda: now[0])
    accounts.add("somchai", "administrator", "admin-pass-2026")
    with pytest.raises(SignInError):  # the stand-in hash is made once, not per try
        accounts.sign_in("nobody-else", "warm-up-guess-1")
    answers: dict[str, list[str]] = {"somchai": [], "nobody": []}
    work: dict[str, list[str]] = {"somchai": [], "nobody": []}  # Argon2 runs: what an attempt's time is made of
    for name in answers:
        real_verify, real_hash = accounts_module.verify_password, accounts_module.hash_password
        monkeypatch.setattr(accounts_module, "verify_password",
                            lambda *a, name=name: work[name].append("verify") or real_verify(*a))
        monkeypatch.setattr(accounts_module, "hash_password",
                            lambda *a, name=name: work[name].append("hash") or real_hash(*a))
        for _ in range(5):
            with pytest.raises(SignInError) as refused:
                accounts.sign_in(name, "wrong-guess-77")
            answers[name].append(refused.value.english)
        monkeypatch.undo()
    assert answers["somchai"] == answers["nobody"]  # the same words, the same waits, try by try
    assert "wait" in answers["nobody"][-1]
    assert work["somchai"] == work["nobody"] == ["verify"] * 5  # one password check either way, nothing more
    assert [r[3] for r in store.audit.rows()].count("login-failed") == 11
    store.close()


def test_the_last_administrator_stays(installation: Installation) -> None:
    store = installation.connect()
    accounts = AccountService(store)
    accounts.add("somchai", "administrator", "admin-pass-2026")
    admin = accounts.sign_in("somchai", "admin-pass-2026")
    as_admin = AccountService(store, actor=admin)
    with pytest.raises(InvalidInputError) as refused:
        as_admin.disable("somchai")
    assert "last administrator" in refused.value.english
    as_admin.add("malee", "administrator", "nurse-pass-2026")
    as_admin.disable("somchai")  # with another administrator it may go
    assert [a["name"] for a in as_admin.list() if not a["disabled"]] == ["malee"]
    store.close()


@pytest.mark.parametrize("password", ["          ", "...........", "password12", "aaaaaaaaa1", "ฟหกดฟหกดฟหกด",
                                      "qwertyuiop", "somchai2026"])
def test_weak_passwords_are_refused(installation: Installation, password: str) -> None:
    store = installation.connect()
    with pytest.raises(InvalidInputError) as refused:
        AccountService(store).add("somchai", "administrator", password)
    assert "too weak" in refused.value.english and "รหัสผ่าน" in refused.value.thai
    assert AccountService(store).has_accounts() is False
    store.close()


def test_backup_restore_and_rekey_need_an_administrator_and_a_restore_says_what_it_took_back(
        tmp_path: Path, keystore: object) -> None:
    data = str(tmp_path / "d")
    admin_pw, clerk_pw = _pw(tmp_path, "admin", "admin-pass-2026"), _pw(tmp_path, "clerk", "clerk-pass-99")
    assert run_cli("--data-dir", data, "init", "--hcode", "12345", "--admin", "somchai",
                   "--admin-password-file", admin_pw).returncode == 0
    label = json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"]
    as_admin = ("--data-dir", data, "--user", "somchai", "--password-file", admin_pw)
    as_clerk = ("--data-dir", data, "--user", "dao", "--password-file", clerk_pw)
    try:
        assert run_cli(*as_admin, "user", "add", "dao", "--role", "clerk", "--new-password-file", clerk_pw).returncode == 0
        for command in (("backup", str(tmp_path / "b0.db")), ("rekey",), ("restore", str(tmp_path / "none.db"))):
            anonymous = run_cli("--data-dir", data, "db", *command)
            assert anonymous.returncode == 2 and "--user" in anonymous.stderr, command
            clerk = run_cli(*as_clerk, "db", *command)
            assert clerk.returncode == 2 and "administrator" in clerk.stderr, command
        assert run_cli("--data-dir", data, "db", "check").returncode == 0  # a check needs no one
        assert run_cli(*as_admin, "db", "backup", str(tmp_path / "b1.db")).returncode == 0
        assert run_cli(*as_clerk, "demo-data", "--patients", "1").returncode == 0  # the clerk's work after it
        restored = run_cli(*as_admin, "db", "restore", str(tmp_path / "b1.db"))
        assert restored.returncode == 0, restored.stderr
        inst = __import__("clinic_app.services.installation", fromlist=["open_installation"]).open_installation(
            Path(data), keys=keystore)
        store = inst.connect()
        last = store.audit.rows()[-1]
        store.close()
        inst.close()
        assert (last[2], last[3]) == ("somchai", "restore")
        detail = json.loads(last[6])
        assert detail["rolled_back_entries"] >= 2 and detail["to_entry"] - detail["from_entry"] + 1 == \
            detail["rolled_back_entries"]
        assert run_cli(*as_admin, "audit", "verify").returncode == 0
    finally:
        keyring.delete_password(SERVICE, label)


def test_a_staff_members_details_for_hdc_are_checked_given_and_shown_masked(tmp_path: Path, keystore: object) -> None:
    """What HDC's PROVIDER file asks of a staff member: given at `user add` or later with
    `user details` (by an administrator, or the staff member themself), each field checked
    with a message in Thai and English and nothing saved when one is wrong; shown with the
    citizen ID masked."""
    data = str(tmp_path / "d")
    admin_pw, nurse_pw, clerk_pw = (_pw(tmp_path, n, p) for n, p in (("admin", "admin-pass-2026"),
                                                                        ("nurse", "nurse-pass-99"),
                                                                        ("clerk", "clerk-pass-99")))
    assert run_cli("--data-dir", data, "init", "--hcode", "12345", "--admin", "somchai",
                   "--admin-password-file", admin_pw).returncode == 0
    as_admin = ("--data-dir", data, "--user", "somchai", "--password-file", admin_pw)
    try:
        added = run_cli(*as_admin, "user", "add", "malee", "--role", "clinician", "--new-password-file", nurse_pw,
                        "--cid", "3100500123458", "--prefix", "นาง", "--given", "มาลี", "--family", "ใจดี")
        assert added.returncode == 0, added.stderr
        assert run_cli(*as_admin, "user", "add", "dao", "--role", "clerk", "--new-password-file", clerk_pw).returncode == 0
        wrong = run_cli(*as_admin, "user", "details", "malee", "--cid", "3100500123450", "--sex", "x",
                        "--birth", "2599-13-40", "--provider-type", "99", "--prefix", "Dr")
        assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
        for words in ("check) digit", "male or female", "birth date", "provider type", "name prefix",
                      "เลขประจำตัวประชาชน", "ประเภทบุคลากร", "nothing was saved"):
            assert words in wrong.stderr, words
        as_nurse = ("--data-dir", data, "--user", "malee", "--password-file", nurse_pw)
        mine = run_cli(*as_nurse, "user", "details", "malee", "--provider-type", "01")  # not theirs to say
        assert mine.returncode == 2 and "administrator" in mine.stderr
        own = run_cli(*as_nurse, "user", "details", "malee", "--sex", "หญิง", "--birth", "2528-02-03")
        assert own.returncode == 0, own.stderr
        own = run_cli(*as_admin, "user", "details", "malee", "--provider-type", "03", "--start", "2019-05-01")
        assert own.returncode == 0, own.stderr
        shown = json.loads(own.stdout[own.stdout.index("{"):])
        assert {**shown, "cid": "masked"} == {"cid": "masked", "prefix": "005", "given": "มาลี", "family": "ใจดี",
                                              "sex": "female", "birth": "1985-02-03", "provider_type": "03",
                                              "start": "2019-05-01"}
        assert "3100500123458" not in own.stdout and shown["cid"].endswith("8")  # masked
        as_clerk = ("--data-dir", data, "--user", "dao", "--password-file", clerk_pw)
        other = run_cli(*as_clerk, "user", "details", "malee", "--start", "2020-01-01")
        assert other.returncode == 2 and "administrator" in other.stderr
    finally:
        keyring.delete_password(SERVICE, json.loads((tmp_path / "d" / "clinic-app.json").read_text())["installation_id"])
