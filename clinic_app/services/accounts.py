"""Staff accounts: add, list, disable, sign in (with lock-out), and who acts.

Until the first account exists, the desktop acts as its device identity; the first
account must be an administrator (`init --admin`, or `user add NAME --role administrator`
on a fresh folder). After that, account management is the administrators' and every
command that reads or changes patient data needs a signed-in person, audited as them.
Sign-ins and failures are audited; after three failures each further one doubles a delay
(30 s, 1 min, 2 min ... at most an hour).
"""

from __future__ import annotations

import functools
import secrets
import time
from collections.abc import Callable
from typing import Any

from clinic_app.core.changes import ChangeSet
from clinic_app.core.errors import InvalidInputError, KnownError, Problem
from clinic_app.core.identifiers import LICENCE_SYSTEMS
from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, DEVICE, Actor, require
from clinic_app.security.passwords import check_policy, hash_password, lockout_delay, verify_password
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

    def add(self, name: str, role: str, password: str, *, full_name: str = "", licence: str = "") -> ChangeSet:
        """A staff account; `licence` is the professional licence as TYPE:NUMBER (TYPE a
        SIL-TH identifier type: proDoc, proNurse, proPharm, proDent, proMedtech, proPhysio,
        healthVolun), carried by the Practitioner their records name."""
        role = ROLE_ALIASES.get(role, role)
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
                           licence=f"{kind}:{number.strip()}" if licence else None)
            self.store.audit.append(actor=self.actor.name, action="user-add", entity_type="staff", entity_id=name,
                                    detail={"role": role})
        return ChangeSet(accounts=True)

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
