from clinic_app.core import places
from clinic_app.core.thai import thai_sort_key


def test_the_full_dopa_list_is_there_with_both_languages() -> None:
    assert len(places.provinces()) == 77
    korat = {d.code: d for d in places.districts("30")}
    assert len(korat) == 32 and korat["3001"].name_en == "Mueang Nakhon Ratchasima"
    assert sum(len(places.subdistricts(d.code)) for p in places.provinces() for d in places.districts(p.code)) == 7436
    assert places.postal_code("300101") == "30000" and places.postal_code("999999") == ""
    assert places.is_subdistrict("840503") and not places.is_subdistrict("840599")


def test_lists_are_in_thai_dictionary_order() -> None:
    names = [p.name_th for p in places.provinces()]
    assert names[0] == "กระบี่"
    # leading vowels file under their consonant: แม่ฮ่องสอน after มุกดาหาร, before ยโสธร
    assert names.index("มุกดาหาร") < names.index("แม่ฮ่องสอน") < names.index("ยโสธร")
    assert sorted(["เมือง", "มะลิ", "ไก่", "กา"], key=thai_sort_key) == ["กา", "ไก่", "มะลิ", "เมือง"]


def test_address_text_and_fhir_address() -> None:
    assert places.address_text("300101", english=True) == "Nai Mueang, Mueang Nakhon Ratchasima, Nakhon Ratchasima"
    assert places.address_text("123") == ""
    unknown = places.home_address("999999", house="5")  # an unknown code: the line alone, no codes
    assert unknown == {"extension": [{"url": "https://fhir-ig.sil-th.org/th/extensions/StructureDefinition/"
                                             "ex-address-structured-line",
                                      "extension": [{"url": "number", "valueString": "5"}]}],
                       "use": "home", "type": "physical", "line": ["5"]}
    known = places.home_address("300101", house="12", moo="3")
    assert (known["city"], known["district"], known["state"]) == ("ในเมือง", "เมืองนครราชสีมา", "นครราชสีมา")
    assert places.address_codes(known) == ("300101", "3")
    old_shape = {"extension": [{"url": "https://terms.sil-th.org/StructureDefinition/address-code",
                                "valueCodeableConcept": {"coding": [{"code": "30010107"}]}}]}
    assert places.address_codes(old_shape) == ("300101", "7")  # still read
    assert places.home_address("300101", postal="30001")["postalCode"] == "30001"
