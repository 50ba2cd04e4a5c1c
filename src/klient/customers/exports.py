"""Exports of the company and contact lists: CSV (UTF-8 with BOM, for Excel), XLSX and vCard 3.0.

Every export starts from the visible queryset and the list's own filter, leaves the commercial terms out
for users without `view_commercial_terms`, and uses the field codes the import accepts, so an exported
file imports back without changes. Cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import vobject
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import F, Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from klient.core.models import Tag, User
from klient.customers.filters import CompanyFilter, ContactFilter
from klient.customers.models import Company, Contact
from klient.customers.selectors import can_see_commercial_terms, company_list

CHUNK_SIZE = 2000
# A spreadsheet reads a cell starting with one of these as a formula (tab and CR hide the sign).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The same field codes the import accepts (so an export imports back), plus tags and the review date;
# commercial terms are added only for who may see them.
_BASIC_FIELDS = [name for name in Company.AUDITED_FIELDS if name not in Company.COMMERCIAL_FIELDS]
COMPANY_COLUMNS = [
    "id",
    *_BASIC_FIELDS[: _BASIC_FIELDS.index("parent") + 1],
    "tags",
    *_BASIC_FIELDS[_BASIC_FIELDS.index("parent") + 1 :],
    "card_reviewed_at",
]
CONTACT_COLUMNS = [
    "id",
    "company",
    "company_tax_id",
    "first_name",
    "middle_name",
    "last_name",
    "position",
    "buying_role",
    "email",
    "other_emails",
    "phone",
    "mobile",
    "other_phones",
    "birthday",
    "language",
    "preferred_channel",
    "marketing_consent",
    "marketing_consent_at",
    "marketing_consent_source",
    "left_on",
    "external_id",
]


# ----------------------------------------------------------------------------------------------------------
# Rows


def company_columns(*, with_terms: bool) -> list[str]:
    """The company export's columns; the commercial ones only for users who may see them."""
    return [*COMPANY_COLUMNS, *(Company.COMMERCIAL_FIELDS if with_terms else ())]


def company_export_queryset(queryset: QuerySet[Company]) -> QuerySet[Company]:
    """What a company row needs, fetched with the company (tags once per chunk)."""
    return queryset.select_related("owner", "team", "parent", "price_type").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("key"))
    )


def company_row(company: Company, columns: list[str]) -> list[Any]:
    """The company's values for the columns, as Python values (None for an empty cell)."""
    special: dict[str, Callable[[Company], Any]] = {
        "country": lambda c: str(c.country or ""),
        "owner": lambda c: c.owner.username if c.owner else "",
        "team": lambda c: c.team.name if c.team else "",
        "parent": lambda c: c.parent.name if c.parent else "",
        "price_type": lambda c: c.price_type.name if c.price_type else "",
        "tags": lambda c: ", ".join(tag.name for tag in c.tags.all()),
    }
    return [special[name](company) if name in special else getattr(company, name) for name in columns]


def contact_export_queryset(queryset: QuerySet[Contact]) -> QuerySet[Contact]:
    """What a contact row needs, fetched with the contact."""
    return queryset.select_related("company")


def contact_row(contact: Contact) -> list[Any]:
    """The contact's values in CONTACT_COLUMNS order."""
    special: dict[str, Callable[[Contact], Any]] = {
        "company": lambda c: c.company.name,
        "company_tax_id": lambda c: c.company.tax_id,
        "other_emails": lambda c: ", ".join(c.other_emails or []),
        "other_phones": lambda c: ", ".join(phone.get("value", "") for phone in c.other_phones or []),
    }
    return [special[name](contact) if name in special else getattr(contact, name) for name in CONTACT_COLUMNS]


# ----------------------------------------------------------------------------------------------------------
# Cells


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return text.startswith(FORMULA_PREFIXES)


def csv_text(value: Any) -> str:
    """A value as CSV text; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """A value as an XLSX cell: numbers and dates typed, text always text (never a formula)."""
    if value is None or (isinstance(value, int | decimal.Decimal) and not isinstance(value, bool)):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        # Excel has no time zones: the user's local time.
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, datetime.date):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if text.startswith("=") or text in ERROR_CODES:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text, UTF-8 with a byte-order mark so that Excel reads the encoding right."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_text(value) for value in row])


def xlsx_file(header: list[str], rows: Iterable[list[Any]], *, title: str) -> Any:
    """An XLSX workbook in a temporary file: write-only, so memory stays flat whatever the row count."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title)
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    workbook.save(output)
    output.seek(0)
    return output


def csv_response(header: list[str], rows: Iterable[list[Any]], *, filename: str) -> StreamingHttpResponse:
    """A table as a CSV download (csv_lines), streamed row by row."""
    lines = csv_lines(header, rows)
    return _attachment(StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8"), filename)


def xlsx_response(header: list[str], rows: Iterable[list[Any]], *, title: str, filename: str) -> FileResponse:
    """A table as an Excel download (xlsx_file): one sheet named `title`."""
    output = xlsx_file(header, rows, title=title)
    return _attachment(FileResponse(output, content_type=XLSX_CONTENT_TYPE), filename)


def contact_vcard(contact: Contact) -> str:
    """One contact as a vCard 3.0."""
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name, given=contact.first_name, additional=contact.middle_name
    )
    card.add("fn").value = contact.full_name or contact.email or contact.company.name
    card.add("org").value = [contact.company.name]
    if contact.position:
        card.add("title").value = contact.position
    for index, email in enumerate([contact.email, *(contact.other_emails or [])]):
        if email:
            line = card.add("email")
            line.value = email
            line.type_paramlist = ["INTERNET", "PREF"] if index == 0 else ["INTERNET"]
    phones = [(contact.phone, ["WORK", "VOICE"]), (contact.mobile, ["CELL"])]
    phones += [(phone.get("value", ""), ["VOICE"]) for phone in contact.other_phones or []]
    for number, types in phones:
        if number:
            line = card.add("tel")
            line.value = number
            line.type_paramlist = types
    if contact.birthday:
        card.add("bday").value = contact.birthday.isoformat()
    if contact.language:
        card.add("x-klient-language").value = contact.language
    card.add("uid").value = f"klient-contact-{contact.pk}"
    card.add("rev").value = contact.updated_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text: str = card.serialize()
    return text


# ----------------------------------------------------------------------------------------------------------
# Views


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _ordering(fields: list[str], model: type[Company] | type[Contact]) -> list[Any]:
    # The list's order; rows without a value in a nullable sort field come last, as on the list page.
    ordering: list[Any] = []
    for name in fields:
        bare = name.lstrip("-")
        if getattr(model._meta.get_field(bare), "null", False):
            expression = F(bare)
            ordering.append(
                expression.desc(nulls_last=True) if name.startswith("-") else expression.asc(nulls_last=True)
            )
        else:
            ordering.append(name)
    return ordering


def _filtered_companies(request: HttpRequest) -> QuerySet[Company]:
    # The list page's own filter, so an export holds exactly the rows the list shows (or the selection).
    user = _user(request)
    company_filter = CompanyFilter.from_query(request.GET)
    queryset = company_filter.apply(company_list(user=user), username=user.username)
    return company_export_queryset(queryset.order_by(*_ordering(company_filter.ordering, Company)))


def _filtered_contacts(request: HttpRequest) -> QuerySet[Contact]:
    user = _user(request)
    contact_filter = ContactFilter.from_query(request.GET)
    queryset = contact_filter.apply(Contact.objects.visible_to(user), username=user.username)
    return contact_export_queryset(queryset.order_by(*_ordering(contact_filter.ordering, Contact)))


def _attachment(response: Any, filename: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _company_rows(request: HttpRequest) -> tuple[list[str], Iterator[list[Any]]]:
    columns = company_columns(with_terms=can_see_commercial_terms(_user(request)))
    queryset = _filtered_companies(request)
    rows = (company_row(company, columns) for company in queryset.iterator(chunk_size=CHUNK_SIZE))
    return columns, rows


def _contact_rows(request: HttpRequest) -> Iterator[list[Any]]:
    return (contact_row(contact) for contact in _filtered_contacts(request).iterator(chunk_size=CHUNK_SIZE))


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_export_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered, visible companies as CSV; commercial terms only with the permission."""
    columns, rows = _company_rows(request)
    return csv_response(columns, rows, filename="companies.csv")


@login_required
@permission_required("customers.view_company", raise_exception=True)
def company_export_xlsx_view(request: HttpRequest) -> FileResponse:
    """The filtered, visible companies as an Excel workbook."""
    columns, rows = _company_rows(request)
    return xlsx_response(columns, rows, title="companies", filename="companies.xlsx")


@login_required
@permission_required("customers.view_contact", raise_exception=True)
def contact_export_csv_view(request: HttpRequest) -> StreamingHttpResponse:
    """The visible contacts (of one company with `?company=`) as CSV."""
    return csv_response(CONTACT_COLUMNS, _contact_rows(request), filename="contacts.csv")


@login_required
@permission_required("customers.view_contact", raise_exception=True)
def contact_export_xlsx_view(request: HttpRequest) -> FileResponse:
    """The visible contacts as an Excel workbook."""
    return xlsx_response(CONTACT_COLUMNS, _contact_rows(request), title="contacts", filename="contacts.xlsx")


@login_required
@permission_required("customers.view_contact", raise_exception=True)
def contact_export_vcf_view(request: HttpRequest) -> StreamingHttpResponse:
    """The visible contacts as vCard 3.0, one card after another."""
    cards = (
        contact_vcard(contact) for contact in _filtered_contacts(request).iterator(chunk_size=CHUNK_SIZE)
    )
    response = StreamingHttpResponse(cards, content_type="text/vcard; charset=utf-8")
    return _attachment(response, "contacts.vcf")
