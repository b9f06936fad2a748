"""Each role's refusals, enforced in the services (not only by hidden buttons)."""

from __future__ import annotations

import pytest

from clinic_app.core.permissions import ADMIN, CLERK, CLINICIAN, PERMISSIONS, Actor, PermissionDeniedError, allowed
from clinic_app.services.accounts import AccountService
from clinic_app.services.consent import ConsentService
from clinic_app.services.installation import Installation
from clinic_app.services.patients import PatientForm, PatientService

ADMIN_A, NURSE, CLERK_A = Actor("a", ADMIN), Actor("n", CLINICIAN), Actor("c", CLERK)


def test_the_permission_table() -> None:
    assert {p for p in PERMISSIONS if allowed(ADMIN_A, p)} == {"record.read", "record.write", "consent.request",
                                                               "account.manage", "emergency.review", "data.maintain",
                                                               "formulary.manage", "record.void"}
    assert {p for p in PERMISSIONS if allowed(NURSE, p)} == {"record.read", "record.write", "consent.request",
                                                             "foreign.view", "emergency.access", "emergency.review",
                                                             "record.void"}
    assert {p for p in PERMISSIONS if allowed(CLERK_A, p)} == {"record.read", "record.write", "consent.request"}


def test_each_role_is_refused_in_the_services(installation: Installation) -> None:
    store = installation.connect()
    AccountService(store).add("boss", "administrator", "admin-pass-2026")
    with pytest.raises(PermissionDeniedError):
        AccountService(store, actor=NURSE).add("x", "clerk", "clerk-pass-99")  # account management: admins only
    with pytest.raises(PermissionDeniedError):
        AccountService(store, actor=CLERK_A).disable("boss")
    with pytest.raises(PermissionDeniedError):  # who broke the glass for whom: not for a clerk's eyes
        ConsentService(store, installation, actor=CLERK_A).emergency_log()
    assert ConsentService(store, installation, actor=ADMIN_A).emergency_log() == []
    for actor in (ADMIN_A, CLERK_A):  # other facilities' records: clinicians only
        with pytest.raises(PermissionDeniedError):
            ConsentService(store, installation, actor=actor).show_records("1101700207030")
        with pytest.raises(PermissionDeniedError):
            ConsentService(store, installation, actor=actor).check_emergency("1101700207030", "x" * 30)
    form = PatientForm(given_th="ก", family_th="ข", sex="male", birth_day=1, birth_month=1, birth_year_be=2560)
    assert PatientService(store, actor=CLERK_A).register(form)  # a clerk registers patients
    ConsentService(store, installation, actor=CLERK_A).request_consent("1101700207030")  # and asks for consent
    store.close()
