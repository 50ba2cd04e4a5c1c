"""The translation catalogues are complete, consistent and used by the pages.

Every language other than English (the source language) translates every message, keeps the
placeholders of the original, and has nothing marked fuzzy. The pages then render in the user's
language. No GNU gettext needed: Babel reads and compiles the catalogues.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from klient.core.management.commands.compiletranslations import compile_catalogues
from klient.core.models import User

SOURCE_LANGUAGE = "en"
# Locale directory name → (number of plural forms, language code the site uses).
LANGUAGES = {
    "en": (2, "en"),
    "pl": (3, "pl"),
    "bs": (3, "bs"),
    "hy": (2, "hy"),
    "zh_Hans": (1, "zh-hans"),
    "ru": (3, "ru"),
}
TRANSLATED = sorted(set(LANGUAGES) - {SOURCE_LANGUAGE})

# printf-style conversions, as Python's % operator reads them (only in python-format messages).
PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
# Named placeholders, looked for in every message.
NAMED = re.compile(r"%\([^)]*\)[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def locale_dir() -> Path:
    return Path(django_settings.LOCALE_PATHS[0])


def po_path(language: str) -> Path:
    return locale_dir() / language / "LC_MESSAGES" / "django.po"


def load(language: str) -> Catalog:
    with po_path(language).open("rb") as po_file:
        return read_po(po_file, locale=language)


def key(message: Message) -> tuple[str | None, Any]:
    return (message.context, message.id)


def messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def describe(message: Message) -> str:
    msgid = message.id if isinstance(message.id, str) else message.id[0]
    return f"{msgid!r}" + (f" (context {message.context!r})" if message.context else "")


def placeholders(text: str, message: Message) -> list[str]:
    found = PRINTF.findall(text) if message.python_format else NAMED.findall(text)
    if "python-brace-format" in message.flags:
        found += BRACES.findall(text)
    return sorted(found)


@pytest.fixture(scope="module")
def catalogues() -> dict[str, Catalog]:
    return {language: load(language) for language in LANGUAGES}


def test_every_language_has_a_catalogue():
    for language in LANGUAGES:
        assert po_path(language).is_file(), f"{po_path(language)} is missing"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_header_names_the_language_and_its_plural_forms(language):
    text = po_path(language).read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in header, f"{language}: the header is marked fuzzy"
    assert f'"Language: {language}\\n"' in header, f"{language}: the Language header is wrong"
    nplurals = re.search(r"nplurals=(\d+)", header)
    assert nplurals, f"{language}: no Plural-Forms header"
    assert int(nplurals.group(1)) == LANGUAGES[language][0], f"{language}: wrong number of plural forms"
    assert "charset=UTF-8" in header


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_catalogue_has_every_message_of_the_others(language, catalogues):
    own = {key(message) for message in messages(catalogues[language])}
    for other, catalogue in catalogues.items():
        missing = [describe(m) for m in messages(catalogue) if key(m) not in own]
        assert not missing, f"{language} lacks messages that {other} has: {missing}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(language, catalogues):
    catalogue = catalogues[language]
    nplurals = LANGUAGES[language][0]
    problems = []
    for message in messages(catalogue):
        if message.fuzzy:
            problems.append(f"fuzzy: {describe(message)}")
        strings = message.string if message.pluralizable else (message.string,)
        if not all(strings):
            problems.append(f"not translated: {describe(message)}")
        if message.pluralizable and len(strings) != nplurals:
            problems.append(f"{len(strings)} plural forms instead of {nplurals}: {describe(message)}")
    assert not problems, f"{language}: " + "; ".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language, catalogues):
    problems = []
    for message in messages(catalogues[language]):
        if message.pluralizable:
            singular, plural = (placeholders(text, message) for text in message.id)
            for form, text in enumerate(message.string):
                found = placeholders(text, message)
                # The first form may leave out the count where it only stands for one
                # (e.g. "One company"), but must not invent a placeholder.
                if found != plural and not (form == 0 and set(singular) <= set(found) <= set(plural)):
                    problems.append(f"form {form} of {describe(message)}: {found} instead of {plural}")
        else:
            expected = placeholders(message.id, message)
            found = placeholders(message.string, message)
            if found != expected:
                problems.append(f"{describe(message)}: {found} instead of {expected}")
    assert not problems, f"{language}: " + "; ".join(problems)


# --- The pages speak the user's language -------------------------------------------------------

# The navigation label for the companies list, per language.
COMPANIES = {
    "pl": "Firmy",
    "bs": "Kompanije",
    "hy": "Ընկերություններ",
    "zh-hans": "公司",
    "ru": "Компании",
}
HELLO = {
    "pl": "Witaj, Alice",
    "bs": "Zdravo, Alice",
    "hy": "Բարև, Alice",
    "zh-hans": "您好，Alice",
    "ru": "Здравствуйте, Alice",
}


@pytest.fixture(scope="session")
def compiled_locale_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the catalogues, compiled to .mo (parallel workers never share a file)."""
    target = tmp_path_factory.mktemp("locale") / "locale"
    shutil.copytree(locale_dir(), target, ignore=shutil.ignore_patterns("*.mo"))
    assert compile_catalogues([target], force=True) == len(LANGUAGES)
    return target


@pytest.fixture
def compiled(settings: Any, compiled_locale_dir: Path) -> Path:
    # Changing LOCALE_PATHS makes Django drop the translations it has loaded.
    settings.LOCALE_PATHS = [compiled_locale_dir]
    return compiled_locale_dir


@pytest.mark.parametrize("language", ["hy", "zh-hans", "pl", "bs", "ru"])
def test_the_home_page_speaks_the_users_language(
    language: str, compiled: Path, alice: User, login: Callable[[User], Client]
):
    alice.language = language
    alice.save(update_fields=["language"])

    response = login(alice).get(reverse("core:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert re.search(rf'data-nav="companies"[^>]*>{re.escape(COMPANIES[language])}</a>', html)
    assert HELLO[language] in html


def test_english_stays_english(compiled: Path, alice: User, login: Callable[[User], Client]):
    response = login(alice).get(reverse("core:home"))

    html = response.content.decode()
    assert '<html lang="en"' in html
    assert re.search(r'data-nav="companies"[^>]*>Companies</a>', html)
