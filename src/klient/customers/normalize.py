"""Normal forms of customer data, shared by the services, imports, duplicate checks and search."""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from klient.core.search import fold
from klient.core.services import normalise_phone

# Legal forms left out when comparing company names ("ООО «Север»" and "Север" are the same name).
LEGAL_FORMS = frozenset(
    [
        "sp",
        "z",
        "o",
        "o",
        "spolka",
        "z",
        "ograniczona",
        "odpowiedzialnoscia",
        "sa",
        "s",
        "a",
        "spolka",
        "akcyjna",
        "sp",
        "k",
        "sp",
        "j",
        "doo",
        "d",
        "o",
        "o",
        "dd",
        "d",
        "d",
        "jdoo",
        "j",
        "d",
        "o",
        "o",
        "ad",
        "a",
        "d",
        "ooo",
        "zao",
        "oao",
        "pao",
        "ao",
        "ip",
        "tov",
        "pat",
        "ооо",
        "зао",
        "оао",
        "пао",
        "ао",
        "ип",
        "тов",
        "пат",
        "чп",
        "ltd",
        "limited",
        "llc",
        "inc",
        "corp",
        "corporation",
        "co",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "se",
        "bv",
        "nv",
        "srl",
        "sas",
        "sarl",
        "spa",
        "有限公司",
        "有限责任公司",
        "股份有限公司",
        "集团",
        "սպը",
        "փբը",
        "բբը",
    ]
)
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)


def name_key(name: str) -> str:
    """Folded company name without punctuation and legal forms: the duplicate check compares it."""
    words = _PUNCTUATION.sub(" ", fold(name)).split()
    kept = [word for word in words if word not in LEGAL_FORMS]
    # Strip Chinese legal-form suffixes glued to the name.
    text = " ".join(kept or words)
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return text[:200]


def person_key(first_name: str, last_name: str) -> str:
    """Folded "first last" of a person, for duplicate checks."""
    return " ".join(_PUNCTUATION.sub(" ", fold(f"{first_name} {last_name}")).split())[:200]


def tax_id_key(tax_id: str, country: str = "") -> str:
    """Letters and digits of a tax id, upper-case, without a leading country prefix (PL123 = 123)."""
    key = re.sub(r"[^0-9A-Za-z]", "", tax_id).upper()
    if len(key) > 2 and key[:2].isalpha() and key[2:].isdigit():
        key = key[2:]
    return key[:50]


# A website whose host is letters, digits, dots and dashes only, followed by nothing, a path, a query or
# a fragment: its host is plain to read (anything else, such as a port or a user, goes through urlsplit).
_PLAIN_HOST = re.compile(r"([a-z0-9.-]+)(?:[/?#]|\Z)")
_PLAIN_HOST_AFTER_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://([a-z0-9.-]+)(?:[/?#]|\Z)")


def website_domain(website: str) -> str:
    """The host of a website or email address, lower-case, without "www." (`https://www.X.pl/a` → `x.pl`)."""
    text = website.strip().lower()
    if not text:
        return ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    plain = (_PLAIN_HOST_AFTER_SCHEME if "://" in text else _PLAIN_HOST).match(text)
    if plain is not None:
        host = plain.group(1)  # what urlsplit gives for a host of plain letters, digits, dots and dashes
    else:
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


def phone_e164(raw: str, country: str = "") -> str:
    """E.164 form of a phone number as entered, read in the company's country when it has no +prefix."""
    return _phone_e164(raw, (country or "").upper() or None)


@functools.lru_cache(maxsize=16384)
def _phone_e164(raw: str, region: str | None) -> str:
    # Imports meet the same numbers (a head office's switchboard) again and again; parsing is slow.
    return normalise_phone(raw, region)


def split_phones(raw: str) -> list[str]:
    """Several phone numbers typed into one field, separated by commas, semicolons or slashes."""
    return [part.strip() for part in re.split(r"[,;/]|\n", raw) if part.strip()]
