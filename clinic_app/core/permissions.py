"""Who may do what: roles, the permission table, and the check the services make.

| permission        | administrator | clinician | clerk |
|-------------------|:-------------:|:---------:|:-----:|
| record.read       | yes           | yes       | yes   |
| record.write      | yes           | yes       | yes   |
| consent.request   | yes           | yes       | yes   |
| foreign.view      |               | yes       |       |
| emergency.access  |               | yes       |       |
| emergency.review  | yes           | yes       |       |
| account.manage    | yes           |           |       |
| data.maintain     | yes           |           |       |

The services check these (not only the window hiding buttons). Until the first staff
account exists, the desktop acts as its device identity, which may do everything; staff
accounts arrive with the security issue and take that over.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinic_app.core.errors import KnownError

ADMIN, CLINICIAN, CLERK, DEVICE_ROLE = "administrator", "clinician", "clerk", "device"

PERMISSIONS: dict[str, frozenset[str]] = {
    "record.read": frozenset({ADMIN, CLINICIAN, CLERK}),
    "record.write": frozenset({ADMIN, CLINICIAN, CLERK}),
    "consent.request": frozenset({ADMIN, CLINICIAN, CLERK}),
    "foreign.view": frozenset({CLINICIAN}),
    "emergency.access": frozenset({CLINICIAN}),
    "emergency.review": frozenset({ADMIN, CLINICIAN}),
    "account.manage": frozenset({ADMIN}),
    "data.maintain": frozenset({ADMIN}),  # backup, restore, re-key
    "formulary.manage": frozenset({ADMIN}),  # the unit's drug list
    "record.void": frozenset({ADMIN, CLINICIAN}),  # correct a visit, or mark it entered in error
}
ROLE_TH = {ADMIN: "ผู้ดูแลระบบ", CLINICIAN: "แพทย์/พยาบาล", CLERK: "เจ้าหน้าที่ทะเบียน", DEVICE_ROLE: "เครื่อง"}
ROLE_EN = {ADMIN: "administrator", CLINICIAN: "clinician", CLERK: "registration clerk", DEVICE_ROLE: "device"}


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


DEVICE = Actor("device", DEVICE_ROLE)


class PermissionDeniedError(KnownError):
    code = "permission-denied"

    def __init__(self, actor: Actor, permission: str) -> None:
        allowed = ", ".join(sorted(PERMISSIONS.get(permission, ())))
        super().__init__(
            f"บทบาท {ROLE_TH.get(actor.role, actor.role)} ทำรายการนี้ไม่ได้ ต้องเป็น: "
            + ", ".join(ROLE_TH.get(r, r) for r in sorted(PERMISSIONS.get(permission, ()))),
            f"The role {actor.role} may not do this ({permission}); it needs: {allowed}.",
        )


def allowed(actor: Actor, permission: str) -> bool:
    return actor.role == DEVICE_ROLE or actor.role in PERMISSIONS.get(permission, frozenset())


def require(actor: Actor, permission: str) -> None:
    if not allowed(actor, permission):
        raise PermissionDeniedError(actor, permission)
