"""The hub's consent rules, pinned where the mutation pass (tests/mutation.py) found them loose:
each way a consent request may be malformed is refused with its own reason, a facility may
only withdraw its own proposed request, and only an active permit for treatment, naming the
reader as recipient, in its period, grants a patient. Called directly, so each rule is seen
alone (tests/security/test_attacks.py holds them over HTTP)."""

from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from clinic_app.hub import rules
from clinic_app.hub.errors import HubError
from clinic_app.hub.rules import Policy, _check_consent_request, _consent_actors, _recipients
from tests.hub.test_health_link import consent

ME, OTHER, CID = "99999", "11111", "1101700207030"
TODAY = dt.date.today()


def request(**changes: Any) -> dict:
    c = consent(CID, ME)
    for path, value in changes.items():
        node = c
        *parents, last = path.split("__")
        for p in parents:
            node = node[p]
        if value is ...:
            node.pop(last, None)
        else:
            node[last] = value
    return c


def refused(c: dict, me: str = ME) -> HubError:
    with pytest.raises(HubError) as caught:
        _check_consent_request(c, me)
    return caught.value


def actor(hcode: str, role: str | None = "IRCP") -> dict:
    a: dict[str, Any] = {"reference": {"reference": f"Organization/{hcode}"}}
    if role:
        a["role"] = {"coding": [{"code": role}]}
    return a


def test_a_request_as_a_desktop_makes_it_is_accepted() -> None:
    _check_consent_request(request(), ME)
    _check_consent_request(request(provision__purpose=[{"code": "ETREAT"}]), ME)
    _check_consent_request(request(provision__purpose=[{"code": "TREAT"}, {"code": "ETREAT"}]), ME)
    _check_consent_request(request(organization=[{"reference": f"Organization/{ME}"}]), ME)
    same_day = {"start": TODAY.isoformat(), "end": TODAY.isoformat()}
    _check_consent_request(request(provision__period=same_day), ME)
    a_year = {"start": TODAY.isoformat(), "end": (TODAY + dt.timedelta(days=rules.MAX_CONSENT_DAYS)).isoformat()}
    _check_consent_request(request(provision__period=a_year), ME)


@pytest.mark.parametrize("changes,where", [
    ({"patient": {"reference": "Patient/p1"}}, "patient"),
    ({"provision__type": "deny"}, "provision.type"),
    ({"provision__type": ...}, "provision.type"),
    ({"provision__actor": [actor(OTHER)]}, "provision.actor"),
    ({"provision__actor": [actor(ME), actor(OTHER)]}, "provision.actor"),
    ({"provision__actor": [actor(ME, role="PRCP")]}, "provision.actor"),
    ({"provision__actor": [actor(ME, role=None)]}, "provision.actor"),
    ({"provision__actor": []}, "provision.actor"),
    ({"organization": [{"reference": f"Organization/{OTHER}"}]}, "organization"),
    ({"provision__provision": [{"type": "deny"}]}, "provision.provision"),
    ({"provision__purpose": []}, "provision.purpose"),
    ({"provision__purpose": [{"code": "TREAT"}, {"code": "HMARKT"}]}, "provision.purpose"),
    ({"provision__purpose": ...}, "provision.purpose"),
    ({"provision__period": {"start": TODAY.isoformat()}}, "provision.period"),
    ({"provision__period": {"end": TODAY.isoformat()}}, "provision.period"),
    ({"provision__period": ...}, "provision.period"),
    ({"provision__period": {"start": "soon", "end": "later"}}, "provision.period"),
    ({"provision__period": {"start": TODAY.isoformat(),
                            "end": (TODAY + dt.timedelta(days=rules.MAX_CONSENT_DAYS + 1)).isoformat()}},
     "provision.period"),
    ({"provision__period": {"start": TODAY.isoformat(), "end": (TODAY - dt.timedelta(days=1)).isoformat()}},
     "provision.period"),
])
def test_each_malformed_request_is_refused_for_its_own_reason(changes: dict, where: str) -> None:
    err = refused(request(**changes))
    assert err.expression == [where] and err.status == 422, err.diagnostics
    assert err.code == ("required" if where == "patient" else "business-rule")


def test_a_request_made_for_another_facility_is_refused() -> None:
    assert refused(request(), me=OTHER).expression == ["provision.actor"]


def test_actors_and_recipients() -> None:
    c = request(provision__actor=[actor(ME), actor(OTHER, role="PRCP"), actor("22222", role=None)])
    assert _consent_actors(c) == [f"Organization/{ME}", f"Organization/{OTHER}", "Organization/22222"]
    assert _recipients(c) == [f"Organization/{ME}"]
    assert _consent_actors({"resourceType": "Consent"}) == [] == _recipients({"provision": {"actor": None}})


# -- what a facility may do to a consent after creating it -------------------------------------


def by_facility(old: dict | None, new: dict) -> None:
    Policy._check_consent_by_facility(old, new, ME)


def test_a_facility_creates_only_proposed_consents() -> None:
    by_facility(None, request())
    for status in ("active", "draft", "rejected", "inactive", "entered-in-error"):
        with pytest.raises(HubError) as caught:
            by_facility(None, request(status=status))
        assert (caught.value.status, caught.value.code, caught.value.expression) == (403, "forbidden", ["status"])
    with pytest.raises(HubError):
        by_facility(None, request(provision__type="deny"))  # and the request is checked


def test_a_facility_may_only_withdraw_its_proposed_request() -> None:
    proposed = request()
    proposed["id"], proposed["meta"] = "c1", {**proposed["meta"], "versionId": "1"}
    withdrawn = {**copy.deepcopy(proposed), "status": "entered-in-error"}
    withdrawn["meta"] = {**withdrawn["meta"], "versionId": "2", "lastUpdated": "x", "source": "nurse"}
    by_facility(proposed, withdrawn)
    by_facility(proposed, copy.deepcopy(proposed))  # unchanged
    for before, after in [("proposed", "active"), ("proposed", "rejected"), ("active", "inactive"),
                          ("active", "entered-in-error"), ("entered-in-error", "proposed"), ("rejected", "active")]:
        with pytest.raises(HubError) as caught:
            by_facility({**proposed, "status": before}, {**proposed, "status": after})
        assert (caught.value.status, caught.value.code, caught.value.expression) == (403, "forbidden", ["status"])
    longer = copy.deepcopy(withdrawn)
    longer["provision"]["period"]["end"] = "2099-01-01"
    with pytest.raises(HubError) as caught:
        by_facility(proposed, longer)
    assert (caught.value.status, caught.value.code, caught.value.expression) == (403, "forbidden", [])
    retagged = copy.deepcopy(proposed)
    retagged["meta"]["tag"] = [{"system": "x", "code": "y"}]
    with pytest.raises(HubError):
        by_facility(proposed, retagged)


# -- which consents grant ---------------------------------------------------------------------


class Found:
    def __init__(self, consents: list[dict]) -> None:
        self.consents = consents

    def search(self, rtype: str, crit: Any) -> tuple[list[Any], int]:
        if rtype == "Task":  # no referral addressed here (test_referrals_grant_while_open has them)
            return [], 0
        assert rtype == "Consent"
        conditions = {c.param: c.alternatives for c in crit.conditions}
        assert conditions["status"] == [(None, "active")]
        self.asked_actor = conditions["actor"]
        return [SimpleNamespace(resource=c) for c in self.consents], len(self.consents)


def granted(cid: str, **changes: Any) -> dict:
    c = request(**changes)
    c["patient"]["identifier"]["value"] = cid
    c["status"] = "active"
    return c


def test_only_an_active_permit_for_treatment_to_the_reader_in_its_period_grants() -> None:
    yesterday, tomorrow = (TODAY - dt.timedelta(days=1)).isoformat(), (TODAY + dt.timedelta(days=1)).isoformat()
    consents = [
        granted("1000000000001"),
        granted("1000000000002", provision__type="deny"),
        granted("1000000000003", provision__actor=[actor(ME, role="PRCP")]),
        granted("1000000000004", provision__actor=[actor(OTHER)]),
        granted("1000000000005", provision__purpose=[{"code": "ETREAT"}]),
        granted("1000000000006", provision__period={"start": tomorrow, "end": "2099-12-31"}),
        granted("1000000000007", provision__period={"start": "2020-01-01", "end": yesterday}),
        granted("1000000000008", provision__period={"start": yesterday, "end": TODAY.isoformat()}),  # all of today
        granted("1000000000009", provision__period={}),
        {**granted("x"), "patient": {"reference": "Patient/1"}},
    ]
    store = Found(consents)
    policy = Policy(store)  # type: ignore[arg-type]
    assert policy.consented_cids(ME) == {"1000000000001", "1000000000008", "1000000000009"}
    assert store.asked_actor == [(None, f"Organization/{ME}")]
    assert policy.consented_cids(ME, purpose="ETREAT") == {"1000000000005"}
    assert policy.has_consent(ME, "1000000000001") and not policy.has_consent(ME, "1000000000002")
    caller = SimpleNamespace(hcode=ME, btg_cid="1999999999999", enforced=True)
    assert policy.readable_cids(caller) == {"1000000000001", "1000000000008", "1000000000009", "1999999999999"}
    caller.btg_cid = None
    assert policy.readable_cids(caller) == {"1000000000001", "1000000000008", "1000000000009"}


class Referred:
    """Tasks addressed to ME and the referring facility's patients they are for."""

    def __init__(self, tasks: list[dict], patients: dict[str, dict]) -> None:
        self.tasks, self.patients = tasks, patients

    def search(self, rtype: str, crit: Any) -> tuple[list[Any], int]:
        if rtype != "Task":
            return [], 0
        conditions = {c.param: c.alternatives for c in crit.conditions}
        assert conditions["owner"] == [(None, f"Organization/{ME}")]
        wanted = {value for _system, value in conditions["status"]}
        found = [SimpleNamespace(resource=t) for t in self.tasks if t["status"] in wanted]
        return found, len(found)

    def current(self, rtype: str, rid: str) -> Any:
        assert rtype == "Patient"
        return SimpleNamespace(resource=self.patients[rid]) if rid in self.patients else None


def test_referrals_grant_while_open_only_from_the_referring_facility_about_its_own_patient() -> None:
    from clinic_app.core.identifiers import HCODE_SYSTEM

    def tagged(hcode: str) -> dict:
        return {"tag": [{"system": HCODE_SYSTEM, "code": hcode}]}

    def patient(cid: str, hcode: str = OTHER) -> dict:
        return {"resourceType": "Patient", "meta": tagged(hcode),
                "identifier": [{"system": "https://terms.sil-th.org/id/th-cid", "value": cid}]}

    statuses = ["requested", "received", "accepted", "in-progress", "on-hold", "rejected", "completed", "cancelled",
                "failed", "draft"]
    tasks = [{"resourceType": "Task", "meta": tagged(OTHER), "status": status, "for": {"reference": f"Patient/p{n}"}}
             for n, status in enumerate(statuses)]
    tasks += [{"resourceType": "Task", "meta": tagged(OTHER), "status": "accepted", "for": {"reference": "Patient/gone"}},
              # a facility cannot open another's patient to itself: a Task it wrote to itself
              {"resourceType": "Task", "meta": tagged(ME), "status": "accepted", "for": {"reference": "Patient/x1"}},
              # nor a referring facility another facility's patient
              {"resourceType": "Task", "meta": tagged(OTHER), "status": "accepted", "for": {"reference": "Patient/x2"}},
              {"resourceType": "Task", "status": "accepted", "for": {"reference": "Patient/x3"}}]  # no owner tag
    patients = {f"p{n}": patient(f"100000000000{n}") for n in range(len(statuses))}
    patients |= {"x1": patient("2000000000001"), "x2": patient("2000000000002", hcode="22222"),
                 "x3": patient("2000000000003")}
    policy = Policy(Referred(tasks, patients))  # type: ignore[arg-type]
    assert policy.referred_cids(ME) == {f"100000000000{n}" for n in range(5)}
