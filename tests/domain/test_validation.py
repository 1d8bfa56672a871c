"""Register checks: phones, ID numbers, areas, unit numbers; and money helpers."""

import pytest

from domain.money import fen_to_decimal, yuan_to_fen
from domain.property.validation import Invalid, area_as_text, mask_id_number, normalise_phone, parse_area


@pytest.mark.parametrize(
    "typed, stored",
    [("13800138000", "13800138000"), ("138 0013 8000", "13800138000"), ("+86 138-0013-8000", "13800138000")],
)
def test_phone_numbers_are_normalised(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "1380013800", "23800138000", "1380013800a", "12800138000"])
def test_bad_phone_numbers_are_refused(typed):
    with pytest.raises(Invalid):
        normalise_phone(typed)


def test_id_card_number_is_kept_only_masked():
    assert mask_id_number("11010519491231002X") == "1*************002X"


def test_id_card_number_with_wrong_check_character_is_refused():
    with pytest.raises(Invalid):
        mask_id_number("110105194912310021")


def test_passport_numbers_are_accepted_and_masked():
    assert mask_id_number("e12345678") == "E****5678"


@pytest.mark.parametrize("typed, stored", [("89.5", 8950), ("89.50", 8950), ("120", 12000), ("0.01", 1)])
def test_areas_are_stored_as_hundredths(typed, stored):
    assert parse_area(typed) == stored
    assert parse_area(area_as_text(stored)) == stored


@pytest.mark.parametrize("typed", ["0", "-3", "89.555", "abc", "", "NaN", "1e9"])
def test_bad_areas_are_refused(typed):
    with pytest.raises(Invalid):
        parse_area(typed)


def test_money_is_integer_fen_without_floats():
    assert yuan_to_fen("12.34") == 1234
    assert yuan_to_fen("1,200") == 120000
    assert str(fen_to_decimal(1234)) == "12.34"
    with pytest.raises(ValueError):
        yuan_to_fen("0.001")
    with pytest.raises(ValueError):
        yuan_to_fen("-1")
