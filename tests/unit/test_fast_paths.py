"""The fast paths of imports and search give exactly what the general way gives."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from klient.core.phones import e164
from klient.core.search import _is_mostly_digits, search_words
from klient.customers.importing import _email_validator, created_changes_json
from klient.customers.normalize import website_domain


def _website_domain_by_urlsplit(website: str) -> str:
    """website_domain as it read every address before its fast path."""
    text = website.strip().lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    if "://" not in text:
        text = "http://" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host[:200]


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("https://www.Acme.pl/kontakt", "acme.pl"),
        ("acme.pl", "acme.pl"),
        ("www.acme.pl?x=1", "acme.pl"),
        ("http://acme.pl:8080/", "acme.pl"),
        ("ftp://user@files.acme.pl/", "files.acme.pl"),
        ("biuro@acme.pl", "acme.pl"),
        ("https://żółw.pl/", "żółw.pl"),
        ("-#://cs", ""),
        ("b?s://t", ""),
        ("http://[::1]/", "::1"),
        ("", ""),
    ],
)
def test_website_domain(website, domain):
    assert website_domain(website) == domain
    assert _website_domain_by_urlsplit(website) == domain


_URLISH = st.text(alphabet="abcXYZ09.-:/@?#[]% \tżw\n", max_size=24)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        _URLISH,
        st.tuples(st.sampled_from(["http://", "HTTPS://www.", "www.", "a-b://"]), _URLISH).map("".join),
    )
)
def test_website_domain_reads_every_text_as_urlsplit_does(text):
    assert website_domain(text) == _website_domain_by_urlsplit(text)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet='abc@.-_+Ż09 "[]:', max_size=30))
def test_the_compiled_email_check_agrees_with_django_s(text):
    def accepted(validator):
        try:
            validator(text)
        except ValidationError:
            return False
        return True

    assert accepted(_email_validator) == accepted(EmailValidator())


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        ("acme", (False, "")),
        ("4951234567", (True, "4951234567")),
        ("12", (False, "12")),
        ("123-45-67", (True, "1234567")),
        ("pl1234563218", (True, "1234563218")),
        ("a1b2", (False, "12")),
        ("١٢٣", (False, "")),  # Arabic-Indic digits are not the ASCII digits phones are searched by
    ],
)
def test_is_mostly_digits(chunk, expected):
    assert _is_mostly_digits(chunk) == expected


def test_search_words_keep_numbers_and_words():
    assert search_words("ООО «Ромашка» 8 (495) 123-45-67") == [
        "ооо",
        "ромашка",
        "8",
        "495",
        "123",
        "45",
        "67",
        "495",
        "1234567",
    ]


_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=4), max_size=3),
    st.lists(st.fixed_dictionaries({"value": st.text(max_size=4), "label": st.text(max_size=4)}), max_size=2),
)


@settings(max_examples=500, deadline=None)
@given(
    st.dictionaries(
        st.from_regex(r"[a-z_]{1,12}", fullmatch=True),
        st.tuples(_VALUES, st.one_of(st.none(), st.text(max_size=12), st.just("same"))),
        max_size=8,
    )
)
def test_created_changes_json_is_json_dumps(entries):
    changes = {}
    for name, (to, label) in entries.items():
        changes[name] = {
            "from": None,
            "to": to,
            "from_label": None,
            "to_label": to if label == "same" else label,
        }
    text = created_changes_json(changes)
    assert json.loads(text) == changes
    assert text == json.dumps(changes)


def _e164_by_parse(raw: str, region: str | None) -> str:
    """What klient.core.phones.e164 gives, the long way only."""
    if not raw.strip():
        return ""
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+48 22 123 45 67", "PL", "+48221234567"),
        ("+48 22 123 45 67", None, "+48221234567"),
        ("+44 (0)20 7946 0000", "PL", "+442079460000"),
        ("+39 06 1234 5678", None, "+390612345678"),  # Italy keeps its leading zero
        ("+7 (495) 123-45-67", "RU", "+74951234567"),
        ("+1 212 555 0100", "CA", "+12125550100"),
        ("+48 22", "PL", ""),
        ("+999 123 456 789", None, ""),
        ("8 (495) 123-45-67", "RU", "+74951234567"),  # national forms go through parse
    ],
)
def test_e164(raw, region, expected):
    assert e164(raw, region) == expected == _e164_by_parse(raw, region)


_COUNTRY_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
_SEPARATED_DIGITS = st.lists(
    st.tuples(
        st.sampled_from(["", " ", "-", ".", "(", ")", " (0)", "0"]),
        st.text("0123456789", min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=6,
).map(lambda parts: "".join(separator + digits for separator, digits in parts))


@settings(max_examples=4000, deadline=None)
@given(
    st.one_of(
        st.tuples(st.sampled_from(_COUNTRY_CODES), _SEPARATED_DIGITS).map(
            lambda pair: f"+{pair[0]} {pair[1]}"
        ),
        st.text("+0123456789 ().-x#/", max_size=22),
    ),
    st.sampled_from([None, "PL", "RU", "BA", "AM", "CN", "GB", "IT", "US", "DE"]),
)
def test_e164_agrees_with_phonenumbers(raw, region):
    assert e164(raw, region) == _e164_by_parse(raw, region)
