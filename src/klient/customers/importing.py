"""The import engine: companies and contacts from CSV, XLSX and vCard files, streamed in batches.

One pass over the file. Each row is checked by a fast validator that mirrors the models' rules (no
`full_clean` per row); each batch of rows costs one query for the records it may match (by the normal
forms of tax id, name and country, website domain, email) and, for new records, one `bulk_create` of
the records and one of their audit entries, in one transaction. Duplicates within the file are found
through a compact in-memory index of the rows already accepted (hashes, not strings), so memory stays
flat at a million rows and a dry run finds exactly what the real run finds without writing anything.
Rows matched by `key` are changed through the services (`company_update`, `contact_update`): audited,
versioned, visible records only.
"""

from __future__ import annotations

import array
import bisect
import contextlib
import csv
import datetime
import decimal
import functools
import gc
import itertools
import json
import multiprocessing
import os
import re
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klient.catalog.models import PriceList
from klient.core.audit import _plain
from klient.core.exceptions import NotAllowed, VersionConflict
from klient.core.models import AuditAction, AuditEntry, Role, Team, User
from klient.core.search import fold
from klient.customers import services
from klient.customers.derive import company_derived, company_derived_rest, company_keys
from klient.customers.models import (
    BuyingRole,
    Channel,
    Company,
    CompanySize,
    CompanySource,
    CompanyStatus,
    Contact,
    ImportKind,
)
from klient.customers.normalize import name_key, person_key, phone_e164, tax_id_key, website_domain
from klient.customers.readers import Table, UnreadableFile, count_csv_records, open_table
from klient.customers.selectors import can_see_commercial_terms

# Rows checked and written together, in one transaction: larger batches write each page of the indexes
# fewer times (measured at 100,000 rows: 2,500 rows a batch import 10% faster than 1,000).
BATCH_SIZE = 2500
PROGRESS_EVERY = 2000
# SQLite's page cache during an import, in KiB (the default is 2 MiB): the indexes of a large table
# are written all over, and pages found in the cache are not read again.
SQLITE_IMPORT_CACHE_KIB = 32768
# The summary lists this many errors and duplicates at most (the rejected-rows file has every one).
MAX_LISTED = 10_000

# Fields a row holds as an id (the price list's), written as the model's attribute of that name.
ATTRIBUTES = {"price_type": "price_type_id"}
# Every audited company field but the parent (a parent is chosen on the card, not matched from a file).
COMPANY_FIELD_NAMES = ["id", *(name for name in Company.AUDITED_FIELDS if name != "parent")]
CONTACT_FIELD_NAMES = [
    "id",
    "company",
    "company_tax_id",
    "full_name",
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
    "marketing_consent_source",
    "left_on",
    "external_id",
]
_EXTRA_LABELS = {
    "id": gettext_lazy("Klient id"),
    "company_tax_id": gettext_lazy("company tax id"),
    "full_name": gettext_lazy("full name"),
}
# Fields whose values from several columns are joined rather than the first one taken.
LIST_FIELDS = {"other_phones", "other_emails"}
# Fields a row can be matched by, to update the record (`--key`).
COMPANY_KEYS = ("id", "external_id", "tax_id", "registration_number", "email", "phone", "website", "name")
CONTACT_KEYS = ("id", "external_id", "email", "phone", "name")


def _label(model: type[models.Model], name: str) -> Any:
    if name in _EXTRA_LABELS:
        return _EXTRA_LABELS[name]
    return model._meta.get_field(name).verbose_name  # type: ignore[union-attr]


IMPORT_FIELDS: dict[str, list[tuple[str, str]]] = {
    ImportKind.COMPANIES.value: [(name, _label(Company, name)) for name in COMPANY_FIELD_NAMES],
    ImportKind.CONTACTS.value: [(name, _label(Contact, name)) for name in CONTACT_FIELD_NAMES],
}

# Common header names in exports (separated by " | ") (Excel, Outlook, Salesforce, HubSpot, 1C, Polish/Balkan ERPs) in the
# product's languages. Compared folded, without spaces and punctuation. Field codes and the fields'
# translated names are recognised as well.
_COMMON_HEADERS: dict[str, dict[str, str]] = {
    "companies": {
        "name": (
            "Company | Company Name | Account Name | Account | Organization | Organisation | "
            "Organization Name | Customer | Customer Name | Client | Client Name | Business Name | "
            "Nazwa | Nazwa firmy | Firma | Klient | Kontrahent | Nazwa klienta | Naziv | Naziv firme | "
            "Naziv kupca | Tvrtka | Kompanija | Preduzeće | Poduzeće | Kupac | Наименование | "
            "Название | Компания | Организация | Контрагент | Клиент | Наименование организации | "
            "Название компании | 公司名称 | 公司 | 名称 | 客户名称 | 客户 | 企业名称 | 单位名称 | Անվանում | Ընկերություն | "
            "Կազմակերպություն | Ընկերության անվանում"
        ),
        "legal_name": (
            "Legal Name | Full Legal Name | Registered Name | Pełna nazwa | Nazwa pełna | Puni naziv | "
            "Полное наименование | Юридическое наименование | Юр. наименование | 法定名称 | 公司全称 | "
            "Իրավաբանական անվանում"
        ),
        "tax_id": (
            "Tax ID | Tax Number | VAT | VAT Number | VAT ID | VAT No | TIN | EIN | NIP | NIP firmy | "
            "PIB | OIB | JIB | IDB | PDV broj | ИНН | УНП | БИН | 税号 | 纳税人识别号 | 统一社会信用代码 | ՀՎՀՀ"
        ),
        "registration_number": (
            "Registration Number | Registration No | Company Number | Reg No | REGON | KRS | MBS | "
            "Matični broj | Registarski broj | ОГРН | Регистрационный номер | 注册号 | 工商注册号 | "
            "Գրանցման համար"
        ),
        "country": "Country | Country Code | Billing Country | Kraj | Država | Страна | 国家 | 国家/地区 | Երկիր",
        "city": (
            "City | Town | Billing City | Miasto | Miejscowość | Grad | Mjesto | Mesto | Город | "
            "Населенный пункт | 城市 | Քաղաք"
        ),
        "legal_address": (
            "Legal Address | Registered Address | Address | Street | Adres | Adres siedziby | Ulica | "
            "Adresa | Sjedište | Sedište | Юридический адрес | Адрес | 地址 | 注册地址 | Հասցե | "
            "Իրավաբանական հասցե"
        ),
        "billing_address": (
            "Billing Address | Billing Street | Invoice Address | Adres do faktury | "
            "Adres korespondencyjny | Adresa za fakturu | Адрес для счетов | Почтовый адрес | 账单地址 | "
            "Վճարման հասցե"
        ),
        "delivery_address": (
            "Delivery Address | Shipping Address | Shipping Street | Adres dostawy | Adresa isporuke | "
            "Адрес доставки | Фактический адрес | 送货地址 | 收货地址 | Առաքման հասցե"
        ),
        "phone": (
            "Phone | Phone Number | Telephone | Tel | Business Phone | Main Phone | Company Phone | "
            "Office Phone | Work Phone | Telefon | Nr telefonu | Numer telefonu | Broj telefona | "
            "Телефон | Тел | Тел. | Рабочий телефон | 电话 | 联系电话 | 电话号码 | 办公电话 | Հեռախոս | "
            "Հեռախոսահամար"
        ),
        "other_phones": (
            "Other Phones | Other Phone | Phone 2 | Fax | Mobile | Mobile Phone | Telefon 2 | Faks | "
            "Факс | Доп. телефон | Мобильный | 传真 | 手机 | Ֆաքս"
        ),
        "email": (
            "Email | E-mail | Email Address | E-mail Address | Mail | Adres e-mail | E-pošta | "
            "Email adresa | Эл. почта | Электронная почта | Почта | E-mail адрес | 电子邮件 | 邮箱 | 电子邮箱 | "
            "Էլ. փոստ | Էլփոստ"
        ),
        "website": (
            "Website | Web Site | Web | WWW | URL | Homepage | Web Page | Strona www | "
            "Strona internetowa | Web stranica | Web stranica | Сайт | Веб-сайт | 网站 | 网址 | Կայք"
        ),
        "industry": (
            "Industry | Sector | Branża | Industrija | Djelatnost | Delatnost | Отрасль | "
            "Сфера деятельности | 行业 | Ոլորտ"
        ),
        "size": "Size | Company Size | Employees | Wielkość | Veličina | Размер | 规模",
        "segment": "Segment | Сегмент | 细分",
        "status": "Status | Статус | 状态 | Կարգավիճակ",
        "status_reason": "Status Reason",
        "source": "Source | Lead Source | Źródło | Izvor | Источник | 来源 | Աղբյուր",
        "owner": (
            "Owner | Account Owner | Manager | Account Manager | Opiekun | Właściciel | Vlasnik | "
            "Menadžer | Ответственный | Менеджер | 负责人 | 客户经理 | Պատասխանատու"
        ),
        "team": "Team | Zespół | Tim | Команда | 团队 | Թիմ",
        "document_language": "Language | Document Language | Język | Jezik | Язык | 语言",
        "document_currency": "Currency | Waluta | Valuta | Валюта | 货币 | Արժույթ",
        "is_key_account": "Key Account | Kluczowy klient | Ključni kupac | Ключевой клиент | 重点客户",
        "external_id": (
            "External ID | ERP ID | Account ID | Customer ID | Customer Number | Kod | Kod klienta | "
            "Šifra | Šifra kupca | Код | Код клиента | 客户编号 | 编号 | Կոդ"
        ),
        "price_type": "Price Type | Price List | Cennik | Typ ceny | Vrsta cijene | Тип цены | 价格类型",
        "payment_terms_days": (
            "Payment Terms | Payment Terms Days | Termin płatności | Rok plaćanja | Отсрочка платежа | "
            "Срок оплаты | 付款期限 | 账期"
        ),
        "credit_limit": "Credit Limit | Limit kredytowy | Kreditni limit | Кредитный лимит | 信用额度",
        "discount_percent": "Discount | Discount % | Rabat | Popust | Скидка | 折扣",
    },
    "contacts": {
        "company": (
            "Company | Company Name | Account Name | Account | Organization | Organisation | Firma | "
            "Nazwa firmy | Naziv firme | Tvrtka | Kompanija | Компания | Организация | Контрагент | "
            "公司 | 公司名称 | 单位 | Ընկերություն"
        ),
        "company_tax_id": "Company Tax ID | Tax ID | VAT | NIP | PIB | OIB | ИНН | 税号 | ՀՎՀՀ",
        "full_name": (
            "Name | Full Name | Contact | Contact Name | Display Name | Imię i nazwisko | "
            "Ime i prezime | ФИО | Контактное лицо | 姓名 | 联系人 | Անուն ազգանուն"
        ),
        "first_name": "First Name | Given Name | Firstname | Imię | Ime | Имя | 名 | 名字 | Անուն",
        "middle_name": "Middle Name | Second Name | Drugie imię | Отчество | Հայրանուն",
        "last_name": (
            "Last Name | Surname | Family Name | Lastname | Nazwisko | Prezime | Фамилия | 姓 | 姓氏 | "
            "Ազգանուն"
        ),
        "position": (
            "Job Title | Title | Position | Stanowisko | Pozicija | Radno mjesto | Funkcija | "
            "Должность | 职位 | 职务 | Պաշտոն"
        ),
        "buying_role": "Buying Role | Role | Rola | Uloga | Роль | 角色",
        "email": (
            "E-mail Address | Email | E-mail | Email Address | Mail | Adres e-mail | E-pošta | "
            "Эл. почта | Электронная почта | Почта | 电子邮件 | 邮箱 | Էլ. փոստ"
        ),
        "other_emails": "Other Emails | E-mail 2 Address | E-mail 3 Address | Email 2 | Email 3",
        "phone": (
            "Business Phone | Phone | Phone Number | Telephone | Work Phone | Tel | Telefon | "
            "Telefon służbowy | Телефон | Рабочий телефон | 电话 | 办公电话 | Հեռախոս"
        ),
        "mobile": (
            "Mobile Phone | Mobile | Cell | Cell Phone | Komórka | Telefon komórkowy | Mobitel | "
            "Mobilni | Мобильный | Мобильный телефон | Сотовый | 手机 | 移动电话 | Բջջային"
        ),
        "other_phones": (
            "Other Phones | Other Phone | Home Phone | Business Phone 2 | Phone 2 | Fax | "
            "Business Fax | Домашний телефон | Факс | 传真"
        ),
        "birthday": (
            "Birthday | Date of Birth | Birth Date | Data urodzenia | Datum rođenja | День рождения | "
            "Дата рождения | 生日 | 出生日期 | Ծննդյան օր"
        ),
        "language": "Language | Język | Jezik | Язык | 语言 | Լեզու",
        "preferred_channel": "Preferred Channel",
        "marketing_consent": "Marketing Consent | Zgoda marketingowa | Согласие на рассылку",
        "marketing_consent_source": "Consent Source",
        "left_on": "Left On | Left the Company",
        "external_id": "External ID | Contact ID",
    },
}


def _header_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


_ALIASES: dict[str, dict[str, str]] = {}


def _aliases(kind: str) -> dict[str, str]:
    """Folded header → field code, for one kind: common names first, then codes and translated names."""
    if kind not in _ALIASES:
        table: dict[str, str] = {}
        for code, names in _COMMON_HEADERS[kind].items():
            for name in names.split(" | "):
                table.setdefault(_header_key(name), code)
        for code, label in IMPORT_FIELDS[kind]:
            table.setdefault(_header_key(code), code)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    table.setdefault(_header_key(str(label)), code)
        _ALIASES[kind] = table
    return _ALIASES[kind]


def guess_columns(kind: str, headers: list[str]) -> dict[str, str]:
    """{header: field} for the columns recognised by name ("" for the others); each field once."""
    aliases = _aliases(kind)
    result: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        key = _header_key(header)
        code = aliases.get(key) or aliases.get(re.sub(r"\d+", "", key), "")
        if code and re.search(r"\d", key) and code in {"email", "phone"} and key not in aliases:
            code = "other_emails" if code == "email" else "other_phones"  # "E-mail 2", "Phone 3"
        if code in taken:
            code = ""
        if code:
            taken.add(code)
        result[header] = code
    return result


def import_fields(kind: str, user: User) -> list[tuple[str, str]]:
    """The fields a column can map to for this user (commercial terms only with their permission)."""
    hidden = set() if can_see_commercial_terms(user) else set(Company.COMMERCIAL_FIELDS)
    return [(code, label) for code, label in IMPORT_FIELDS[kind] if code not in hidden]


@dataclass
class ImportOptions:
    """What to import and how: the kind, the key to update by, the column mapping, dry run, all-or-nothing."""

    kind: str
    key: str = ""
    columns: dict[str, str] | None = None
    dry_run: bool = False
    atomic: bool = False


@dataclass
class ImportResult:
    """The summary the command line prints and an import job keeps."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """{"created", "updated", "unchanged", "skipped", "errors", "duplicates"}."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "errors": list(self.errors),
            "duplicates": list(self.duplicates),
        }


class ImportOptionsError(UnreadableFile):
    """The options cannot be used with this file (an unknown field, no column for the name, a bad key)."""


class _Invalid(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


# Values --------------------------------------------------------------------------------------------


class _EmailValidator(EmailValidator):
    """Django's check of an email address with its patterns compiled at once: Django compiles them lazily,
    behind a proxy whose every call costs more than the match itself (imports check millions)."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags)
    literal_regex = re.compile(EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags)


_email_validator = _EmailValidator()
_TRUE = {
    "1",
    "true",
    "yes",
    "y",
    "x",
    "+",
    "tak",
    "t",
    "da",
    "д",
    "да",
    "是",
    "այո",
    "ja",
    "oui",
    "si",
    "✓",
    "✔",
}
_FALSE = {"0", "false", "no", "n", "-", "nie", "ne", "нет", "н", "否", "ոչ", "nein", "non"}
_lookups: dict[str, dict[str, str]] = {}


def _choice_lookup(name: str, pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Folded codes and labels (in every language of the installation) → code."""
    if name not in _lookups:
        pairs = list(pairs)
        table: dict[str, str] = {}
        for code, _label_text in pairs:
            table[fold(str(code))] = str(code)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, label in pairs:
                    table.setdefault(fold(str(label)), str(code))
        _lookups[name] = table
    return _lookups[name]


def _countries() -> dict[str, str]:
    if "country" not in _lookups:
        from django_countries import countries

        table: dict[str, str] = {}
        for code, _name in countries:
            table[code.lower()] = code
            alpha3 = countries.alpha3(code)
            if alpha3:
                table.setdefault(alpha3.lower(), code)
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, name in countries:
                    table.setdefault(fold(str(name)), code)
        _lookups["country"] = table
    return _lookups["country"]


def _text(limit: int | None) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if limit is not None and len(value) > limit:
            raise _Invalid(
                _("“%(value)s…” is too long: at most %(limit)d characters.")
                % {"value": value[:30], "limit": limit}
            )
        return value

    return parse


def _email(value: str) -> str:
    value = value.lower()
    try:
        _email_validator(value)
    except ValidationError:
        raise _Invalid(_("“%(value)s” is not an email address.") % {"value": value}) from None
    if len(value) > 254:
        raise _Invalid(
            _("“%(value)s…” is too long: at most %(limit)d characters.") % {"value": value[:30], "limit": 254}
        )
    return value


def _emails(value: str) -> str:
    for email in re.split(r"[,;\s]+", value):
        if email:
            _email(email)
    return value


def _country(value: str) -> str:
    code = _countries().get(fold(value)) or _countries().get(value.lower())
    if code is None:
        raise _Invalid(
            _("“%(value)s” is not a country: give its two-letter code (such as PL) or its name.")
            % {"value": value}
        )
    return code


def _choice(name: str, choices: Any, what: Any) -> Callable[[str], str]:
    def parse(value: str) -> str:
        code = _choice_lookup(name, choices.choices).get(fold(value))
        if code is None:
            raise _Invalid(
                _("“%(value)s” is not a valid %(field)s; choose one of: %(choices)s.")
                % {
                    "value": value,
                    "field": what,
                    "choices": ", ".join(str(label) for _c, label in choices.choices),
                }
            )
        return code

    return parse


def _size(value: str) -> str:
    digits = value.replace(" ", "").replace("\u00a0", "")
    if digits.isdigit():
        count = int(digits)
        for limit, code in ((9, "1-9"), (49, "10-49"), (249, "50-249"), (999, "250-999")):
            if count <= limit:
                return code
        return "1000+"
    return _choice("size", CompanySize, _("size"))(value)


def _boolean(value: str) -> bool:
    folded = fold(value)
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _Invalid(_("“%(value)s” is neither yes nor no.") % {"value": value})


def _number_text(value: str) -> str:
    text = re.sub(r"[\s\u00a0'%]", "", value)
    if "," in text and "." in text:
        # The later separator is the decimal one: 1.234,56 or 1,234.56.
        thousands = "." if text.rindex(",") > text.rindex(".") else ","
        text = text.replace(thousands, "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    return text


def _decimal(
    max_digits: int, places: int, minimum: int, maximum: int | None
) -> Callable[[str], decimal.Decimal]:
    def parse(value: str) -> decimal.Decimal:
        try:
            number = decimal.Decimal(_number_text(value))
        except decimal.InvalidOperation:
            raise _Invalid(_("“%(value)s” is not a number.") % {"value": value}) from None
        if not number.is_finite():
            raise _Invalid(_("“%(value)s” is not a number.") % {"value": value})
        if number < minimum or (maximum is not None and number > maximum):
            raise _Invalid(
                _("%(value)s is out of range: give a number from %(minimum)s to %(maximum)s.")
                % {"value": value, "minimum": minimum, "maximum": maximum if maximum is not None else "…"}
            )
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            raise _Invalid(
                _("“%(value)s” has more than %(places)d decimal places.") % {"value": value, "places": places}
            )
        if len(number.quantize(decimal.Decimal(1)).as_tuple().digits) > max_digits - places:
            raise _Invalid(_("“%(value)s” is too large.") % {"value": value})
        return number

    return parse


def _payment_days(value: str) -> int:
    text = _number_text(value)
    if not text.isdigit() or int(text) > 365:
        raise _Invalid(
            _("%(value)s is out of range: give a number from %(minimum)s to %(maximum)s.")
            % {"value": value, "minimum": 0, "maximum": 365}
        )
    return int(text)


def _currency(value: str) -> str:
    code = value.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise _Invalid(
            _("“%(value)s” is not a currency code (three letters, such as EUR).") % {"value": value}
        )
    return code


def _language(value: str) -> str:
    code = _choice_lookup("language", settings.LANGUAGES).get(fold(value))
    if code is None:
        code = _choice_lookup("language", settings.LANGUAGES).get(fold(value.replace("_", "-").split("-")[0]))
    if code is None:
        raise _Invalid(
            _("“%(value)s” is not one of the languages of this installation (%(languages)s).")
            % {"value": value, "languages": ", ".join(code for code, _name in settings.LANGUAGES)}
        )
    return code


_EMPTY_DATES = {"0/0/00", "0/0/0000", "00.00.0000", "0000-00-00", "00/00/0000"}


def _date(value: str) -> datetime.date | None:
    text = value.strip()
    if text in _EMPTY_DATES:
        return None
    if text.startswith("--"):
        raise _Invalid(_("“%(value)s” has no year; give the date with its year.") % {"value": value})
    text = text.split(" ")[0].split("T")[0]
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    try:
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
        match = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})", text)
        if match:
            first, second, year = int(match[1]), int(match[3]), int(match[4])
            # Day first, as in the countries Klient serves, unless that cannot be (US exports: 12/31/1980).
            if match[2] == "/" and second > 12 >= first:
                first, second = second, first
            return datetime.date(year, second, first)
    except ValueError:
        pass
    raise _Invalid(_("“%(value)s” is not a date (write it as 2024-12-31 or 31.12.2024).") % {"value": value})


def _max_length(model: type[models.Model], name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _company_parsers() -> dict[str, Callable[[str], Any]]:
    parsers: dict[str, Callable[[str], Any]] = {
        name: _text(_max_length(Company, name))
        for name in COMPANY_FIELD_NAMES
        if name not in {"id", "owner", "team"}
    }
    parsers.update(
        {
            "id": _integer_id,
            "email": _email,
            "country": _country,
            "size": _size,
            "status": _choice("status", CompanyStatus, _("status")),
            "source": _choice("source", CompanySource, _("source")),
            "is_key_account": _boolean,
            "document_language": _language,
            "document_currency": _currency,
            "payment_terms_days": _payment_days,
            "credit_limit": _decimal(14, 2, 0, None),
            "discount_percent": _decimal(5, 2, 0, 100),
            "owner": _text(150),
            "team": _text(100),
        }
    )
    return parsers


def _contact_parsers() -> dict[str, Callable[[str], Any]]:
    parsers: dict[str, Callable[[str], Any]] = {
        name: _text(_max_length(Contact, name))
        for name in CONTACT_FIELD_NAMES
        if name not in {"id", "company", "company_tax_id", "full_name", "other_emails", "other_phones"}
    }
    parsers.update(
        {
            "id": _integer_id,
            "company": _text(200),
            "company_tax_id": _text(50),
            "full_name": _text(300),
            "email": _email,
            "other_emails": _emails,
            "other_phones": _text(1000),
            "buying_role": _choice("buying_role", BuyingRole, _("buying role")),
            "preferred_channel": _choice("preferred_channel", Channel, _("preferred channel")),
            "language": _language,
            "birthday": _date,
            "left_on": _date,
            "marketing_consent": _boolean,
        }
    )
    return parsers


def _integer_id(value: str) -> int:
    if not value.isdigit():
        raise _Invalid(_("“%(value)s” is not a Klient id (a whole number).") % {"value": value})
    return int(value)


def _split_full_name(value: str) -> tuple[str, str, str]:
    """First, middle and last name from one cell: "Петров Иван Иванович" (Russian order), "Jan Kowalski"."""
    words = value.split()
    if len(words) == 1:
        return "", "", words[0]
    if (
        len(words) == 3
        and re.search(r"[\u0400-\u04ff]", value)
        and re.search(r"(вич|вна|ична|чна)$", words[2])
    ):
        return words[1], words[2], words[0]
    return " ".join(words[:-1]), "", words[-1]


# The index of accepted rows ------------------------------------------------------------------------


class RowIndex:
    """Which earlier row of the file carried a key: an open-addressing table of 64-bit key hashes and
    row numbers in two arrays (12 bytes a slot), so a million rows' keys fit in tens of megabytes.
    (Two different keys with the same 64-bit hash would pass for one: about one chance in 10^7 at a
    million rows.)"""

    def __init__(self, capacity: int = 1 << 14) -> None:
        self._hashes = array.array("q", bytes(8 * capacity))
        self._rows = array.array("i", bytes(4 * capacity))
        self._capacity = capacity
        self._size = 0

    @staticmethod
    def _hash(key: Any) -> int:
        value = hash(key)
        return value or 1  # 0 marks an empty slot

    def get(self, key: Any) -> int | None:
        """The first row that carried the key, or None."""
        digest = self._hash(key)
        slot = digest % self._capacity
        hashes = self._hashes
        while True:
            stored = hashes[slot]
            if stored == 0:
                return None
            if stored == digest:
                return self._rows[slot]
            slot = (slot + 1) % self._capacity

    def add(self, key: Any, row: int) -> None:
        """Remember the row for the key (an earlier row keeps it)."""
        if (self._size + 1) * 4 > self._capacity * 3:
            self._grow()
        digest = self._hash(key)
        slot = digest % self._capacity
        while True:
            stored = self._hashes[slot]
            if stored == 0:
                self._hashes[slot] = digest
                self._rows[slot] = row
                self._size += 1
                return
            if stored == digest:
                return
            slot = (slot + 1) % self._capacity

    def _grow(self) -> None:
        old_hashes, old_rows = self._hashes, self._rows
        self._capacity = self._capacity * 3 // 2
        self._hashes = array.array("q", bytes(8 * self._capacity))
        self._rows = array.array("i", bytes(4 * self._capacity))
        capacity, hashes, rows = self._capacity, self._hashes, self._rows
        for digest, row in zip(old_hashes, old_rows, strict=True):
            if digest:
                slot = digest % capacity
                while hashes[slot]:
                    slot = (slot + 1) % capacity
                hashes[slot] = digest
                rows[slot] = row


class _CreatedIds:
    """Ids of the records this import created, with their rows (ids rise, so two arrays and bisect)."""

    def __init__(self) -> None:
        self.ids = array.array("q")
        self.rows = array.array("l")
        self.others: dict[int, int] = {}

    def add(self, record_id: int, row: int) -> None:
        if self.ids and record_id <= self.ids[-1]:
            self.others[record_id] = row
            return
        self.ids.append(record_id)
        self.rows.append(row)

    def row_of(self, record_id: int) -> int | None:
        index = bisect.bisect_left(self.ids, record_id)
        if index < len(self.ids) and self.ids[index] == record_id:
            return self.rows[index]
        return self.others.get(record_id)


# The engine ----------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    cells: list[str]
    values: dict[str, Any]
    keys: dict[str, str] | None = None  # the compared forms (company_keys), computed once
    derived: dict[str, str] | None = None  # every derived field, when the second process computed them
    changes: str | None = None  # its history entry as JSON, but for owner and team (second process)


class _Importer:
    """What companies and contacts share: the batch loop, the result, the rejected rows, the index."""

    model: type[models.Model]
    keys: tuple[str, ...]

    def __init__(
        self,
        *,
        table: Table,
        actor: User,
        options: ImportOptions,
        columns: dict[str, str],
        rejected_csv: IO[str] | None,
    ) -> None:
        self.table = table
        self.actor = actor
        self.options = options
        self.result = ImportResult()
        self.index = RowIndex()
        self.created_ids = _CreatedIds()
        self.may_set_commercial = can_see_commercial_terms(actor)
        self.writing = not options.dry_run
        self.content_type = ContentType.objects.get_for_model(self.model)
        self.audit_plan = _audit_plan(self.model)
        self.audit_writer = TableWriter(AuditEntry)
        self.choice_labels: dict[tuple[str, Any], str | None] = {}  # display names by field and value
        self.yes = str(_("Yes"))
        self.derive_early = False  # derive every row while parsing it (in the second process)
        self.derive_fully = True  # and its search words too (see _Sharing)
        parsers = self.parsers()
        positions = {header: position for position, header in enumerate(table.headers)}
        self.plan: list[tuple[int, str, Callable[[str], Any]]] = [
            (positions[header], code, parsers[code])
            for header, code in columns.items()
            if code and header in positions
        ]
        self.mapped = {code for _position, code, _parser in self.plan}
        self.rejected = csv.writer(rejected_csv) if rejected_csv is not None else None
        if self.rejected is not None:
            self.rejected.writerow([*table.headers, "row", "field", "reason"])

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        raise NotImplementedError

    # rows

    def parse(self, number: int, cells: list[str]) -> _Row | None:
        """A row's values ready for its batch, or None when it was rejected."""
        outcome = self.parse_plain(number, cells)
        if isinstance(outcome, list):
            self.reject(number, cells, outcome)
            return None
        return self.resolve(outcome)

    def parse_plain(self, number: int, cells: list[str]) -> _Row | list[tuple[str, str]]:
        """A row's values, or its errors (field, message), read without the database: this part may run
        in the second process (see _prepare_rows)."""
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for position, code, parser in self.plan:
            raw = cells[position].strip() if position < len(cells) else ""
            if not raw:
                continue
            if raw[0] == "'" and raw[1:2] in ("=", "+", "-", "@"):
                raw = raw[1:]  # an export's guard against formulas ('+48 22 …), not part of the value
            if code in values and code not in LIST_FIELDS:
                continue  # several columns for one field: the first filled one counts
            if code in Company.COMMERCIAL_FIELDS and not self.may_set_commercial:
                errors.append((code, _("You may not set commercial terms.")))
                continue
            try:
                value = parser(raw)
            except _Invalid as invalid:
                errors.append((code, invalid.message))
                continue
            if code in LIST_FIELDS and code in values:
                value = f"{values[code]}, {value}"
            values[code] = value
        if errors:
            return errors
        return _Row(number, cells, values)

    def resolve(self, row: _Row) -> _Row | None:
        """What a row needs from the database (owners, teams); None when that rejected it."""
        return row

    def reject(self, number: int, cells: list[str], errors: list[tuple[str, str]]) -> None:
        self.result.skipped += 1
        for code, message in errors:
            if len(self.result.errors) < MAX_LISTED:
                self.result.errors.append({"row": number, "field": code, "message": message})
        if self.rejected is not None:
            self.rejected.writerow(
                [*cells, number, "; ".join(code for code, _m in errors), "; ".join(m for _c, m in errors)]
            )

    def duplicate(self, row: _Row, matches: list[Any]) -> None:
        self.result.skipped += 1
        if len(self.result.duplicates) < MAX_LISTED:
            self.result.duplicates.append({"row": row.number, "matches": matches})
        if self.rejected is not None:
            reason = _("Duplicate of %(matches)s.") % {
                "matches": ", ".join(self.describe(match) for match in matches)
            }
            self.rejected.writerow([*row.cells, row.number, "", reason])

    def describe(self, match: Any) -> str:
        if isinstance(match, int):
            return _("%(record)s %(id)d") % {"record": self.model._meta.verbose_name, "id": match}
        return str(match)

    def matches_of(self, rows_seen: set[int], ids: Iterable[int]) -> list[Any]:
        """Records and earlier rows a row matched: ids of records this import did not touch, then "row N"."""
        earlier = set(rows_seen)
        others = set()
        for record_id in ids:
            row = self.created_ids.row_of(record_id)
            if row is None:
                row = self.index.get(("id", record_id))
            if row is None:
                others.add(record_id)
            else:
                earlier.add(row)
        return [*sorted(others), *(f"row {row}" for row in sorted(earlier))]

    def earlier_rows(self, keys: list[Any], ids: set[int], batch_keys: dict[Any, int]) -> set[int]:
        """Earlier rows of the file that carried one of the keys: rows not stored (the index), rows of
        this batch, and rows stored by this import whose records the database found by a key."""
        earlier = {found for key in keys if (found := self.index.get(key)) is not None}
        earlier.update(found for key in keys if (found := batch_keys.get(key)) is not None)
        earlier.update(row for record_id in ids if (row := self.created_ids.row_of(record_id)) is not None)
        return earlier

    def remember_new(self, keys: list[Any], number: int, batch_keys: dict[Any, int]) -> None:
        """Remember the keys of a row about to be stored: for this batch only, since later batches find its
        record in the database (so that a million rows' keys need not stay in memory); in the index when
        nothing is written (a dry run)."""
        if self.writing:
            for key in keys:
                batch_keys.setdefault(key, number)
        else:
            for key in keys:
                self.index.add(key, number)

    # the loop

    def run(
        self,
        rows: Iterator[tuple[int, list[str]]],
        progress: Callable[[int, int | None], None] | None,
        total: int | None,
        *,
        second_process: bool = False,
    ) -> None:
        done = 0
        reported = 0
        batches = self._batches_from_second_process(rows) if second_process else self._batches(rows)
        for read, parsed in batches:
            if self.options.atomic and self.result.skipped:
                self.writing = False  # nothing will be kept: check the rest without writing
            if parsed:
                with transaction.atomic() if self.writing else nullcontext():
                    self.run_batch(parsed)
            done += read
            if progress is not None and done - reported >= PROGRESS_EVERY:
                progress(done, total)
                reported = done
        if progress is not None and not (reported == done and total is not None):
            progress(done, total if total is not None else done)

    def _batches(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[_Row]]]:
        """(rows read, rows parsed) for each batch of the file."""
        rows = self._until_broken(rows)
        while batch := list(itertools.islice(rows, BATCH_SIZE)):
            yield (
                len(batch),
                [row for number, cells in batch if (row := self.parse(number, cells)) is not None],
            )

    def _batches_from_second_process(
        self, rows: Iterator[tuple[int, list[str]]]
    ) -> Iterator[tuple[int, list[_Row]]]:
        """The batches of `_batches`, read, parsed and derived by a second process while this one checks
        and writes the batch before: on a machine with two cores, the import takes about half the time.

        The second process is a fork of this one that never touches the database: it sends each batch's
        plain values (or errors) through a pipe, one batch ahead at most, so memory stays flat."""
        context = multiprocessing.get_context("fork")
        receiving, sending = context.Pipe(duplex=False)
        told, telling = context.Pipe(duplex=False)
        self.derive_early = True
        process = context.Process(target=_prepare_rows, args=(self, rows, sending, told), daemon=True)
        # Objects the collector would visit in the fork are set aside first: visiting them would copy
        # the memory pages they are on, which the two processes otherwise share.
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()
        sending.close()
        told.close()
        self.derive_early = False
        try:
            while True:
                waiting = time.perf_counter()
                try:
                    message = receiving.recv()
                except EOFError:
                    raise RuntimeError("The import's second process stopped unexpectedly.") from None
                with contextlib.suppress(BrokenPipeError):  # the second process may have stopped already
                    telling.send(time.perf_counter() - waiting)
                if message[0] == "end":
                    break
                if message[0] == "failed":
                    raise RuntimeError(f"The import's second process failed:\n{message[1]}")
                _kind, prepared, broken = message
                if broken is not None:
                    self.reject(broken[0], [], [("", broken[1])])
                parsed = []
                for number, cells, outcome in prepared:
                    if isinstance(outcome, list):
                        self.reject(number, cells, outcome)
                    else:
                        row = self.resolve(_Row(number, cells, *outcome))
                        if row is not None:
                            parsed.append(row)
                yield len(prepared), parsed
        finally:
            receiving.close()
            telling.close()
            if process.is_alive():
                process.terminate()
            process.join()

    def _until_broken(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        """The rows up to a place the file cannot be read past; that place is reported as a rejected row."""
        number = 0
        try:
            for number, cells in rows:
                yield number, cells
        except UnreadableFile as broken:
            self.reject(number + 1, [], [("", broken.message)])

    def run_batch(self, rows: list[_Row]) -> None:
        raise NotImplementedError

    def audit_created(self, records: list[Any], now: datetime.datetime) -> None:
        """Audit entries for new records (model instances)."""
        self.audit_new(
            [
                (
                    record.pk,
                    str(record),
                    self.create_changes(record.__dict__, functools.partial(getattr, record)),
                    record.company_id,
                )
                for record in records
            ],
            now,
        )

    def audit_new(
        self, entries: list[tuple[int, str, dict[str, Any] | str, int | None]], now: datetime.datetime
    ) -> None:
        """One "created" audit entry for each (id, name, changes, company id), written as plain rows; the
        changes as a dict or as JSON text."""
        if not entries:
            return
        fixed = {
            "content_type_id": self.content_type.pk,
            "action": str(AuditAction.CREATE.value),
            "actor_id": self.actor.pk,
            "at": now,
        }
        writer = self.audit_writer
        position = writer.positions["changes"]
        # JSON text (see CompanyImporter.changes_text) is stored as it is: SQLite keeps JSON as text and
        # PostgreSQL's COPY reads it into jsonb.
        text_as_is = connection.vendor in {"sqlite", "postgresql"}
        rows = []
        for record_id, name, changes, company_id in entries:
            row = writer.row(
                {**fixed, "object_id": record_id, "object_repr": name[:200], "company_id": company_id}
            )
            if not isinstance(changes, str):
                row[position] = writer.prepared("changes", changes)
            elif text_as_is:
                row[position] = changes
            else:
                row[position] = writer.prepared("changes", json.loads(changes))
            rows.append(row)
        insert_rows(AuditEntry, writer.fields, rows)

    def create_changes(
        self,
        stored: dict[str, Any],
        related: Callable[[str], Any],
        plan: list[tuple[str, str, str]] | None = None,
    ) -> dict[str, Any]:
        """What `diff({}, snapshot(record, AUDITED_FIELDS))` gives for a new record, without its cost
        (display names of choices and countries are looked up once per value, not per row).

        `stored`: the raw values by attribute name (a country as its code, a relation as its id);
        `related(name)`: the related object of a relation field; `plan`: the audited fields that can
        hold a value (all of them by default)."""
        changes: dict[str, Any] = {}
        for name, attname, kind in plan if plan is not None else self.audit_plan:
            value = stored.get(attname)
            if value is None or value == "" or value is False or value == [] or value == {}:
                continue
            if kind == "relation":
                plain: Any = value
                label = self.choice_labels.get((name, value))
                if label is None:
                    target = related(name)
                    label = str(target) if target is not None else None
                    self.choice_labels[(name, value)] = label
            elif kind == "choice":
                plain = str(value)
                label = self.choice_labels.get((name, plain))
                if label is None:
                    label = self.choice_labels[(name, plain)] = _choice_label(self.model, name, plain)
            elif type(value) is str:
                plain = label = value
            else:
                plain = _plain(value)
                if isinstance(value, bool):
                    label = self.yes
                elif isinstance(value, list):
                    label = ", ".join(
                        str(item.get("value", "")) if isinstance(item, dict) else str(item) for item in value
                    )
                else:
                    label = str(value)
            if plain in ("", None):
                continue
            changes[name] = {"from": None, "to": plain, "from_label": None, "to_label": label}
        return changes

    def update_row(self, row: _Row, record: Any, data: dict[str, Any]) -> None:
        """Change a matched record through its service (audited, versioned); an error names the field."""
        try:
            with transaction.atomic():
                updated = self.update_service(record, data)
        except ValidationError as error:
            messages = getattr(error, "message_dict", {"": error.messages})
            self.reject(row.number, row.cells, [(name, " ".join(text)) for name, text in messages.items()])
            return
        except NotAllowed as refused:
            self.reject(row.number, row.cells, [(self.options.key, str(refused))])
            return
        except VersionConflict:
            self.reject(
                row.number,
                row.cells,
                [
                    (
                        self.options.key,
                        _("Someone else changed this record during the import; import the row again."),
                    )
                ],
            )
            return
        if updated.version != record.version:
            self.result.updated += 1
        else:
            self.result.unchanged += 1

    def update_service(self, record: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError


_PREPARED_TYPES = {"DateTimeField", "DateField", "DecimalField", "JSONField"}


class _Sharing:
    """How much of the deriving the second process keeps for itself, batch by batch.

    The second process reads, parses and derives; the first checks and writes. Which one is slower
    depends on the file (phones and long texts to derive, duplicates to look up) and on the database.
    Each side measures how long it waits for the other: the first tells the second after each batch.
    When the second waited longer, the first is the slower, and the second keeps more of the deriving
    (the search words, its costliest part) for itself; when the first waited longer, the second hands
    more rows' search words over. Both cores stay busy whichever side is heavier; the rows stored are
    the same either way.
    """

    STEP = 0.125

    def __init__(self) -> None:
        self.share = 1.0  # of the rows whose search words this process derives
        self.credit = 0.0

    def fully(self) -> bool:
        """Whether the next row is derived fully here (spreads the share evenly over a batch)."""
        self.credit += self.share
        if self.credit >= 1.0:
            self.credit -= 1.0
            return True
        return False

    def after_batch(self, waited_here: float, waited_there: float) -> None:
        """Adjust the share from the time each process last waited for the other."""
        if waited_here > waited_there:
            self.share = min(1.0, self.share + self.STEP)
        elif waited_there > waited_here:
            self.share = max(0.0, self.share - self.STEP)


def _prepare_rows(
    importer: _Importer, rows: Iterator[tuple[int, list[str]]], sending: Any, told: Any
) -> None:
    """The second process of an import: read the file, parse and derive its rows batch by batch, and send
    them as plain values; `told` brings how long the first process waited for each batch. Runs in a fork
    of the importing process and never touches the database."""
    sharing = _Sharing()
    waited_there = 0.0
    try:
        batch: list[tuple[int, list[str], Any]] = []
        number = 0
        try:
            for number, cells in rows:
                importer.derive_fully = sharing.fully()
                outcome = importer.parse_plain(number, cells)
                if isinstance(outcome, _Row):
                    batch.append(
                        (number, cells, (outcome.values, outcome.keys, outcome.derived, outcome.changes))
                    )
                else:
                    batch.append((number, cells, outcome))
                if len(batch) == BATCH_SIZE:
                    ready = time.perf_counter()
                    sending.send(("rows", batch, None))
                    waited_here = time.perf_counter() - ready
                    while told.poll():
                        waited_there = told.recv()
                    sharing.after_batch(waited_here, waited_there)
                    batch = []
        except UnreadableFile as broken:
            sending.send(("rows", batch, (number + 1, broken.message)))
        else:
            if batch:
                sending.send(("rows", batch, None))
        sending.send(("end",))
    except BrokenPipeError:
        pass  # the importing process stopped: so does this one
    except BaseException:
        # Reported to the importing process, which raises it.
        sending.send(("failed", traceback.format_exc()))


class TableWriter:
    """Rows of a model's table built from plain values (attribute name → value), without a model instance
    per row: every column starts as its field's default, prepared for the database once; only dates,
    decimals and JSON are prepared per value."""

    def __init__(self, model: type[models.Model]) -> None:
        self.fields = [
            model_field for model_field in model._meta.concrete_fields if not model_field.primary_key
        ]
        self.positions = {model_field.attname: index for index, model_field in enumerate(self.fields)}
        self.preparing = {
            model_field.attname: model_field
            for model_field in self.fields
            if model_field.get_internal_type() in _PREPARED_TYPES
        }
        self.times: dict[tuple[str, Any], Any] = {}
        # The connection itself, not the proxy `connection`, whose every use looks the connection up.
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.template = [
            self.prepared(model_field.attname, model_field.get_default()) for model_field in self.fields
        ]

    def prepared(self, attname: str, value: Any) -> Any:
        model_field = self.preparing.get(attname)
        if model_field is None or value is None:
            return value
        if isinstance(value, datetime.datetime):
            # A batch's records share their timestamps: prepare each once.
            key = (attname, value)
            if key not in self.times:
                if len(self.times) > 64:
                    self.times.clear()
                self.times[key] = model_field.get_db_prep_save(value, self.connection)
            return self.times[key]
        return model_field.get_db_prep_save(value, self.connection)

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = self.template.copy()
        positions, preparing = self.positions, self.preparing
        for attname, value in values.items():
            row[positions[attname]] = self.prepared(attname, value) if attname in preparing else value
        return row


def insert_records(model: type[models.Model], records: list[Any]) -> None:
    """Insert new records (model instances) and set their ids (see insert_rows)."""
    if not records:
        return
    if connection.vendor not in {"sqlite", "postgresql"}:
        model._default_manager.bulk_create(records, batch_size=1000)
        return
    writer = TableWriter(model)
    texts = {
        model_field.attname
        for model_field in writer.fields
        if model_field.get_internal_type() in {"CharField", "TextField"}
    }
    rows = []
    for record in records:
        stored = record.__dict__  # the raw values (a country as its code, not a Country object)
        values = {}
        for attname in writer.positions:
            value = stored[attname]
            if attname in texts and value is not None and not isinstance(value, str):
                value = str(value)
            values[attname] = value
        rows.append(writer.row(values))
    ids = insert_rows(model, writer.fields, rows)
    for record_id, record in zip(ids, records, strict=True):
        record.pk = record_id
        record._state.adding = False
        record._state.db = connection.alias


def insert_rows(model: type[models.Model], fields: list[Any], rows: list[list[Any]]) -> list[int]:
    """Insert rows of prepared values (in the order of `fields`) and return their new ids: on SQLite one
    `executemany`, several times faster than `bulk_create`, which splits a batch into statements of 999
    parameters and prepares every value through its field; on PostgreSQL a COPY (see _copy_rows);
    elsewhere `bulk_create`.

    Call inside a transaction: SQLite then has one writer, and the new ids are consecutive.
    """
    if not rows:
        return []
    if connection.vendor not in {"sqlite", "postgresql"}:
        instances = [
            model(**{model_field.attname: value for model_field, value in zip(fields, row, strict=True)})
            for row in rows
        ]
        model._default_manager.bulk_create(instances, batch_size=1000)
        return [instance.pk for instance in instances]
    assert connection.in_atomic_block, "insert_rows needs a transaction"
    if connection.vendor == "postgresql":
        return _copy_rows(model, fields, rows)
    columns = ", ".join(connection.ops.quote_name(model_field.column) for model_field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The search index (migration customers 0003) is filled by a trigger row by row, at several times
        # the cost of one statement for the batch: the trigger is set aside for the batch, invisibly to
        # other connections (schema changes are part of the transaction), and put back as it was.
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [f"{table}_fts_insert"]
        )
        trigger = cursor.fetchone()
        if trigger is not None:
            cursor.execute(f"DROP TRIGGER {table}_fts_insert")
        cursor.executemany(
            # Table and column names come from the model, never from the file.
            f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            rows,
        )
        cursor.execute("SELECT last_insert_rowid()")
        last = cursor.fetchone()[0]
        first = last - len(rows) + 1
        if trigger is not None:
            # What the trigger would have done for each new row.
            cursor.execute(
                f"INSERT INTO {table}_fts(rowid, search_text) "  # noqa: S608
                f"SELECT id, search_text FROM {table} WHERE id BETWEEN %s AND %s",
                [first, last],
            )
            cursor.execute(trigger[0])
    return list(range(first, last + 1))


def _copy_rows(model: type[models.Model], fields: list[Any], rows: list[list[Any]]) -> list[int]:
    """PostgreSQL: take ids for the rows from the table's sequence and COPY the rows in, several times
    faster than bulk_create (whose arrays psycopg quotes value by value)."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    primary_key = model._meta.pk
    assert primary_key is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, primary_key.column, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        columns = ", ".join(
            quote(column) for column in [primary_key.column, *(field.column for field in fields)]
        )
        # Table and column names come from the model, never from the file.
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for record_id, row in zip(ids, rows, strict=True):
                copy.write_row([record_id, *row])
    return ids


def _audit_plan(model: type[models.Model]) -> list[tuple[str, str, str]]:
    """(field, attribute, "relation" | "choice" | "value") for each audited field of the model."""
    plan = []
    for name in model.AUDITED_FIELDS:  # type: ignore[attr-defined]
        model_field = model._meta.get_field(name)
        if model_field.is_relation:
            plan.append((name, model_field.attname, "relation"))  # type: ignore[union-attr]
        elif getattr(model_field, "choices", None):
            plan.append((name, name, "choice"))
        else:
            plan.append((name, name, "value"))
    return plan


def created_changes_json(changes: dict[str, Any]) -> str:
    """`json.dumps(changes)` for the changes of a new record (create_changes), several times faster: every
    entry has the same shape, so only the values are encoded (the field names are identifiers)."""
    parts = []
    for name, change in changes.items():
        to, label = change["to"], change["to_label"]
        to_text = encode_basestring_ascii(to) if type(to) is str else json.dumps(to)
        if label is to:
            label_text = to_text
        else:
            label_text = encode_basestring_ascii(label) if type(label) is str else json.dumps(label)
        parts.append(
            f'"{name}": {{"from": null, "to": {to_text}, "from_label": null, "to_label": {label_text}}}'
        )
    return "{" + ", ".join(parts) + "}"


def _no_relation(name: str) -> None:
    raise AssertionError(f"{name}: relations are written by the importing process")


def _choice_label(model: type[models.Model], name: str, value: str) -> str | None:
    if name == "country":
        from django_countries import countries

        label = countries.name(value)
        return str(label) if label else value
    display = dict(model._meta.get_field(name).flatchoices).get(value, value)  # type: ignore[union-attr]
    return str(display) if display else None


def _same(stored: Any, value: Any) -> bool:
    if isinstance(value, decimal.Decimal):
        return stored is not None and decimal.Decimal(stored) == value
    return bool(stored == value)


class CompanyImporter(_Importer):
    """Companies: duplicates by tax id, name and country, website domain."""

    model = Company
    keys = COMPANY_KEYS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "name" not in self.mapped and not self.options.key:
            raise ImportOptionsError(_("No column holds the company name. Map one to the field “name”."))
        self.users: dict[str, User | None] = {}
        self.teams: dict[str, Team | None] = {}
        self.compared = sorted(self.mapped - {"id"})
        self.writer = TableWriter(Company)
        # Defaults the history shows as set (status "prospect"), as for a company made by company_create.
        self.defaults = {
            model_field.attname: model_field.get_default()
            for model_field in self.writer.fields
            if model_field.name in Company.AUDITED_FIELDS and model_field.has_default()
        }
        # The audited fields a new company of this file can have a value in: those of its columns, the
        # defaults, owner and team.
        settable = {*self.mapped, *self.defaults, "owner", "team"}
        self.created_plan = [
            entry for entry in self.audit_plan if entry[0] in settable or entry[1] in settable
        ]
        # The second process writes the history of a new company but for owner and team (which need the
        # database); this process adds those, as the same JSON text for every row of one owner and team.
        # (The price type is a relation whose history labels are known in advance, see parsers.)
        self.created_plan_plain = [entry for entry in self.created_plan if entry[0] not in {"owner", "team"}]
        self.created_plan_relations = [entry for entry in self.created_plan if entry[0] in {"owner", "team"}]
        self.relation_changes: dict[tuple[int, int | None], str] = {}

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        # Price lists are few: their ids by name are read once, so a row's price type is parsed (in the
        # second process too) without the database, and its history label is known.
        self.price_list_ids: dict[str, int] = {}
        for price_list in PriceList.objects.all():
            self.price_list_ids.setdefault(price_list.name.casefold(), price_list.pk)
            self.price_list_ids.setdefault(str(price_list).casefold(), price_list.pk)
            self.choice_labels[("price_type", price_list.pk)] = str(price_list)
        return {**_company_parsers(), "price_type": self._price_type}

    def _price_type(self, value: str) -> int:
        price_list_id = self.price_list_ids.get(value.casefold())
        if price_list_id is None:
            raise _Invalid(_("No price list is named “%(value)s”.") % {"value": value})
        return price_list_id

    def parse_plain(self, number: int, cells: list[str]) -> _Row | list[tuple[str, str]]:
        row = super().parse_plain(number, cells)
        if isinstance(row, _Row) and self.derive_early:
            row.keys = company_keys(row.values)
            row.derived = company_derived(row.values, row.keys, search_text=self.derive_fully)
            plain = {**self.defaults}
            plain.update(
                (ATTRIBUTES.get(name, name), value)
                for name, value in row.values.items()
                if name not in {"id", "owner", "team"}
            )
            row.changes = created_changes_json(
                self.create_changes(plain, _no_relation, self.created_plan_plain)
            )
        return row

    def changes_text(
        self, row: _Row, attributes: dict[str, Any], objects: dict[str, Any]
    ) -> dict[str, Any] | str:
        """A new company's history entry: as JSON text when the second process wrote most of it."""
        if row.changes is None:
            return self.create_changes(attributes, objects.get, self.created_plan)
        pair = (attributes["owner_id"], attributes["team_id"])
        relations = self.relation_changes.get(pair)
        if relations is None:
            relations = created_changes_json(
                self.create_changes(attributes, objects.get, self.created_plan_relations)
            )
            self.relation_changes[pair] = relations
        if relations == "{}":
            return row.changes
        if row.changes == "{}":
            return relations
        return f"{relations[:-1]}, {row.changes[1:]}"

    def resolve(self, row: _Row) -> _Row | None:
        errors: list[tuple[str, str]] = []
        if "owner" in row.values:
            owner = self._user(row.values["owner"])
            if owner is None:
                errors.append(
                    ("owner", _("No active user is named “%(value)s”.") % {"value": row.values["owner"]})
                )
            row.values["owner"] = owner
        if "team" in row.values:
            team = self._team(row.values["team"])
            if team is None:
                errors.append(("team", _("No team is named “%(value)s”.") % {"value": row.values["team"]}))
            row.values["team"] = team
        if errors:
            self.reject(row.number, row.cells, errors)
            return None
        return row

    def _user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = (
                User.objects.filter(username__iexact=username, is_active=True)
                .exclude(role=Role.PORTAL)
                .first()
            )
        return self.users[username]

    def _team(self, name: str) -> Team | None:
        if name not in self.teams:
            self.teams[name] = Team.objects.filter(name__iexact=name).first()
        return self.teams[name]

    # keys

    @staticmethod
    def duplicate_keys(row: _Row) -> list[tuple[str, ...]]:
        if row.keys is None:
            row.keys = company_keys(row.values)
        keys: list[tuple[str, ...]] = []
        if row.keys["tax_id_key"]:
            keys.append(("tax", row.keys["tax_id_key"]))
        if row.keys["name_key"]:
            keys.append(("name", row.keys["name_key"], row.values.get("country", "")))
        if row.keys["website_domain"]:
            keys.append(("web", row.keys["website_domain"]))
        return keys

    def key_value(self, values: dict[str, Any]) -> Any:
        key = self.options.key
        if key not in values:
            return None
        value = values[key]
        country = values.get("country", "")
        if key == "tax_id":
            return tax_id_key(value, country) or None
        if key == "name":
            return name_key(value) or None
        if key == "website":
            return website_domain(value) or None
        if key == "phone":
            return phone_e164(value, country) or None
        return value

    def key_lookup(self, values: list[Any]) -> dict[Any, list[Company]]:
        column = {
            "id": "pk",
            "tax_id": "tax_id_key",
            "name": "name_key",
            "website": "website_domain",
            "phone": "phone_e164",
        }.get(self.options.key, self.options.key)
        found: dict[Any, list[Company]] = {}
        queryset = Company.objects.visible_to(self.actor).select_related("owner", "team")
        for company in queryset.filter(**{f"{column}__in": values}):
            found.setdefault(getattr(company, "pk" if column == "pk" else column), []).append(company)
        return found

    # batches

    def run_batch(self, rows: list[_Row]) -> None:
        key = self.options.key
        to_create: list[_Row] = []
        if key:
            key_values = {row.number: self.key_value(row.values) for row in rows}
            found = self.key_lookup([value for value in key_values.values() if value is not None])
            for row in rows:
                value = key_values[row.number]
                matched = found.get(value, []) if value is not None else []
                if len(matched) > 1:
                    self.reject(
                        row.number,
                        row.cells,
                        [
                            (
                                key,
                                _(
                                    "Several companies match this %(field)s; the row cannot update one of them."
                                )
                                % {"field": key},
                            )
                        ],
                    )
                elif matched:
                    self.update_matched(row, matched[0])
                else:
                    to_create.append(row)
        else:
            to_create = rows
        self.create_new(to_create)

    def update_matched(self, row: _Row, company: Company) -> None:
        earlier = self.index.get(("id", company.pk))
        if earlier is None:
            earlier = self.created_ids.row_of(company.pk)
        if earlier is not None:
            self.duplicate(row, [f"row {earlier}"])
            return
        data = {name: value for name, value in row.values.items() if name != "id"}
        if all(_same(getattr(company, ATTRIBUTES.get(name, name)), value) for name, value in data.items()):
            self.result.unchanged += 1
        elif not self.writing:
            self.result.updated += 1
        else:
            self.update_row(row, company, data)
        self.index.add(("id", company.pk), row.number)
        for duplicate_key in self.duplicate_keys(row):
            self.index.add(duplicate_key, row.number)

    def update_service(self, record: Any, data: dict[str, Any]) -> Any:
        if data.get("price_type") is not None:
            data = {**data, "price_type": PriceList.objects.get(pk=data["price_type"])}
        return services.company_update(company=record, actor=self.actor, version=record.version, **data)

    def create_new(self, rows: list[_Row]) -> None:
        if not rows:
            return
        errors_free: list[_Row] = []
        for row in rows:
            if not row.values.get("name"):
                self.reject(row.number, row.cells, [("name", _("A company needs a name."))])
            else:
                errors_free.append(row)
        keys_of = {row.number: self.duplicate_keys(row) for row in errors_free}
        now = timezone.now()
        existing = self.existing_matches([key for keys in keys_of.values() for key in keys])
        new: list[_Row] = []
        batch_keys: dict[Any, int] = {}
        for row in errors_free:
            keys = keys_of[row.number]
            ids: set[int] = set()
            for key in keys:
                ids.update(existing.get(key, ()))
            earlier = self.earlier_rows(keys, ids, batch_keys)
            if earlier:
                self.duplicate(row, self.matches_of(earlier, ids))
                continue
            others = [
                record_id
                for record_id in ids
                if self.created_ids.row_of(record_id) is None and self.index.get(("id", record_id)) is None
            ]
            if others:
                same = [
                    record_id
                    for record_id in others
                    if self.equal_to_stored(row.values, self.stored[record_id])
                ]
                if same:
                    self.result.unchanged += 1
                    self.index.add(("id", same[0]), row.number)
                else:
                    self.duplicate(row, sorted(others))
                for key in keys:
                    self.index.add(key, row.number)
                continue
            self.remember_new(keys, row.number, batch_keys)
            new.append(row)
        self.result.created += len(new)
        if not new or not self.writing:
            return
        built = [self.build(row, now) for row in new]
        new_ids = insert_rows(
            Company, self.writer.fields, [self.writer.row(attributes) for attributes, _objects in built]
        )
        for row, company_id in zip(new, new_ids, strict=True):
            self.created_ids.add(company_id, row.number)
        self.audit_new(
            [
                (company_id, attributes["name"], self.changes_text(row, attributes, objects), company_id)
                for row, company_id, (attributes, objects) in zip(new, new_ids, built, strict=True)
            ],
            now,
        )

    def existing_matches(self, keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], list[int]]:
        """Records matching any of the keys: one query for the batch's keys (in SQL written here: the
        ORM's cost of building an IN list of thousands of values is several times the query's; on
        PostgreSQL each column's keys are one array parameter), and
        one more for the stored values of the records found, when there are any."""
        self.stored: dict[int, dict[str, Any]] = {}
        lists = {
            "tax_id_key": [key[1] for key in keys if key[0] == "tax"],
            "name_key": [key[1] for key in keys if key[0] == "name"],
            "website_domain": [key[1] for key in keys if key[0] == "web"],
        }
        conditions = []
        parameters: list[Any] = []
        for column, values in lists.items():
            if values:
                unique = list(dict.fromkeys(values))
                if connection.vendor == "postgresql":
                    # One array parameter: psycopg would otherwise scan a query text of thousands of
                    # placeholders in Python.
                    conditions.append(f"{column} = ANY(%s)")
                    parameters.append(unique)
                else:
                    conditions.append(f"{column} IN ({', '.join(['%s'] * len(unique))})")
                    parameters += unique
        found: dict[tuple[str, ...], list[int]] = {}
        if not conditions:
            return found
        wanted = set(keys)
        with connection.cursor() as cursor:
            cursor.execute(
                # Column and table names are written here; the keys are parameters.
                "SELECT id, tax_id_key, name_key, country, website_domain "  # noqa: S608
                f"FROM {Company._meta.db_table} WHERE {' OR '.join(conditions)}",
                parameters,
            )
            for record_id, tax, name, country, domain in cursor.fetchall():
                for key in (("tax", tax), ("name", name, country), ("web", domain)):
                    if key in wanted:
                        found.setdefault(key, []).append(record_id)
        ids = sorted({record_id for matched in found.values() for record_id in matched})
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            for record in Company.objects.filter(pk__in=chunk).values("id", *self._stored_columns()):
                self.stored[record["id"]] = record
        return found

    def _stored_columns(self) -> list[str]:
        return [f"{name}_id" if name in {"owner", "team", "price_type"} else name for name in self.compared]

    def equal_to_stored(self, values: dict[str, Any], stored: dict[str, Any]) -> bool:
        for name, value in values.items():
            if name == "id":
                continue
            if name in {"owner", "team"}:
                if stored[f"{name}_id"] != (value.pk if value is not None else None):
                    return False
            elif name == "price_type":
                if stored["price_type_id"] != value:
                    return False
            elif not _same(stored[name], value):
                return False
        return True

    def build(self, row: _Row, now: datetime.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new company's column values (by attribute name) as company_create makes it, and its related
        objects: owner defaults to the actor, team to the owner's. A batch's records share one time."""
        values = row.values
        owner = values.get("owner") or self.actor
        team = values.get("team")
        if "team" not in values and owner.team_id:
            team = owner.team
        attributes = {**self.defaults}
        attributes.update(
            (ATTRIBUTES.get(name, name), value)
            for name, value in values.items()
            if name not in {"id", "owner", "team"}
        )
        attributes.update(
            company_derived_rest(values, row.derived)
            if row.derived is not None
            else company_derived(values, row.keys)
        )
        attributes.update(
            owner_id=owner.pk, team_id=team.pk if team is not None else None, created_at=now, updated_at=now
        )
        return attributes, {"owner": owner, "team": team}


class ContactImporter(_Importer):
    """Contacts: each linked to a company the actor can see (by name and country, or tax id)."""

    model = Contact
    keys = CONTACT_KEYS

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not self.mapped & {"company", "company_tax_id"} and not self.options.key:
            raise ImportOptionsError(
                _(
                    "No column holds the contact's company. Map one to the field “company” or “company tax id”."
                )
            )
        self.companies_by_name: dict[str, list[tuple[int, str, str]]] = {}
        self.companies_by_tax: dict[str, list[tuple[int, str, str]]] = {}
        self.company_objects: dict[int, Company] = {}

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        return _contact_parsers()

    def parse_plain(self, number: int, cells: list[str]) -> _Row | list[tuple[str, str]]:
        row = super().parse_plain(number, cells)
        if not isinstance(row, _Row):
            return row
        values = row.values
        if "full_name" in values:
            first, middle, last = _split_full_name(values.pop("full_name"))
            values.setdefault("first_name", first)
            if middle:
                values.setdefault("middle_name", middle)
            values.setdefault("last_name", last)
        for name in ("first_name", "middle_name", "last_name"):
            if len(values.get(name, "")) > 100:
                return [
                    (
                        name,
                        _("“%(value)s…” is too long: at most %(limit)d characters.")
                        % {"value": values[name][:30], "limit": 100},
                    )
                ]
        return row

    # companies

    def resolve_companies(self, rows: list[_Row]) -> None:
        names = {name_key(row.values["company"]) for row in rows if row.values.get("company")}
        taxes = {tax_id_key(row.values["company_tax_id"]) for row in rows if row.values.get("company_tax_id")}
        taxes |= {tax_id_key(row.values["company"]) for row in rows if row.values.get("company")}
        names -= set(self.companies_by_name) | {""}
        taxes -= set(self.companies_by_tax) | {""}
        if len(self.company_objects) > 100_000:
            self.companies_by_name.clear()
            self.companies_by_tax.clear()
            self.company_objects.clear()
        if not names and not taxes:
            return
        for name in names:
            self.companies_by_name[name] = []
        for tax in taxes:
            self.companies_by_tax[tax] = []
        condition = Q(name_key__in=names) | Q(tax_id_key__in=taxes)
        for company in (
            Company.objects.visible_to(self.actor)
            .filter(condition)
            .only("id", "name", "name_key", "tax_id_key", "country")
        ):
            entry = (company.pk, company.name_key, str(company.country or ""))
            self.company_objects[company.pk] = company
            if company.name_key in names:
                self.companies_by_name[company.name_key].append(entry)
            if company.tax_id_key in taxes:
                self.companies_by_tax[company.tax_id_key].append(entry)

    def company_for(self, row: _Row) -> tuple[Company | None, str]:
        values = row.values
        candidates: list[tuple[int, str, str]] = []
        if values.get("company_tax_id"):
            candidates = self.companies_by_tax.get(tax_id_key(values["company_tax_id"]), [])
            shown = values["company_tax_id"]
        if not candidates and values.get("company"):
            shown = values["company"]
            candidates = self.companies_by_name.get(name_key(shown), []) or self.companies_by_tax.get(
                tax_id_key(shown), []
            )
        if not values.get("company") and not values.get("company_tax_id"):
            return None, _("Give the contact's company.")
        if not candidates:
            return None, _("No company you can see is named “%(value)s”.") % {"value": shown}
        if len({pk for pk, _name, _country in candidates}) > 1:
            return None, _(
                "Several companies you can see are named “%(value)s”; add a column with the company's tax id."
            ) % {"value": shown}
        return self.company_objects[candidates[0][0]], ""

    # keys

    @staticmethod
    def duplicate_keys(values: dict[str, Any], company_id: int) -> list[tuple[Any, ...]]:
        keys: list[tuple[Any, ...]] = []
        if values.get("email"):
            keys.append(("email", values["email"]))
        person = person_key(values.get("first_name", ""), values.get("last_name", ""))
        if person:
            keys.append(("person", company_id, person))
        return keys

    def run_batch(self, rows: list[_Row]) -> None:
        self.resolve_companies(rows)
        key = self.options.key
        ready: list[tuple[_Row, Company | None]] = []
        for row in rows:
            company, problem = self.company_for(row)
            if problem and not key:
                self.reject(row.number, row.cells, [("company", problem)])
                continue
            ready.append((row, company))
        to_create: list[tuple[_Row, Company]] = []
        if key:
            found = self.key_lookup(ready)
            for row, company in ready:
                matched = found.get(row.number, [])
                if len(matched) > 1:
                    self.reject(
                        row.number,
                        row.cells,
                        [
                            (
                                key,
                                _("Several contacts match this %(field)s; the row cannot update one of them.")
                                % {"field": key},
                            )
                        ],
                    )
                elif matched:
                    self.update_matched(row, matched[0], company)
                elif company is None:
                    self.reject(row.number, row.cells, [("company", self.company_for(row)[1])])
                else:
                    to_create.append((row, company))
        else:
            to_create = [(row, company) for row, company in ready if company is not None]
        self.create_new(to_create)

    def key_lookup(self, ready: list[tuple[_Row, Company | None]]) -> dict[int, list[Contact]]:
        key = self.options.key
        wanted: dict[Any, list[int]] = {}
        for row, company in ready:
            values = row.values
            if key == "name":
                person = person_key(values.get("first_name", ""), values.get("last_name", ""))
                if person and company is not None:
                    wanted.setdefault((company.pk, person), []).append(row.number)
            elif key == "phone" and values.get("phone"):
                country = str(company.country or "") if company is not None else ""
                e164 = phone_e164(values["phone"], country)
                if e164:
                    wanted.setdefault(e164, []).append(row.number)
            elif key in values:
                wanted.setdefault(values[key], []).append(row.number)
        result: dict[int, list[Contact]] = {}
        if not wanted:
            return result
        queryset = Contact.objects.visible_to(self.actor).select_related("company")
        if key == "name":
            queryset = queryset.filter(
                company_id__in={company_id for company_id, _p in wanted},
                name_key__in={person for _c, person in wanted},
            )
            lookup = lambda contact: (contact.company_id, contact.name_key)  # noqa: E731
        else:
            column = {"id": "pk", "phone": "phone_e164"}.get(key, key)
            queryset = queryset.filter(**{f"{column}__in": list(wanted)})
            lookup = lambda contact: getattr(contact, column)  # noqa: E731
        for contact in queryset:
            for number in wanted.get(lookup(contact), []):
                result.setdefault(number, []).append(contact)
        return result

    def update_matched(self, row: _Row, contact: Contact, company: Company | None) -> None:
        earlier = self.index.get(("id", contact.pk))
        if earlier is None:
            earlier = self.created_ids.row_of(contact.pk)
        if earlier is not None:
            self.duplicate(row, [f"row {earlier}"])
            return
        data = self.contact_data(row.values)
        if company is not None:
            data["company"] = company
        if all(self._same_field(contact, name, value) for name, value in data.items()):
            self.result.unchanged += 1
        elif not self.writing:
            self.result.updated += 1
        else:
            self.update_row(row, contact, data)
        self.index.add(("id", contact.pk), row.number)

    @staticmethod
    def _same_field(contact: Contact, name: str, value: Any) -> bool:
        if name == "company":
            return contact.company_id == value.pk
        stored = getattr(contact, name)
        if name == "other_phones":
            return [item.get("value") for item in stored] == [
                part.strip() for part in re.split(r"[,;/]|\n", value) if part.strip()
            ]
        if name == "other_emails":
            return stored == services._normalise_emails(value)
        return _same(stored, value)

    def update_service(self, record: Any, data: dict[str, Any]) -> Any:
        return services.contact_update(contact=record, actor=self.actor, version=record.version, **data)

    @staticmethod
    def contact_data(values: dict[str, Any]) -> dict[str, Any]:
        return {
            name: value for name, value in values.items() if name not in {"id", "company", "company_tax_id"}
        }

    def create_new(self, rows: list[tuple[_Row, Company]]) -> None:
        if not rows:
            return
        valid: list[tuple[_Row, Company]] = []
        for row, company in rows:
            values = row.values
            if not (values.get("first_name") or values.get("last_name") or values.get("email")):
                self.reject(row.number, row.cells, [("last_name", _("Give a name or an email address."))])
            else:
                valid.append((row, company))
        keys_of = {row.number: self.duplicate_keys(row.values, company.pk) for row, company in valid}
        existing = self.existing_matches([key for keys in keys_of.values() for key in keys])
        new: list[tuple[_Row, Contact]] = []
        batch_keys: dict[Any, int] = {}
        for row, company in valid:
            keys = keys_of[row.number]
            ids: set[int] = set()
            for key in keys:
                ids.update(existing.get(key, ()))
            earlier = self.earlier_rows(keys, ids, batch_keys)
            if earlier:
                self.duplicate(row, self.matches_of(earlier, ids))
                continue
            others = [
                record_id
                for record_id in ids
                if self.created_ids.row_of(record_id) is None and self.index.get(("id", record_id)) is None
            ]
            if others:
                for key in keys:
                    self.index.add(key, row.number)
                data = {**self.contact_data(row.values), "company": company}
                same = [
                    record_id
                    for record_id in others
                    if all(
                        self._same_field(self.stored[record_id], name, value) for name, value in data.items()
                    )
                ]
                if same:
                    self.result.unchanged += 1
                    self.index.add(("id", same[0]), row.number)
                else:
                    self.duplicate(row, sorted(others))
                continue
            self.remember_new(keys, row.number, batch_keys)
            new.append((row, self.build(row.values, company)))
        self.result.created += len(new)
        if not new or not self.writing:
            return
        contacts = [contact for _row, contact in new]
        insert_records(Contact, contacts)
        for (row, _contact), contact in zip(new, contacts, strict=True):
            self.created_ids.add(contact.pk, row.number)
        self.audit_created(contacts, contacts[0].created_at)

    def existing_matches(self, keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[int]]:
        emails = [key[1] for key in keys if key[0] == "email"]
        people = [key for key in keys if key[0] == "person"]
        self.stored: dict[int, Contact] = {}
        condition = Q()
        if emails:
            condition |= Q(email__in=emails)
        if people:
            condition |= Q(company_id__in={key[1] for key in people}, name_key__in={key[2] for key in people})
        found: dict[tuple[Any, ...], list[int]] = {}
        if not condition:
            return found
        wanted = set(keys)
        for contact in Contact.objects.filter(condition):
            self.stored[contact.pk] = contact
            for key in (("email", contact.email), ("person", contact.company_id, contact.name_key)):
                if key in wanted:
                    found.setdefault(key, []).append(contact.pk)
        return found

    def build(self, values: dict[str, Any], company: Company) -> Contact:
        """A new contact as contact_create makes it (normal forms, search text, consent date)."""
        contact = Contact(company=company, **self.contact_data(values))
        country = str(company.country or "")
        contact.other_emails = services._normalise_emails(contact.other_emails)
        contact.other_phones = services._normalise_other_phones(contact.other_phones, country)
        contact.phone_e164 = phone_e164(contact.phone, country)
        contact.mobile_e164 = phone_e164(contact.mobile, country)
        contact.name_key = person_key(contact.first_name, contact.last_name)
        contact.search_text = services.contact_search_text(contact)
        if contact.marketing_consent and contact.marketing_consent_at is None:
            contact.marketing_consent_at = timezone.now()
        return contact


_IMPORTERS: dict[str, type[_Importer]] = {
    ImportKind.COMPANIES.value: CompanyImporter,
    ImportKind.CONTACTS.value: ContactImporter,
}
_PERMISSIONS = {
    ImportKind.COMPANIES.value: ("customers.add_company", "customers.change_company"),
    ImportKind.CONTACTS.value: ("customers.add_contact", "customers.change_contact"),
}


def check_options(kind: str, options: ImportOptions, columns: dict[str, str]) -> None:
    """Refuse options that cannot work: an unknown kind, field or key (ImportOptionsError)."""
    if kind not in _IMPORTERS:
        raise ImportOptionsError(_("Import companies or contacts, not “%(kind)s”.") % {"kind": kind})
    known = {code for code, _label in IMPORT_FIELDS[kind]}
    unknown = sorted({code for code in columns.values() if code and code not in known})
    if unknown:
        raise ImportOptionsError(
            _("Unknown field: %(fields)s. Fields are: %(known)s.")
            % {"fields": ", ".join(unknown), "known": ", ".join(sorted(known))}
        )
    keys = COMPANY_KEYS if kind == ImportKind.COMPANIES.value else CONTACT_KEYS
    if options.key and options.key not in keys:
        raise ImportOptionsError(
            _("“%(key)s” cannot be the key; choose one of: %(keys)s.")
            % {"key": options.key, "keys": ", ".join(keys)}
        )
    if options.key and options.key not in columns.values():
        raise ImportOptionsError(_("No column holds the key field “%(key)s”.") % {"key": options.key})


def uses_second_process(path: Path) -> bool:
    """Whether the file is read and parsed in a second process: a large file (see the setting
    KLIENT_IMPORT_PARALLEL_MB), on a machine with a core to spare, where processes can fork."""
    threshold = settings.IMPORT_PARALLEL_BYTES
    if threshold is None or "fork" not in multiprocessing.get_all_start_methods():
        return False
    if len(os.sched_getaffinity(0)) < 2 or multiprocessing.current_process().daemon:
        return False
    return path.stat().st_size >= threshold


@contextlib.contextmanager
def _larger_page_cache() -> Iterator[None]:
    """On SQLite, a page cache of SQLITE_IMPORT_CACHE_KIB for the import's connection, then the one before."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_IMPORT_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def import_file(
    *,
    path: Path,
    actor: User,
    options: ImportOptions,
    progress: Callable[[int, int | None], None] | None = None,
    rejected_csv: IO[str] | None = None,
) -> ImportResult:
    """Import a CSV, XLSX or vCard file of companies or contacts; UnreadableFile when it cannot be read
    at all (or the options cannot work with it), NotAllowed when the actor may not add such records."""
    kind = str(options.kind)
    create_permission, change_permission = _PERMISSIONS.get(kind, ("", ""))
    if kind in _PERMISSIONS and not actor.has_perm(create_permission):
        raise NotAllowed(_("You may not import these records."))
    if options.key and kind in _PERMISSIONS and not actor.has_perm(change_permission):
        raise NotAllowed(_("You may not change these records."))
    table = open_table(Path(path))
    if table.format == "vcard" and kind == ImportKind.COMPANIES.value:
        raise ImportOptionsError(_("A vCard file holds contacts: import it as contacts."))
    columns = options.columns if options.columns is not None else guess_columns(kind, table.headers)
    check_options(kind, options, columns)
    importer = _IMPORTERS[kind](
        table=table, actor=actor, options=options, columns=columns, rejected_csv=rejected_csv
    )
    total = table.total_rows
    if (
        progress is not None
        and total is None
        and table.format == "csv"
        and table.encoding
        and table.delimiter
    ):
        total = max(count_csv_records(Path(path), table.encoding, table.delimiter) - table.header_row, 0)
    keep_all_or_nothing = options.atomic and not options.dry_run
    with _larger_page_cache(), transaction.atomic() if keep_all_or_nothing else nullcontext():
        importer.run(table.rows, progress, total, second_process=uses_second_process(Path(path)))
        result = importer.result
        if keep_all_or_nothing and result.skipped:
            transaction.set_rollback(True)
    # A batch reports a row's bad values before its company or duplicate checks: list them in row order.
    result.errors.sort(key=lambda error: error["row"])
    result.duplicates.sort(key=lambda duplicate: duplicate["row"])
    if options.atomic and result.skipped:
        # All or nothing: since some rows were rejected, none of the others is kept.
        result.skipped += result.created + result.updated
        result.created = result.updated = 0
    return result
