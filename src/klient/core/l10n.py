"""Locale-aware formatting of money and numbers for the active language (Babel's CLDR data)."""

from __future__ import annotations

import decimal
import functools

from babel import Locale
from babel.numbers import format_currency, format_decimal
from django.utils import translation

# Django language codes → CLDR locales.
_BABEL_LOCALES = {
    "en": "en_GB",
    "pl": "pl_PL",
    "bs": "bs_Latn_BA",
    "hy": "hy_AM",
    "zh-hans": "zh_Hans_CN",
    "ru": "ru_RU",
}


def babel_locale(language: str | None = None) -> str:
    """The CLDR locale for a Django language code (the active one by default)."""
    code = (language or translation.get_language() or "en").lower()
    return _BABEL_LOCALES.get(code, _BABEL_LOCALES.get(code.split("-")[0], "en_GB"))


@functools.cache
def _parsed(locale: str) -> Locale:
    # Parsing the locale's name costs as much as formatting the number: once per locale.
    return Locale.parse(locale)


def format_money(
    amount: decimal.Decimal | int | str, currency: str, language: str | None = None, *, exact: bool = False
) -> str:
    """`1234.5, "PLN"` → `1 234,50 zł` in Polish, `PLN 1,234.50`-style where the locale says so. `exact`
    keeps digits beyond the currency's minor unit (a unit price of 0.0125 stays 0.0125)."""
    value = decimal.Decimal(str(amount))
    if exact:
        return format_currency(
            value.normalize(),
            currency.upper(),
            locale=_parsed(babel_locale(language)),
            decimal_quantization=False,
        )
    return format_currency(value, currency.upper(), locale=_parsed(babel_locale(language)))


def format_number(value: decimal.Decimal | int | float | str, language: str | None = None) -> str:
    """A number with the locale's grouping and decimal separators."""
    return format_decimal(decimal.Decimal(str(value)), locale=_parsed(babel_locale(language)))
