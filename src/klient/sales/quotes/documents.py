"""A quote as a document: HTML rendered in the quote's language, printed to PDF by WeasyPrint with the
Noto fonts (Latin, Cyrillic, Armenian and Chinese), with the company's name, details and logo."""

from __future__ import annotations

import base64
import functools
import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from klient.catalog.models import Unit
from klient.sales.quotes.models import Quote
from klient.sales.quotes.services import public_url


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


def quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF in its language, as the customer receives it."""
    with translation.override(quote.language):
        context = quote_context(quote)
        context["one_page_lines"] = ONE_PAGE_LINES
        html = render_to_string("quotes/quote_pdf.html", context)
    lean_html, fonts, stylesheet = _renderer()
    pdf: bytes = lean_html(string=html).write_pdf(font_config=fonts, stylesheets=[stylesheet])
    return pdf


def quote_filename(quote: Quote) -> str:
    """The PDF's file name: quote-Q-2026-00042.pdf, quote-Q-2026-00042-2.pdf for the second revision."""
    suffix = f"-{quote.revision}" if quote.revision > 1 else ""
    return f"quote-{quote.number}{suffix}.pdf"
