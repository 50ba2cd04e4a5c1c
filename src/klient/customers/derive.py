"""Fields computed from what the user typed: phones as E.164, the website's domain, the duplicate keys and
the words a company is found by.

They are computed from plain values (field name → value, the country as its code), so that the import
can derive a row without building a model instance for it; the services derive a Company through the
same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from klient.core.search import index_text, national_phone_forms
from klient.customers.normalize import name_key, phone_e164, split_phones, tax_id_key, website_domain

COMPANY_DERIVED_FIELDS = (
    "phone_e164",
    "other_phones_e164",
    "website_domain",
    "name_key",
    "tax_id_key",
    "search_text",
)


def phone_search_forms(raw: str, e164: str) -> list[str]:
    """The forms a phone number is found by: the digits as entered, E.164 without "+", and the national
    number with and without the trunk prefix ("+7 495 123-45-67": 74951234567, 84951234567, 4951234567)."""
    forms = ["".join(ch for ch in raw if ch.isdigit())]
    if e164:
        forms += [e164.lstrip("+"), *national_phone_forms(e164)]
    return [form for form in dict.fromkeys(forms) if form]


def company_keys(values: Mapping[str, Any]) -> dict[str, str]:
    """The duplicate keys of a company: its tax id, name and website domain as compared."""
    country = str(values.get("country") or "")
    return {
        "tax_id_key": tax_id_key(values.get("tax_id") or "", country),
        "name_key": name_key(values.get("name") or ""),
        "website_domain": website_domain(values.get("website") or ""),
    }


def company_derived(
    values: Mapping[str, Any], keys: Mapping[str, str] | None = None, *, search_text: bool = True
) -> dict[str, str]:
    """Every derived field of a company from its typed values (`keys`: company_keys, when already known);
    without `search_text` when told so (the import may leave it to the other process, see
    company_derived_rest)."""
    country = str(values.get("country") or "")
    derived = dict(keys) if keys is not None else company_keys(values)
    derived["phone_e164"] = phone_e164(values.get("phone") or "", country)
    derived["other_phones_e164"] = " ".join(
        filter(None, (phone_e164(part, country) for part in split_phones(values.get("other_phones") or "")))
    )
    if search_text:
        derived["search_text"] = company_search_text_of({**values, **derived})
    return derived


def company_derived_rest(values: Mapping[str, Any], derived: dict[str, str]) -> dict[str, str]:
    """The derived fields `company_derived(..., search_text=False)` left out, added to `derived`."""
    if "search_text" not in derived:
        derived["search_text"] = company_search_text_of({**values, **derived})
    return derived


def company_search_text_of(values: Mapping[str, Any], contact_texts: list[str] | None = None) -> str:
    """Words the company is found by (see klient.core.search): names, tax ids, registration number,
    city, email, website domain, phones in several forms, external id."""

    def text(name: str) -> str:
        return values.get(name) or ""

    parts = [
        text("name"),
        text("legal_name"),
        text("tax_id"),
        text("tax_id_key"),
        text("registration_number"),
        text("city"),
        text("email"),
        text("website_domain"),
        *phone_search_forms(text("phone"), text("phone_e164")),
        *[form for raw in split_phones(text("other_phones")) for form in phone_search_forms(raw, "")],
        *[form for e164 in text("other_phones_e164").split() for form in phone_search_forms("", e164)],
        text("external_id"),
        *(contact_texts or []),
    ]
    return index_text(parts)
