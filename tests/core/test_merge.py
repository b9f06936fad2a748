from __future__ import annotations

from clinic_app.core.merge import resolve, three_way

BASE = {"resourceType": "Patient", "id": "p", "meta": {"versionId": "1"}, "gender": "female",
        "telecom": [{"system": "phone", "value": "0811111111"}], "birthDate": "1980-01-01"}


def test_changes_to_different_elements_merge_by_themselves() -> None:
    local = {**BASE, "telecom": [{"system": "phone", "value": "0822222222"}]}
    remote = {**BASE, "meta": {"versionId": "2"}, "address": [{"city": "เมือง"}]}
    result = three_way(BASE, local, remote)
    assert result.clean
    assert result.merged["telecom"][0]["value"] == "0822222222"
    assert result.merged["address"] == [{"city": "เมือง"}]
    assert result.merged["meta"]["versionId"] == "2"


def test_the_same_element_changed_differently_is_a_conflict() -> None:
    local = {**BASE, "gender": "other"}
    remote = {**BASE, "gender": "male", "birthDate": "1981-01-01"}
    result = three_way(BASE, local, remote)
    assert result.conflicts == ["gender"]
    assert result.merged["birthDate"] == "1981-01-01" and result.merged["gender"] == "other"


def test_a_removal_on_one_side_and_identical_changes() -> None:
    local = {k: v for k, v in BASE.items() if k != "telecom"}
    remote = {**BASE, "gender": "male"}
    result = three_way(BASE, local, {**remote})
    assert result.clean and "telecom" not in result.merged and result.merged["gender"] == "male"
    same = {**BASE, "gender": "male"}
    assert three_way(BASE, same, same).clean


def test_no_base_means_every_difference_is_a_conflict() -> None:
    result = three_way(None, {**BASE, "gender": "male"}, BASE)
    assert result.conflicts == ["gender"]


def test_resolve_takes_each_chosen_side() -> None:
    local = {**BASE, "gender": "other", "birthDate": "1990-01-01"}
    remote = {**BASE, "meta": {"versionId": "5"}, "gender": "male", "birthDate": "1991-01-01"}
    out = resolve(local, remote, {"gender": "remote", "birthDate": "local"})
    assert (out["gender"], out["birthDate"], out["meta"]["versionId"]) == ("male", "1990-01-01", "5")
