"""Staff accounts: add, list, disable, sign in (with lock-out), and who acts.

Until the first account exists, the desktop acts as its device identity; the first
account must be an administrator (`init --admin`, or `user add NAME --role administrator`
on a fresh folder). After that, account management is the administrators' and every
command that reads or changes patient data needs a signed-in person, audited as them.
Sign-ins and failures are audited; after three failures each further one doubles a delay
(30 s, 1 min, 2 min ... at most an hour).

A staff member's details (`StaffDetails`: citizen ID, name prefix, given and family name,
sex, birth date, provider type, the day they started at the unit) are what HDC's PROVIDER
file asks of everyone who records (NOT NULL there); their Practitioner and PractitionerRole
carry them (services/visits.py staff_records), so the monthly 43 files pass HDC's check.
They are given at `user add` or later (`user details`), each checked: a citizen ID's check
digit, a DOPA name prefix, a real date, a provider type of THCC's list.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem
from clinic_app.core.identifiers import LICENCE_SYSTEMS
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, DEVICE, Actor, require
from clinic_app.core.thai import PREFIX_CODES, cid_problem, normalise_cid
from clinic_app.security.passwords import (
    MAX_DELAY_SECONDS,
    check_policy,
    hash_password,
    lockout_delay,
    verify_password,
)
from clinic_app.store.record_store import RecordStore

ROLES = (ADMIN, CLINICIAN, CLERK)
ROLE_ALIASES = {"admin": ADMIN, "administrator": ADMIN, "clinician": CLINICIAN, "doctor": CLINICIAN,
                "nurse": CLINICIAN, "clerk": CLERK}


class SignInError(KnownError):
    code = "sign-in"

    def __init__(self, *, wait: float = 0.0) -> None:
        if wait > 0:
            minutes = max(1, round(wait / 60))
            super().__init__(f"ใส่รหัสผ่านผิดหลายครั้ง โปรดรอ {minutes} นาทีแล้วลองใหม่ หรือให้ผู้ดูแลระบบช่วย",
                             f"Too many wrong passwords: wait about {minutes} minute(s) and try again, or ask an "
                             "administrator.")
        else:
            super().__init__("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "Wrong user name or password.")


@functools.cache
def _stand_in_hash() -> str:
    """A hash to check a password against when the name is not an account (as long as a real check)."""
    return hash_password(secrets.token_urlsafe(16))


@dataclasses.dataclass(frozen=True)
class StaffDetails:
    """What HDC's PROVIDER file asks of a staff member. Empty is "not given"."""

    cid: str = ""
    prefix: str = ""         # DOPA name-prefix code (cs-dopa-nameprefix): 003 นาย, 005 นาง, ...
    given: str = ""
    family: str = ""
    sex: str = ""            # male, female
    birth: str = ""          # YYYY-MM-DD
    provider_type: str = ""  # cs-thcc-individual-provider-type: 01 แพทย์, 03 พยาบาลวิชาชีพ, ...
    start: str = ""          # YYYY-MM-DD: the day they started at the unit

    @classmethod
    def of(cls, account: dict[str, Any] | None) -> StaffDetails:
        """The details kept with an account (none when it has none)."""
        try:
            kept = json.loads(str((account or {}).get("details") or "{}"))
        except ValueError:
            kept = {}
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: str(v) for k, v in kept.items() if k in names}) if isinstance(kept, dict) else cls()

    def as_json(self) -> str:
        return json.dumps({k: v for k, v in dataclasses.asdict(self).items() if v}, ensure_ascii=False, sort_keys=True)

    def merged(self, other: StaffDetails) -> StaffDetails:
        """These details with what `other` gives over them."""
        return dataclasses.replace(self, **{k: v for k, v in dataclasses.asdict(other).items() if v})


def provider_types() -> dict[str, str]:
    """THCC's provider types (cs-thcc-individual-provider-type, shipped): code -> display."""
    from clinic_app.conformance.codes import code_list  # the code lists load when first asked for

    return code_list("cs-thcc-individual-provider-type").display


SEXES = {"male": "male", "m": "male", "1": "male", "ชาย": "male", "female": "female", "f": "female", "2": "female",
         "หญิง": "female"}


def checked_details(given: StaffDetails, *, today: _dt.date | None = None) -> StaffDetails:
    """The details as kept (a prefix typed as นาง kept as its code 005, a sex as male or
    female, dates as YYYY-MM-DD in the common era), or every problem, in Thai and English."""
    from clinic_app.interop import f43_more  # the 43-file code not loaded before it is needed
    from clinic_app.interop.f43 import parse_date

    problems: list[Problem] = []
    today = today or _dt.date.today()

    def bad(option: str, english: str, thai: str) -> None:  # named by the command line's option
        problems.append(Problem(None, option, english, thai))

    cid = normalise_cid(given.cid)
    if given.cid and (why := cid_problem(cid)):
        bad("--cid", f"citizen ID: {why[1]}", f"เลขประจำตัวประชาชน: {why[0]}")
    prefix = given.prefix.strip()
    if prefix in PREFIX_CODES:
        prefix = PREFIX_CODES[prefix][0]
    elif prefix.isdigit() and prefix.zfill(3) in f43_more.name_prefixes():
        prefix = prefix.zfill(3)
    elif prefix:
        bad("--prefix", "name prefix: a DOPA name-prefix code (003 นาย, 004 นางสาว, 005 นาง ...) or นาย, นาง, นางสาว",
            "คำนำหน้าชื่อ: รหัสคำนำหน้าของกรมการปกครอง (003 นาย, 004 นางสาว, 005 นาง ...) หรือ นาย นาง นางสาว")
    sex = SEXES.get(given.sex.strip().lower(), "") if given.sex else ""
    if given.sex and not sex:
        bad("--sex", "male or female", "เพศ: ชาย หรือ หญิง (male, female)")
    days = {}
    for field, english, thai in (("birth", "birth date", "วันเกิด"), ("start", "start date", "วันที่เริ่มงาน")):
        text = getattr(given, field).strip()
        if not text:
            continue
        day, _be = parse_date(text.replace("-", "").replace("/", ""))
        if day is None or day > today:
            bad(f"--{field}", f"{english}: a past date, YYYY-MM-DD (a Buddhist-era year works too)",
                f"{thai}: วันที่ที่ผ่านมาแล้ว ปปปป-ดด-วว เช่น 2530-04-15")
        else:
            days[field] = day.isoformat()
    kind = given.provider_type.strip()
    if kind and kind not in provider_types():
        bad("--provider-type", "provider type: a code of THCC's list (01 doctor, 03 nurse, 04 community health "
            "officer, 05 public health officer, 11 pharmacist ...)",
            "ประเภทบุคลากร: รหัสตามรายการของ THCC (01 แพทย์, 03 พยาบาลวิชาชีพ, 04 เจ้าพนักงานสาธารณสุขชุมชน, "
            "05 นักวิชาการสาธารณสุข, 11 เภสัชกร ...)")
    if problems:
        raise InvalidInputError(f"ข้อมูลเจ้าหน้าที่ไม่ถูกต้อง {len(problems)} จุด ไม่ได้บันทึก",
                                f"{len(problems)} staff detail(s) are not right; nothing was saved.", problems=problems)
    return StaffDetails(cid, prefix, given.given.strip(), given.family.strip(), sex, days.get("birth", ""), kind,
                        days.get("start", ""))


class SignInNeededError(KnownError):
    code = "sign-in-needed"

    def __init__(self) -> None:
        super().__init__("โปรดระบุผู้ใช้ด้วย --user ชื่อ และรหัสผ่าน (--password-file หรือพิมพ์เมื่อถาม)",
                         "Sign in: give --user NAME and the password (--password-file, or typed when asked).")


class AccountService:
    def __init__(self, store: RecordStore, *, actor: Actor = DEVICE, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.staff = store.staff
        self.actor = actor
        self.clock = clock

    def has_accounts(self) -> bool:
        return self.staff.count() > 0

    def add(self, name: str, role: str, password: str, *, full_name: str = "", licence: str = "",
            details: StaffDetails | None = None) -> ChangeSet:
        """A staff account; `licence` is the professional licence as TYPE:NUMBER (TYPE a
        SIL-TH identifier type: proDoc, proNurse, proPharm, proDent, proMedtech, proPhysio,
        healthVolun), carried by the Practitioner their records name, with the `details`."""
        role = ROLE_ALIASES.get(role, role)
        kept = checked_details(details or StaffDetails())
        kind, _, number = licence.partition(":")
        if licence and (kind not in LICENCE_SYSTEMS or not number.strip().isalnum()):
            raise InvalidInputError("เลขใบอนุญาตต้องอยู่ในรูป ชนิด:เลขที่ เช่น proNurse:4512345",
                                    "A licence is TYPE:NUMBER, e.g. proNurse:4512345; TYPE is one of "
                                    + ", ".join(LICENCE_SYSTEMS) + ".",
                                    problems=[Problem(None, "licence", "TYPE:NUMBER", "ชนิด:เลขที่")])
        first = not self.has_accounts()
        if first:
            if role != ADMIN:
                raise InvalidInputError("บัญชีแรกต้องเป็นผู้ดูแลระบบ", "The first account must be an administrator.",
                                        problems=[Problem(None, "role", "administrator")])
        else:
            require(self.actor, "account.manage")
        if role not in ROLES:
            raise InvalidInputError("บทบาทไม่ถูกต้อง", f"Unknown role {role!r}: administrator, clinician or clerk.")
        if not name.strip() or len(name) > 64 or any(ch.isspace() for ch in name):
            raise InvalidInputError("ชื่อผู้ใช้ต้องไม่ว่างและไม่มีช่องว่าง", "A user name has no spaces (1-64 characters).")
        if self.staff.get(name) is not None:
            raise InvalidInputError("มีชื่อผู้ใช้นี้แล้ว", f"There is already a user {name!r}.")
        check_policy(password, user_inputs=[name])
        with self.store.transaction():
            self.staff.add(name, role, hash_password(password), full_name=full_name.strip() or None,
                           licence=f"{kind}:{number.strip()}" if licence else None, details=kept.as_json())
            self.store.audit.append(actor=self.actor.name, action="user-add", entity_type="staff", entity_id=name,
                                    detail={"role": role})
        return ChangeSet(accounts=True)

    def set_details(self, name: str, details: StaffDetails) -> ChangeSet:
        """Give or change a staff member's details (what `details` gives; the rest stays), by
        an administrator, or the staff member themself for their own person (citizen ID,
        name, sex, birth date: what they are is the unit's to say: provider type and start
        date need an administrator). Their Practitioner carries them from their next record on."""
        if name != self.actor.name or details.provider_type or details.start:
            require(self.actor, "account.manage")
        account = self.staff.get(name)
        if account is None:
            raise InvalidInputError("ไม่พบผู้ใช้", f"No user {name!r}.")
        kept = StaffDetails.of(account).merged(checked_details(details))
        with self.store.transaction():
            self.staff.update(name, details=kept.as_json())
            self.store.audit.append(actor=self.actor.name, action="user-details", entity_type="staff", entity_id=name,
                                    detail={"fields": sorted(k for k, v in dataclasses.asdict(details).items() if v)})
        return ChangeSet(accounts=True)

    def details(self, name: str) -> StaffDetails:
        if name != self.actor.name:
            require(self.actor, "account.manage")
        return StaffDetails.of(self.staff.get(name))

    def list(self) -> list[dict[str, Any]]:
        require(self.actor, "account.manage")
        return [{"name": s["name"], "role": s["role"], "disabled": bool(s["disabled"])} for s in self.staff.all()]

    def disable(self, name: str) -> ChangeSet:
        require(self.actor, "account.manage")
        target = self.staff.get(name)
        if target is None:
            raise InvalidInputError("ไม่พบผู้ใช้", f"No user {name!r}.")
        admins = [s for s in self.staff.all() if s["role"] == ADMIN and not s["disabled"]]
        if target["role"] == ADMIN and not target["disabled"] and len(admins) <= 1:
            raise InvalidInputError("ปิดบัญชีผู้ดูแลระบบคนสุดท้ายไม่ได้ โปรดเพิ่มผู้ดูแลระบบอีกคนก่อน",
                                    "This is the last administrator; add another administrator first, or no one "
                                    "could manage accounts.")
        with self.store.transaction():
            self.staff.update(name, disabled=1)
            self.store.audit.append(actor=self.actor.name, action="user-disable", entity_type="staff", entity_id=name)
        return ChangeSet(accounts=True)

    def sign_in(self, name: str, password: str) -> Actor:
        """The acting person, or SignInError.

        A name that is not an account meets exactly what a real one does: the same words,
        the same waits after failures (counted per name typed), and one password check
        either way, so neither the answer nor its time tells which accounts exist. Every
        failure is audited, those during a wait too."""
        record = self.staff.get(name)
        known = record is not None and not record["disabled"]
        now = self.clock()
        failures, locked_until = self.staff.failures(name)
        matches = verify_password(record["password"] if known else _stand_in_hash(), password)
        if known and matches and locked_until <= now:
            with self.store.transaction():
                self.staff.set_failures(name, 0, 0.0)
                self.store.audit.append(actor=name, action="login")
            return Actor(name, record["role"])
        waiting = locked_until > now
        if not waiting:
            failures += 1
            locked_until = now + lockout_delay(failures)
        with self.store.transaction():
            self.staff.set_failures(name, failures, locked_until)
            self.store.audit.append(actor=name, action="login-failed",
                                    detail={"failures": failures, "during_wait": waiting})
        raise SignInError(wait=max(0.0, locked_until - now))

    def sign_out(self, actor: Actor) -> None:
        with self.store.transaction():
            self.store.audit.append(actor=actor.name, action="logout")


# -- the unit's accounts, shared through the unit relay ------------------------------------------

_BAD_SHARE = ("ข้อมูลบัญชีที่ได้รับจากเครื่องอื่นของหน่วยบริการไม่ถูกต้อง จึงไม่ได้รับไว้",
              "The staff accounts another desktop of the unit sent are not well formed; nothing was taken.")


def checked_share(payload: Any, *, now: float | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The accounts and sign-in failures another desktop sent, checked row by row: an account
    row out of shape (name, role, an argon2 hash, a version) refuses the whole (it is no
    account this program made); a failure row of a name no account could have (a typo at
    sign-in: spaces, too long) is left out; a lock-out is never kept longer than the longest
    this program sets from now."""
    def bad(why: str) -> InvalidInputError:
        return InvalidInputError(_BAD_SHARE[0], f"{_BAD_SHARE[1]} ({why})")

    if not isinstance(payload, dict):
        raise bad("not an object")
    accounts, failures = payload.get("accounts"), payload.get("failures")
    if not isinstance(accounts, list) or not isinstance(failures, list) or len(accounts) + len(failures) > 10_000:
        raise bad("accounts and failures must be lists")

    def name_ok(name: Any) -> bool:
        return isinstance(name, str) and 0 < len(name) <= 64 and not any(ch.isspace() for ch in name)

    def version_ok(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1 <= v < 2 ** 31

    for row in accounts:
        if not isinstance(row, dict) or not name_ok(row.get("name")) or row.get("role") not in ROLES \
                or not isinstance(row.get("password"), str) or not row["password"].startswith("$argon2") \
                or row.get("disabled") not in (0, 1) or not version_ok(row.get("version")) \
                or not isinstance(row.get("created_at"), str) or not isinstance(row.get("details"), str) \
                or not all(row.get(k) is None or isinstance(row.get(k), str) for k in ("full_name", "licence")):
            raise bad("an account row")
    latest = (time.time() if now is None else now) + MAX_DELAY_SECONDS
    kept = []
    for row in failures:
        if isinstance(row, dict) and name_ok(row.get("name")) and isinstance(row.get("failures"), int) \
                and 0 <= row["failures"] < 10_000 and isinstance(row.get("locked_until"), (int, float)) \
                and version_ok(row.get("version")):
            kept.append({**row, "locked_until": min(float(row["locked_until"]), latest)})
    return accounts, kept


def take_shared_accounts(store: RecordStore, payload: Any) -> list[str]:
    """Keep the newer of each account and each name's failures another desktop of the unit
    sent (one transaction, each account that changed audited); the names that changed."""
    accounts, failures = checked_share(payload)
    with store.transaction():
        changed = store.staff.take_shared(accounts, failures)
        for name in changed:
            store.audit.append(actor=DEVICE.name, action="user-from-unit", entity_type="staff", entity_id=name)
    return changed
