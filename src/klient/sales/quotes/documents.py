"""A quote as a document: HTML rendered in the quote's language, printed to PDF by WeasyPrint with the
Noto fonts (Latin, Cyrillic, Armenian and Chinese), with the company's name, details and logo. Many
quotes at once (a mass proposal's step) print what they share once (quote_pdfs)."""

from __future__ import annotations

import base64
import functools
import gc
import io
import mimetypes
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from klient.catalog.models import Unit
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import public_url

if TYPE_CHECKING:
    import pikepdf


@lru_cache(maxsize=4)
def _logo_data_uri(path: str) -> str:
    """The logo inlined as a data: URI (nothing fetched while printing); empty when the file is missing."""
    file = Path(path)
    if not path or not file.is_file():
        return ""
    mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')}"


def branding() -> dict[str, Any]:
    """The company's name, details (one per line) and logo, as documents to customers show them."""
    return {
        "name": settings.DOCUMENT_COMPANY_NAME,
        "details": [line for line in settings.DOCUMENT_COMPANY_DETAILS.splitlines() if line.strip()],
        "logo": _logo_data_uri(settings.DOCUMENT_LOGO),
    }


def unit_label(code: str) -> str:
    """A unit's name in the active language ("pcs" → "sztuka" in Polish); an unknown code as it is."""
    try:
        return str(Unit(code).label)
    except ValueError:
        return code


def quote_context(quote: Quote) -> dict[str, Any]:
    """What the PDF and the public page show: the quote, its lines with their unit labels, the branding
    and the public link. Call it with the quote's language active."""
    lines = list(quote.lines.all())
    for line in lines:
        line.unit_label = unit_label(line.unit)  # type: ignore[attr-defined]
    return {
        "quote": quote,
        "company": quote.company,
        "contact": quote.contact,
        "lines": lines,
        "branding": branding(),
        "public_url": public_url(quote),
        "language": quote.language,
    }


# The few user-agent rules the quote's template needs, instead of WeasyPrint's whole HTML stylesheet:
# matching every cell of a long quote against that one took a third of the rendering time.
LEAN_UA_STYLESHEET = """
html, body, div, p, h1, h2, h3, section, header, footer, address { display: block }
head, style, script, title, meta, link { display: none }
table { display: table; border-collapse: separate; box-sizing: border-box }
thead { display: table-header-group } tbody { display: table-row-group } tfoot { display: table-footer-group }
colgroup { display: table-column-group } col { display: table-column } caption { display: table-caption }
tr { display: table-row } td, th { display: table-cell; vertical-align: inherit }
th, strong, b { font-weight: bold } em, i { font-style: italic } small { font-size: smaller }
h1 { font-size: 2em; font-weight: bold } h2 { font-size: 1.5em; font-weight: bold }
h3 { font-size: 1.17em; font-weight: bold } p { margin-top: 1em; margin-bottom: 1em }
br::before { content: "\\A"; white-space: pre-line } img { overflow: hidden }
"""


# A quote of at most this many lines fits on one page: it is printed without page numbers.
ONE_PAGE_LINES = 12
STYLESHEET = Path(__file__).parent / "templates" / "quotes" / "quote_pdf.css"


@functools.cache
def _renderer() -> tuple[Any, Any, Any]:
    """WeasyPrint's HTML class with the lean stylesheet, a font configuration and the quote's stylesheet,
    all kept for the process: finding the fonts and parsing the stylesheets again for every document
    took a third of a short quote's printing."""
    import weasyprint  # type: ignore[import-untyped]  # loaded on first use: Pango and fonts take a moment
    from weasyprint.text.fonts import FontConfiguration  # type: ignore[import-untyped]

    user_agent = weasyprint.CSS(string=LEAN_UA_STYLESHEET)

    class LeanHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

        def _ph_stylesheets(self) -> list[Any]:
            return []

    fonts = FontConfiguration()
    stylesheet = weasyprint.CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=fonts)
    return LeanHTML, fonts, stylesheet


def _one_line(text: str) -> str:
    """An address on one line: its lines joined by commas (the top of a quote has a line for each part)."""
    return ", ".join(line.strip() for line in (text or "").splitlines() if line.strip())


def client_lines(quote: Quote) -> list[str]:
    """The client's lines under its name at the top of the quote: its legal name, addresses, tax id and
    contact, each on one line. Call it with the quote's language active."""
    company, contact = quote.company, quote.contact
    legal_address, billing_address = _one_line(company.legal_address), _one_line(company.billing_address)
    lines = []
    if company.legal_name and company.legal_name != company.name:
        lines.append(company.legal_name)
    if legal_address:
        lines.append(legal_address)
    if billing_address and billing_address != legal_address:
        lines.append(f"{_('Billing address')}: {billing_address}")
    if company.tax_id:
        lines.append(f"{_('Tax id')}: {company.tax_id}")
    if contact is not None:
        who = ", ".join(part for part in (contact.full_name or str(contact), contact.email) if part)
        lines.append(f"{_('Contact')}: {who}")
    return lines


def _title(quote: Quote) -> str:
    """The PDF's title and its heading: "Quote Q-2026-00042/2". Call it with the quote's language active."""
    return f"{_('Quote')} {quote.label}"


def _pdf_context(quote: Quote, part: str) -> dict[str, Any]:
    context = quote_context(quote)
    context.update(
        part=part, one_page_lines=ONE_PAGE_LINES, client_lines=client_lines(quote), title=_title(quote)
    )
    return context


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while WeasyPrint prints: its hundreds of thousands of short-lived
    objects set off full collections that walk the whole process's heap, a fifth of a 200-line quote's
    printing. What cycles it leaves are collected when the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _print(html: str) -> bytes:
    lean_html, fonts, stylesheet = _renderer()
    with _cycle_collection_paused():
        pdf: bytes = lean_html(string=html).write_pdf(font_config=fonts, stylesheets=[stylesheet])
    return pdf


def quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF in its language, as the customer receives it."""
    with translation.override(quote.language):
        html = render_to_string("quotes/quote_pdf.html", _pdf_context(quote, "whole"))
    return _print(html)


def quote_pdfs(quotes: Iterable[Quote]) -> dict[int, bytes]:
    """Many quotes' PDFs (a mass proposal's), by quote id, each the same document quote_pdf() prints,
    made faster by what they share. A body (the lines, the totals, the seller's name: everything but the
    top's number, dates, client and link) is printed once for all the quotes whose bodies are the same text
    (same language, currency, prices, discounts and note); the quotes' own tops are printed together, a
    page each, in one more document; each quote's PDF is then its body with its top laid over the first
    page (pikepdf), its link kept clickable and its title set."""
    quotes = list(quotes)
    if len(quotes) < 2:
        return {quote.pk: quote_pdf(quote) for quote in quotes}
    bodies: dict[str, list[int]] = {}
    tops: list[dict[str, Any]] = []
    for index, quote in enumerate(quotes):
        with translation.override(quote.language):
            context = _pdf_context(quote, "body")
            bodies.setdefault(render_to_string("quotes/quote_pdf.html", context), []).append(index)
            tops.append(
                {"language": quote.language, "html": render_to_string("quotes/quote_pdf_top.html", context)}
            )
    import pikepdf  # loaded on first use, as WeasyPrint is

    printed: dict[int, bytes] = {}
    with pikepdf.open(
        io.BytesIO(_print(render_to_string("quotes/quote_pdf_tops.html", {"tops": tops})))
    ) as top_pages:
        for body_html, indexes in bodies.items():
            body = _body_pdf(body_html)
            for index in indexes:
                top = top_pages.pages[index]
                # The pages share one set of resources: each keeps only its own fonts (a Latin quote
                # does not carry the Chinese font another company's name needed).
                top.remove_unreferenced_resources()
                printed[quotes[index].pk] = _laid_over(body, top, quotes[index])
    return printed


@lru_cache(maxsize=8)
def _body_pdf(html: str) -> bytes:
    """A body printed, kept for the next steps of the same mass proposal (a step sends a few quotes)."""
    return _print(html)


def _laid_over(body: bytes, top: pikepdf.Page, quote: Quote) -> bytes:
    """The body's PDF with the top's page drawn over its first page (the same size: drawn as it is), the
    top's links added to the page's own, and the quote's title."""
    import pikepdf

    with pikepdf.open(io.BytesIO(body)) as pdf:
        first = pdf.pages[0]
        first.add_overlay(top, pikepdf.Rectangle(first.mediabox))
        links = [pdf.copy_foreign(link) for link in top.obj.get("/Annots", [])]
        if links:
            first.obj.Annots = pdf.make_indirect(pikepdf.Array([*first.obj.get("/Annots", []), *links]))
        with translation.override(quote.language):
            pdf.docinfo["/Title"] = _title(quote)
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def quote_filename(quote: Quote) -> str:
    """The PDF's file name: quote-Q-2026-00042.pdf, quote-Q-2026-00042-2.pdf for the second revision."""
    suffix = f"-{quote.revision}" if quote.revision > 1 else ""
    return f"quote-{quote.number}{suffix}.pdf"
