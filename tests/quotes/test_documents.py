"""The quote as a PDF: in the quote's language, every script readable (Polish, Russian, Armenian,
Chinese), the exact totals and the number; how fast a long quote prints; and many quotes printed
together (a mass proposal's) being the very documents each prints alone."""

import datetime
import io
import re
import subprocess
import time
from decimal import Decimal

import pikepdf
import pytest
import time_machine

from klient.catalog.models import Product
from klient.customers.services import company_create, contact_create
from klient.sales.quotes import documents
from klient.sales.quotes.documents import quote_filename, quote_pdf, quote_pdfs
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import LineInput, public_url, quote_create

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


def layout_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext lays it out, spaces and line breaks kept: where each line stands."""
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def first_page_pixels(pdf: bytes) -> bytes:
    """The first page drawn in grey at 50 dpi by poppler (a PGM image)."""
    return subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout


def fonts(pdf: bytes) -> set[str]:
    """The names of the fonts a PDF embeds."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return {
            str(thing.BaseFont)
            for thing in document.objects
            if isinstance(thing, pikepdf.Dictionary)
            and thing.get("/Type") == "/Font"
            and "/BaseFont" in thing
        }


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


@time_machine.travel(NOON, tick=False)
def test_quotes_printed_together_are_the_documents_each_prints_alone(alice, acme, contact, products):
    """Five quotes on the wholesale prices: three share a body (same language, currency and lines: printed
    once), one in Armenian and one in Chinese, and a long one of two pages with its own body."""
    clients = [(acme, contact)]
    for name, language, extra in (
        (
            "Beskid",
            "pl",
            {
                "legal_name": "Beskid sp. z o.o.",
                "legal_address": "ul. Długa 1\n30-001 Kraków",
                "billing_address": "ul. Krótka 2\n30-002 Kraków",
                "tax_id": "PL5260001246",
            },
        ),
        ("Արարատ", "hy", {}),
        ("长城贸易", "zh-hans", {}),
        ("Wisła", "pl", {}),
    ):
        company = company_create(
            actor=alice,
            name=name,
            country="PL",
            document_currency="EUR",
            document_language=language,
            price_type=acme.price_type,
            **extra,
        )
        person = contact_create(
            actor=alice, company=company, first_name="Ewa", email=f"ewa@{len(clients)}.example"
        )
        clients.append((company, person))
    many = Product.objects.bulk_create(
        Product(sku=f"LONG-{index:02d}", name=f"Paleta {index}", vat_rate=Decimal(23)) for index in range(30)
    )
    quotes = [
        quote_create(
            actor=alice, company=company, contact=person, lines=[LineInput(p, "2") for p in products]
        )
        for company, person in clients[:4]
    ]
    long_company, long_contact = clients[4]
    quotes.append(
        quote_create(
            actor=alice,
            company=long_company,
            contact=long_contact,
            lines=[LineInput(product, "1", unit_price="3.00") for product in many],
        )
    )
    documents._body_pdf.cache_clear()

    together = quote_pdfs(quotes)

    # Bodies printed: Acme's and Beskid's (Polish, the same lines), the Armenian, the Chinese, the long one.
    assert documents._body_pdf.cache_info().misses == 4
    assert sorted(together) == sorted(quote.pk for quote in quotes)
    names = ["Acme", "Beskid", "Արարատ", "长城贸易", "Wisła"]
    for quote, name in zip(quotes, names, strict=True):
        alone = quote_pdf(quote)
        assert layout_text(together[quote.pk]) == layout_text(alone), quote.company.name
        assert first_page_pixels(together[quote.pk]) == first_page_pixels(alone), quote.company.name
        text = pdf_text(together[quote.pk])
        assert quote.label in text and f"{public_url(quote)}" in text
        assert [other for other in names if other in text] == [name]
        with pikepdf.open(io.BytesIO(together[quote.pk])) as pdf, pikepdf.open(io.BytesIO(alone)) as single:
            assert len(pdf.pages) == len(single.pages) == (2 if name == "Wisła" else 1)
            assert str(pdf.docinfo["/Title"]) == str(single.docinfo["/Title"])
            assert [str(link.A.URI) for link in pdf.pages[0].Annots] == [public_url(quote)]
    # Each keeps only the fonts its own page uses: no Chinese font in Acme's, one in 长城贸易's.
    assert not [font for font in fonts(together[quotes[0].pk]) if "CJK" in font]
    assert [font for font in fonts(together[quotes[3].pk]) if "CJK" in font]
    beskid = pdf_text(together[quotes[1].pk])
    assert "Beskid sp. z o.o." in beskid and "ul. Długa 1, 30-001 Kraków" in beskid
    assert "Adres do faktur: ul. Krótka 2, 30-002 Kraków" in beskid and "NIP: PL5260001246" in beskid
    assert re.search(r"\b1 ?/ ?2\b", pdf_text(together[quotes[4].pk]))


@time_machine.travel(NOON, tick=False)
def test_a_client_line_too_long_for_the_top_is_cut_and_never_runs_into_the_lines(
    alice, acme, contact, products
):
    acme.legal_address = "Aleja Bardzo Długiej Nazwy Ulicy Która Się Nie Mieści W Jednym Wierszu 123 " * 3
    acme.save()
    quote = quote_create(actor=alice, company=acme, contact=contact, lines=[LineInput(products[0], "1")])

    text = layout_text(quote_pdf(quote))

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    at = next(index for index, line in enumerate(lines) if line.startswith("Aleja Bardzo"))
    # Cut at the page's edge (poppler does not read the "…" WeasyPrint draws there), not wrapped:
    assert 40 < len(lines[at]) < len(acme.legal_address.strip())
    assert lines[at + 1] == "Kontakt: Jan Nowak, jan.nowak@acme.example"
    assert lines[at + 3].split()[:2] == ["#", "SKU"]  # after the link, the lines' table


def test_the_seller_shows_its_name_and_first_six_lines_of_details(settings, alice, acme, contact, products):
    settings.DOCUMENT_COMPANY_NAME = "Hurtownia Kraków"
    settings.DOCUMENT_COMPANY_DETAILS = "\n".join(f"Detail {number}" for number in range(1, 9))
    quote = quote_create(actor=alice, company=acme, contact=contact, lines=[LineInput(products[0], "1")])

    text = pdf_text(quote_pdf(quote))

    assert "Hurtownia Kraków" in text
    assert [f"Detail {number}" in text for number in range(1, 9)] == [True] * 6 + [False] * 2
