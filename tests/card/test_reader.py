"""The card read through the real PC/SC stack (pcscd, the vpcd reader, a virtual Thai ID card
speaking vpcd's protocol) and the card's data made sense of."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from clinic_app.card.reader import CardUnreadableError, NoCardError, NotThaiIdCardError, card_state, read_card
from clinic_app.core import idcard
from clinic_app.services.idcard import match_address, registration_form
from tests.card.vcard import Person, VirtualCard


def _wait(predicate, seconds: float = 10) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    from smartcard import scard

    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _, found = scard.SCardListReaders(context, [])
    raise AssertionError(f"timed out; the reader says {scard.SCardGetStatusChange(context, 0, [(r, 0) for r in found])}")


def test_a_card_is_read_whole_and_its_thai_text_and_dates_come_out_right(pcscd: None) -> None:
    assert card_state().reader and not card_state().present
    with pytest.raises(NoCardError):
        read_card()
    card = VirtualCard().insert()
    try:
        _wait(lambda: card_state().present)
        seen: list[tuple[int, int]] = []
        data = read_card(progress=lambda done, total: seen.append((done, total)))
    finally:
        card.remove()
    assert data.cid == "1101700203450"
    assert (data.name_th.prefix, data.name_th.given, data.name_th.family) == ("นาง", "สมศรี", "ใจดี")
    assert (data.name_en.prefix, data.name_en.given, data.name_en.family) == ("Mrs.", "Somsri", "Jaidee")
    assert data.birth == dt.date(1977, 3, 14) and data.sex == "female"  # 2520 BE
    assert data.expires == dt.date(2030, 3, 13) and not data.expired(dt.date(2026, 12, 1))
    assert (data.address.house, data.address.moo, data.address.subdistrict, data.address.district,
            data.address.province) == ("99/1", "4", "บ้านเป็ด", "เมืองขอนแก่น", "ขอนแก่น")
    assert data.photo == Person().photo and data.photo[:3] == b"\xff\xd8\xff"  # the JPEG, whole
    assert seen[-1] == (29, 29)
    _wait(lambda: not card_state().present)


def test_a_card_that_is_not_a_thai_id_card_and_one_pulled_out_mid_read_are_said(pcscd: None) -> None:
    card = VirtualCard(thai=False).insert()
    try:
        _wait(lambda: card_state().present)
        with pytest.raises(NotThaiIdCardError) as not_thai:
            read_card()
    finally:
        card.remove()
    assert "ไม่ใช่บัตรประจำตัวประชาชน" in not_thai.value.thai
    _wait(lambda: not card_state().present)
    card = VirtualCard(pull_after=6).insert()
    try:
        _wait(lambda: card_state().present)
        with pytest.raises(CardUnreadableError) as pulled:
            read_card()
    finally:
        card.remove()
    assert "try again" in pulled.value.english


def test_the_address_is_matched_to_the_dopa_codes_and_a_part_that_is_not_is_said() -> None:
    code, unmatched = match_address(idcard.address("99/1#หมู่ที่ 4####ตำบลบ้านเป็ด#อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น"
                                                   .encode("tis-620")))
    assert code.startswith("4001") and len(code) == 6 and unmatched == []
    bangkok, _ = match_address(idcard.address("12###ซอยเจริญกรุง 30#ถนนเจริญกรุง#แขวงสี่พระยา#เขตบางรัก#กรุงเทพมหานคร"
                                              .encode("tis-620")))
    assert bangkok.startswith("1004"), bangkok
    code, unmatched = match_address(idcard.CardAddress(subdistrict="ไม่มีจริง", district="เมืองขอนแก่น",
                                                       province="ขอนแก่น"))
    assert code == "" and "ไม่มีจริง" in unmatched[0][0] and "choose it" in unmatched[0][1]


def test_the_form_takes_the_card_as_it_is_and_an_unknown_birth_day_stays_unknown() -> None:
    raw = Person(birth="25200014").image()
    data = idcard.card_data({k: raw[o:o + n] for k, (o, n) in idcard.FIELDS.items()})
    form, unmatched = registration_form(data)
    assert (form.birth_year_be, form.birth_month, form.birth_day) == (2520, 0, 0)
    assert form.cid == "1101700203450" and form.prefix == "นาง" and form.family_en == "Jaidee"
    assert form.subdistrict_code and form.postal_code == "40000" and unmatched == []
    assert form.photo == b""  # kept only when the unit keeps photos


def test_card_read_on_the_command_line_prints_the_card_with_the_id_masked(pcscd: None, installation, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from tests.conftest import run_cli

    folder = str(installation.folder.path)
    installation.close()
    missing = run_cli("--data-dir", folder, "card", "read")
    assert missing.returncode != 0 and "ยังไม่ได้เสียบบัตร" in missing.stderr and "insert the ID card" in missing.stderr
    assert "Traceback" not in missing.stderr
    card = VirtualCard(Person(expires="25680101")).insert()  # expired in 2025
    try:
        _wait(lambda: card_state().present)
        done = run_cli("--data-dir", folder, "card", "read", "--photo", str(tmp_path / "face.jpg"))
        shown = run_cli("--data-dir", folder, "card", "read", "--show-id")
    finally:
        card.remove()
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["cid"] == "x-xxxx-xxxx3-45-0" and "1101700203450" not in done.stdout
    assert out["name_th"]["given"] == "สมศรี" and out["birth_date"] == "1977-03-14" and out["birth_date_be"] == "25200314"
    assert out["address"]["province"] == "ขอนแก่น" and out["address"]["subdistrict_code"].startswith("4001")
    assert out["expired"] is True and "expired" in done.stderr  # said, not refused
    assert (tmp_path / "face.jpg").read_bytes() == Person().photo
    assert json.loads(shown.stdout)["cid"] == "1101700203450"
    logs = "".join(p.read_text(errors="replace") for p in installation.folder.path.rglob("*.log*") if p.is_file())
    assert "1101700203450" not in logs and "สมศรี" not in logs  # nothing read is logged in clear


def test_the_address_goes_by_position_and_a_garbled_citizen_id_is_not_taken() -> None:
    parsed = idcard.address("1#หมู่ที่ 2###ถนนมิตรภาพ##อำเภอเมืองขอนแก่น#จังหวัดขอนแก่น".encode("tis-620"))
    assert (parsed.road, parsed.subdistrict, parsed.district, parsed.province) == ("ถนนมิตรภาพ", "", "เมืองขอนแก่น", "ขอนแก่น")
    code, unmatched = match_address(parsed)
    assert code == "" and unmatched  # no subdistrict on the card: left for the person, said
    bangkok = idcard.address("12###ซอยเจริญกรุง 30#ถนนเจริญกรุง#แขวงสี่พระยา#เขตบางรัก#กรุงเทพมหานคร".encode("tis-620"))
    assert (bangkok.lane, bangkok.road, bangkok.subdistrict, bangkok.district) == ("ซอยเจริญกรุง 30", "ถนนเจริญกรุง",
                                                                                "สี่พระยา", "บางรัก")


def test_a_card_whose_citizen_id_fails_its_check_digit_is_unreadable(pcscd: None) -> None:
    card = VirtualCard(Person(cid="1101700203451")).insert()
    try:
        with pytest.raises(CardUnreadableError):
            read_card(photo=False)
    finally:
        card.remove()
