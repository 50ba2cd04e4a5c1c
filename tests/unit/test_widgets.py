"""FastSelect renders what forms.Select renders, escaped, with the selection kept."""

import re

from django import forms
from hypothesis import given
from hypothesis import strategies as st

from klient.core.widgets import FastSelect


def _normalise(html: str) -> str:
    html = re.sub(r">\s+<", "><", html.strip())
    opening, rest = html.split(">", 1)
    attributes = sorted(re.findall(r'\w+="[^"]*"', opening))
    return " ".join(attributes) + ">" + rest


def test_it_renders_like_the_django_select():
    choices = [("", "—"), ("PL", "Poland"), ("BA", "Bosnia & Herzegovina"), ("AM", "<Armenia>")]
    fast = FastSelect(choices=choices, attrs={"class": "x"}).render(
        "country", "BA", attrs={"id": "id_country"}
    )
    slow = forms.Select(choices=choices, attrs={"class": "x"}).render(
        "country", "BA", attrs={"id": "id_country"}
    )
    assert _normalise(fast) == _normalise(slow)
    assert '<option value="BA" selected>Bosnia &amp; Herzegovina</option>' in fast
    assert "&lt;Armenia&gt;" in fast


@given(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=6, unique=True))
def test_it_escapes_every_value_and_selects_exactly_one(values):
    choices = [(value, value) for value in values]
    html = FastSelect(choices=choices).render("field", values[0])
    assert html.count(" selected") == 1
    assert "<script" not in html.lower().replace("&lt;script", "")
