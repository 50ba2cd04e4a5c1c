"""Money and numbers follow the user's language."""

import decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from klient.core.l10n import babel_locale, format_money, format_number


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "PLN1,234.50"),
        ("pl", "1\xa0234,50\xa0zł"),
        ("bs", "1.234,50\xa0PLN"),
        ("ru", "1\xa0234,50\xa0PLN"),
        ("zh-hans", "PLN1,234.50"),
    ],
)
def test_it_formats_money_for_the_language(language, expected):
    assert format_money(decimal.Decimal("1234.5"), "PLN", language) == expected


def test_it_uses_the_active_language_by_default():
    with translation.override("ru"):
        assert format_number(decimal.Decimal("1234567.5")) == "1\xa0234\xa0567,5"
    with translation.override("en"):
        assert format_number(decimal.Decimal("1234567.5")) == "1,234,567.5"


def test_every_product_language_has_a_locale():
    assert [babel_locale(code) for code in ["en", "pl", "bs", "hy", "zh-hans", "ru"]] == [
        "en_GB",
        "pl_PL",
        "bs_Latn_BA",
        "hy_AM",
        "zh_Hans_CN",
        "ru_RU",
    ]


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False))
def test_money_keeps_every_digit(amount):
    text = format_money(amount, "EUR", "en")
    digits = "".join(ch for ch in text if ch.isdigit())
    assert digits.lstrip("0") == f"{abs(amount):.2f}".replace(".", "").lstrip("0")


def test_an_exact_price_keeps_digits_beyond_the_minor_unit_and_pads_to_it():
    from decimal import Decimal

    from klient.core.l10n import format_money

    assert format_money(Decimal("0.0125"), "EUR", "en", exact=True) == "€0.0125"
    assert format_money(Decimal("49.9000"), "PLN", "pl", exact=True) == "49,90\xa0zł"
    assert format_money(Decimal("50"), "EUR", "en", exact=True) == "€50.00"
    assert format_money(Decimal("0.0125"), "EUR", "en") == "€0.01"
