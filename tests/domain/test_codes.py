"""Six-digit codes typed as people type them: full-width digits are the same code; other scripts' digits are not."""

from domain.parcels import codes


def test_full_width_digits_are_the_same_code(app):
    assert codes.normalise_code("１２３ ４５６") == "123456" and codes.is_code("１２３４５６")
    assert codes.code_hash("pickup", 7, "１２３４５６") == codes.code_hash("pickup", 7, "123456")


def test_digits_of_other_scripts_are_not_code_digits(app):
    assert codes.normalise_code("١٢٣٤٥٦") == "" and not codes.is_code("١٢٣٤٥٦")
