from __future__ import annotations

import datetime as dt

import pytest

from clinic_app.core import thai


# 0...: a non-Thai resident's or a person with status problems' (DOPA's category 0), a real one
@pytest.mark.parametrize("cid", ["1234567890121", "1101700207030", "3100500123458", "1-2345-67890-12-1",
                                 "0234567890122"])
def test_valid_citizen_ids_pass(cid: str) -> None:
    assert thai.is_valid_cid(cid)
    assert thai.cid_problem(cid) is None


@pytest.mark.parametrize("cid,english", [
    ("1234567890122", "(check) digit"),
    ("9234567890121", "starts with 0 to 8"),
    ("123456789012", "13 digits"),
    ("12345678901a1", "13 digits"),
])
def test_invalid_citizen_ids_say_why(cid: str, english: str) -> None:
    assert not thai.is_valid_cid(cid)
    th, en = thai.cid_problem(cid)
    assert english in en and th


def test_every_check_digit_is_the_only_valid_one() -> None:
    base = "310050012345"
    valid = [d for d in range(10) if thai.is_valid_cid(base + str(d))]
    assert valid == [thai.cid_check_digit(base)]


def test_buddhist_era_dates() -> None:
    assert thai.be_year(2024) == 2567
    assert thai.format_thai_date(dt.date(2024, 7, 25)) == "25 ก.ค. 2567"
    assert thai.ce_year_from_possible_be(2567) == 2024
    assert thai.ce_year_from_possible_be(2024) == 2024


def test_mask_keeps_only_last_digits() -> None:
    masked = thai.mask_cid("1234567890121")
    assert masked.endswith("0-12-1") and "12345" not in masked


def test_hcode_and_age() -> None:
    assert thai.is_valid_hcode("10669") and thai.is_valid_hcode("000010669")
    assert not thai.is_valid_hcode("1066") and not thai.is_valid_hcode("1066a")
    assert thai.age_in_years(dt.date(2000, 3, 1), dt.date(2026, 2, 28)) == 25
    assert thai.age_in_years(dt.date(2000, 3, 1), dt.date(2026, 3, 1)) == 26
