"""The quote as a PDF: in the quote's language, every script readable (Polish, Russian, Armenian,
Chinese), the exact totals and the number; and how fast a long quote prints."""

import datetime
import re
import subprocess
import time
from decimal import Decimal

import pytest
import time_machine

from klient.catalog.models import Product
from klient.sales.quotes.documents import quote_filename, quote_pdf
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import LineInput, quote_create

pytestmark = [
    pytest.mark.django_db,
]

NOON = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, spaces (also no-break ones) collapsed."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


@pytest.fixture
def world_products(db):
    """A product named in Russian, one in Armenian and one in Chinese, none named in Polish."""
    return [
        Product.objects.create(sku=sku, name=name, vat_rate=Decimal(23))
        for sku, name in (
            ("RU-1", "Поддон деревянный"),
            ("HY-1", "Փայտե տակդիր"),
            ("ZH-1", "木托盘"),
        )
    ]


@time_machine.travel(NOON, tick=False)
def test_the_pdf_shows_every_script_the_number_and_the_exact_totals(
    alice, acme, contact, products, world_products
):
    pallet, _foil, rack = products
    russian, armenian, chinese = world_products
    quote = quote_create(
        actor=alice,
        company=acme,
        contact=contact,
        introduction="Szanowni Państwo, przesyłamy ofertę.",
        lines=[
            LineInput(pallet, "3"),  # 30.00 + 6.90 VAT
            LineInput(rack, "2"),  # 2469.12 + 567.90
            LineInput(russian, "1", unit_price="100"),  # 100.00 + 23.00
            LineInput(armenian, "4", unit_price="7.5"),  # 30.00 + 6.90
            LineInput(chinese, "10", unit_price="0.99"),  # 9.90 + 2.28
        ],
    )
    assert (quote.language, quote.subtotal, quote.tax_total, quote.total) == (
        "pl",
        Decimal("2639.02"),
        Decimal("606.98"),
        Decimal("3246.00"),
    )

    text = pdf_text(quote_pdf(quote))

    assert "Q-2026-00001" in text
    assert "Regał paletowy" in text
    assert "Поддон деревянный" in text
    assert "Փայտե տակդիր" in text
    assert "木托盘" in text
    assert "Szanowni Państwo, przesyłamy ofertę." in text
    assert "Acme" in text and "Jan Nowak" in text
    # Polish amounts: a space between thousands, a decimal comma, the euro sign after.
    assert "2 639,02 €" in text
    assert "606,98 €" in text
    assert "3 246,00 €" in text
    assert "2 469,12 €" in text
    assert f"http://127.0.0.1:8000/q/{quote.token}/" in text
    assert "2 marca 2026" in text  # issued, in Polish
    assert "1 kwietnia 2026" in text  # valid until: 30 days on
    assert not re.search(r"\b1 ?/ ?1\b", text)  # one page: no page numbers


def test_the_file_name_carries_the_number_and_a_later_revision():
    assert quote_filename(Quote(number="Q-2026-00042", revision=1)) == "quote-Q-2026-00042.pdf"
    assert quote_filename(Quote(number="Q-2026-00042", revision=2)) == "quote-Q-2026-00042-2.pdf"


def test_a_quote_of_200_lines_prints_quickly(alice, acme, contact, world_products):
    names = ["Paleta drewniana żółta", *(product.name for product in world_products)]
    many = Product.objects.bulk_create(
        Product(sku=f"BULK-{index:03d}", name=f"{names[index % 4]} {index}", vat_rate=Decimal(23))
        for index in range(200)
    )
    quote = quote_create(
        actor=alice,
        company=acme,
        contact=contact,
        lines=[LineInput(product, "2", unit_price="3.50") for product in many],
    )
    quote_pdf(quote)  # WeasyPrint and the fonts load on first use
    timings = []
    for _attempt in range(3):
        started = time.perf_counter()
        pdf = quote_pdf(quote)
        timings.append(time.perf_counter() - started)
    print(f"\n200-line quote PDF: best {min(timings):.3f} s of {len(timings)}, {len(pdf)} bytes")
    text = pdf_text(pdf)
    assert "BULK-199" in text
    # A long quote numbers its pages ("1 / 8" at the foot of the first); a short one fits on one, unnumbered.
    assert re.search(r"\b1 ?/ ?8\b", text) and re.search(r"\b8 ?/ ?8\b", text)
    assert "1 722,00 €" in text  # 200 × 2 × 3.50 = 1400.00 + 322.00 VAT
