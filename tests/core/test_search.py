"""Text folding and search: case and diacritics are ignored in every script."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from klient.core.search import fold, search_filter
from klient.customers.models import Company
from klient.customers.services import company_create


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zażółć Gęślą Jaźń", "zazolc gesla jazn"),
        ("Ćevapi d.o.o.", "cevapi d.o.o."),
        ("Đurđevak", "durdevak"),
        ("Łódź", "lodz"),
        ("Straße", "strasse"),
        ("Ромашка", "ромашка"),
        ("Ёлка", "елка"),
        ("Արարատ", "արարատ"),
        ("上海明光贸易", "上海明光贸易"),
        ("  Acme \t  Industrial\n", "acme industrial"),
        ("ＡＣＭＥ", "acme"),  # full-width letters fold to their plain form
        ("", ""),
    ],
)
def test_it_folds_case_diacritics_and_spacing(text, folded):
    assert fold(text) == folded


# Text as people type it: letters of several scripts with and without marks, digits, spaces.
words = st.text(
    alphabet=st.sampled_from(
        "abcxyzABCXYZąćęłńóśźżĄĆĘŁŃÓŚŹŻčđšžČĐŠŽäöüßÄÖÜабвёжщАБВЁЖЩաբգԱԲԳ上海贸易0189 .-\t"
    ),
    max_size=30,
)


@given(words)
def test_folding_twice_changes_nothing(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(max_size=30))
@example("ℌ")  # a letter whose compatibility form is a capital
@example("ǅ")
def test_folded_text_is_stable_for_any_unicode(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded == folded.strip()
    assert "  " not in folded


@given(words)
def test_folding_ignores_case(text):
    assert fold(text.upper()) == fold(text.lower()) == fold(text)


@given(words, words)
def test_folding_works_word_by_word(first, second):
    # search_filter relies on this: each word of the query is looked up on its own.
    assert fold(f"{first} {second}") == " ".join(part for part in (fold(first), fold(second)) if part)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zazolc", ["Zażółć Sp. z o.o."]),
        ("ZAŻÓŁĆ", ["Zażółć Sp. z o.o."]),
        ("cevapi", ["Ćevapi"]),
        ("ромашка", ["Ромашка"]),
        ("РОМАШКА", ["Ромашка"]),
        ("durdevak trade", ["Đurđevak Trade"]),
        ("trade", ["Đurđevak Trade", "Ромашка"]),
        ("5213", ["Zażółć Sp. z o.o."]),
        ("trade zazolc", []),
        ("", ["Zażółć Sp. z o.o.", "Ćevapi", "Đurđevak Trade", "Ромашка"]),
    ],
)
def test_search_filter_finds_every_word_ignoring_case_and_diacritics(alice, query, expected):
    company_create(actor=alice, name="Zażółć Sp. z o.o.", tax_id="PL 5213 000 001")
    company_create(actor=alice, name="Ćevapi")
    company_create(actor=alice, name="Đurđevak Trade")
    company_create(actor=alice, name="Ромашка", legal_name="Ромашка Trade LLC")
    found = search_filter(Company.objects.order_by("pk"), query).values_list("name", flat=True)
    assert list(found) == expected
