"""Generated demo customers: companies and contacts across the six languages, spread over the demo owners.

Deterministic (a fixed random seed), so every installation gets the same demo, and idempotent: generated
companies carry external ids DEMO-00001…, and those already present are not made again.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from klient.catalog.demo import demo_price_lists
from klient.catalog.models import PriceList
from klient.core.audit import audit_company_id, diff, snapshot
from klient.core.models import AuditAction, AuditEntry, Tag, User
from klient.core.search import fold
from klient.customers.models import (
    BuyingRole,
    Channel,
    Company,
    CompanySize,
    CompanySource,
    CompanyStatus,
    Contact,
)
from klient.customers.normalize import person_key, phone_e164
from klient.customers.services import _derive, contact_search_text

DEMO_COMPANY_COUNT = 2000
CONTACTS_PER_COMPANY = 3
EXTERNAL_ID_PREFIX = "DEMO-"
BATCH = 500


@dataclass(frozen=True)
class Locale:
    """How companies and people of one language look."""

    language: str
    countries: tuple[str, ...]
    currency: str
    stems: tuple[str, ...]
    kinds: tuple[str, ...]
    legal: str  # "{name}" placed in the legal form
    cities: tuple[str, ...]
    # (first name, last name, ASCII handle for the email address)
    people: tuple[tuple[str, str, str], ...]
    positions: tuple[str, ...]
    phone: str  # a format with "#" for digits
    domain: str


LOCALES = (
    Locale(
        "pl",
        ("PL",),
        "PLN",
        (
            "Mleczarnia",
            "Hurtownia",
            "Stalmet",
            "Drewex",
            "Polmet",
            "Agrobud",
            "Transbud",
            "Zakład",
            "Łączbud",
        ),
        ("Łódzka", "Śląska", "Pomorska", "Mazowiecka", "Wielkopolska", "Zachód", "Północ"),
        "{name} Sp. z o.o.",
        ("Warszawa", "Kraków", "Łódź", "Gdańsk", "Poznań", "Wrocław", "Katowice"),
        (
            ("Anna", "Nowak", "anna.nowak"),
            ("Katarzyna", "Wiśniewska", "k.wisniewska"),
            ("Piotr", "Kowalski", "piotr.kowalski"),
            ("Tomasz", "Wójcik", "t.wojcik"),
            ("Małgorzata", "Kamińska", "m.kaminska"),
            ("Grzegorz", "Lewandowski", "g.lewandowski"),
            ("Łukasz", "Zieliński", "l.zielinski"),
            ("Agnieszka", "Szymańska", "a.szymanska"),
            ("Paweł", "Dąbrowski", "p.dabrowski"),
        ),
        ("Kierownik zakupów", "Prezes zarządu", "Główna księgowa", "Specjalista ds. logistyki"),
        "+48 22 ### ## ##",
        "pl",
    ),
    Locale(
        "ru",
        ("RU",),
        "RUB",
        ("Стройматериалы", "Север", "Волга", "Урал", "Сибирь", "Техно", "Агро", "Металл", "Ёлка"),
        ("Торг", "Пром", "Снаб", "Логистик", "Сервис", "Комплект"),
        "ООО «{name}»",
        ("Москва", "Санкт-Петербург", "Екатеринбург", "Казань", "Новосибирск", "Самара"),
        (
            ("Иван", "Петров", "i.petrov"),
            ("Ольга", "Смирнова", "o.smirnova"),
            ("Алексей", "Кузнецов", "a.kuznetsov"),
            ("Мария", "Попова", "m.popova"),
            ("Дмитрий", "Соколов", "d.sokolov"),
            ("Елена", "Лебедева", "e.lebedeva"),
            ("Сергей", "Козлов", "s.kozlov"),
            ("Татьяна", "Новикова", "t.novikova"),
            ("Пётр", "Фёдоров", "p.fedorov"),
        ),
        ("Начальник отдела закупок", "Генеральный директор", "Главный бухгалтер", "Менеджер по логистике"),
        "+7 495 ###-##-##",
        "ru",
    ),
    Locale(
        "bs",
        ("BA", "HR", "RS"),
        "BAM",
        ("Čelik", "Drvo", "Bosna", "Neretva", "Una", "Đurđevak", "Žito", "Ćevapi", "Sava"),
        ("Trade", "Promet", "Export", "Komerc", "Gradnja", "Prevoz"),
        "{name} d.o.o.",
        ("Sarajevo", "Mostar", "Tuzla", "Banja Luka", "Zagreb", "Split", "Beograd", "Novi Sad"),
        (
            ("Emir", "Hodžić", "emir.hodzic"),
            ("Amra", "Begić", "amra.begic"),
            ("Adnan", "Kovačević", "adnan.kovacevic"),
            ("Lejla", "Mehić", "lejla.mehic"),
            ("Mirela", "Hadžić", "mirela.hadzic"),
            ("Dženan", "Šehić", "dzenan.sehic"),
            ("Ivana", "Jurić", "ivana.juric"),
            ("Marko", "Đorđević", "marko.djordjevic"),
            ("Selma", "Čaušević", "selma.causevic"),
        ),
        ("Šef nabavke", "Direktor", "Računovođa", "Referent logistike"),
        "+387 33 ### ###",
        "ba",
    ),
    Locale(
        "hy",
        ("AM",),
        "AMD",
        ("Արարատ", "Սևան", "Գառնի", "Երևան", "Արագած", "Դիլիջան", "Ախթամար", "Մասիս"),
        ("Տեք", "Ֆուդս", "Շին", "Տրանս", "Առևտուր", "Գրուպ"),
        "«{name}» ՍՊԸ",
        ("Երևան", "Գյումրի", "Վանաձոր", "Էջմիածին", "Աբովյան"),
        (
            ("Արմեն", "Սարգսյան", "armen.sargsyan"),
            ("Լիլիթ", "Հակոբյան", "lilit.hakobyan"),
            ("Դավիթ", "Գրիգորյան", "davit.grigoryan"),
            ("Անի", "Պետրոսյան", "ani.petrosyan"),
            ("Տիգրան", "Հովհաննիսյան", "tigran.hovhannisyan"),
            ("Նարե", "Մարտիրոսյան", "nare.martirosyan"),
            ("Գոռ", "Ավետիսյան", "gor.avetisyan"),
        ),
        ("Գնումների բաժնի ղեկավար", "Տնօրեն", "Գլխավոր հաշվապահ", "Լոգիստիկայի մասնագետ"),
        "+374 10 ######",
        "am",
    ),
    Locale(
        "zh-hans",
        ("CN",),
        "CNY",
        ("明光", "华信", "东方", "长城", "金龙", "新华", "宏达", "天成", "永盛"),
        ("贸易", "科技", "机械", "物流", "电子", "食品"),
        "{name}有限公司",
        ("上海", "北京", "广州", "深圳", "杭州", "成都", "南京"),
        (
            ("伟", "李", "li.wei"),
            ("芳", "王", "wang.fang"),
            ("敏", "张", "zhang.min"),
            ("洋", "刘", "liu.yang"),
            ("静", "陈", "chen.jing"),
            ("磊", "杨", "yang.lei"),
            ("娜", "赵", "zhao.na"),
            ("强", "黄", "huang.qiang"),
        ),
        ("采购经理", "总经理", "财务主管", "物流专员"),
        "+86 21 #### ####",
        "cn",
    ),
    Locale(
        "en",
        ("GB", "IE"),
        "GBP",
        ("Acme", "Northwind", "Brightwater", "Kingsbridge", "Oakfield", "Redhill", "Silverline", "Harbour"),
        ("Industrial", "Traders", "Logistics", "Foods", "Engineering", "Supplies"),
        "{name} Ltd",
        ("London", "Manchester", "Leeds", "Bristol", "Dublin", "Glasgow"),
        (
            ("James", "Wilson", "james.wilson"),
            ("Sarah", "Jones", "sarah.jones"),
            ("Oliver", "Taylor", "oliver.taylor"),
            ("Emily", "Brown", "emily.brown"),
            ("Harry", "Davies", "harry.davies"),
            ("Sophie", "Evans", "sophie.evans"),
            ("Jack", "Thomas", "jack.thomas"),
        ),
        ("Purchasing manager", "Managing director", "Finance manager", "Logistics coordinator"),
        "+44 20 #### ####",
        "co.uk",
    ),
)
INDUSTRIES = ("Manufacturing", "Wholesale", "Retail", "Construction", "Food", "Logistics", "IT", "Energy")
SEGMENTS = ("A", "B", "C")
DEMO_TAGS = ("VIP", "Exhibition 2026", "Newsletter", "Tender")
LOST_REASONS = ("Chose a competitor", "Price too high", "Closed the business")


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)


def _ascii_handle(text: str) -> str:
    handle = "".join(ch for ch in fold(text) if ch.isascii() and (ch.isalnum() or ch == "-"))
    return handle or "company"


def _company(
    rng: random.Random, number: int, owner: User, price_types: list[PriceList]
) -> tuple[Company, Locale]:
    locale = LOCALES[number % len(LOCALES)]
    stem, kind = rng.choice(locale.stems), rng.choice(locale.kinds)
    name = f"{stem} {kind} {number}"
    country = rng.choice(locale.countries)
    status = rng.choices(list(CompanyStatus), weights=[40, 45, 10, 5])[0]
    now = timezone.now()
    reviewed_days = rng.choice([None, rng.randint(0, 20), rng.randint(30, 80), rng.randint(100, 400)])
    contact_days = rng.choice([None, rng.randint(0, 10), rng.randint(10, 60), rng.randint(60, 300)])
    is_key_account = rng.random() < 0.08
    handle = _ascii_handle(stem) if locale.language in {"pl", "bs", "en"} else f"company{number}"
    domain = f"{handle}{number}.example.{locale.domain}"
    company = Company(
        name=name,
        legal_name=locale.legal.format(name=name),
        tax_id=f"{country}{rng.randint(10**9, 10**10 - 1)}"
        if country in {"PL", "GB", "HR"}
        else str(rng.randint(10**9, 10**10 - 1)),
        country=country,
        city=rng.choice(locale.cities),
        phone=_digits(rng, locale.phone),
        email=f"info@{domain}",
        website=f"https://www.{domain}/",
        industry=rng.choice(INDUSTRIES),
        size=rng.choice(list(CompanySize)),
        segment=rng.choice(SEGMENTS),
        status=status,
        status_reason=rng.choice(LOST_REASONS)
        if status in {CompanyStatus.LOST, CompanyStatus.INACTIVE}
        else "",
        source=rng.choice(list(CompanySource)),
        owner=owner,
        team=owner.team,
        document_language=locale.language,
        document_currency=locale.currency,
        is_key_account=is_key_account,
        external_id=f"{EXTERNAL_ID_PREFIX}{number:05d}",
        price_type=rng.choice(price_types),
        payment_terms_days=rng.choice([7, 14, 30, 45, 60]),
        credit_limit=rng.choice([None, 10000, 50000, 250000]),
        discount_percent=rng.choice([5, 7.5, 10]) if is_key_account else None,
        delivery_terms="48 h delivery" if is_key_account else "",
        card_reviewed_at=None if reviewed_days is None else now - datetime.timedelta(days=reviewed_days),
        card_reviewed_by=None if reviewed_days is None else owner,
        last_contact_at=None if contact_days is None else now - datetime.timedelta(days=contact_days),
    )
    _derive(company)
    return company, locale


def _contacts(rng: random.Random, company: Company, locale: Locale) -> list[Contact]:
    contacts = []
    people = rng.sample(locale.people, CONTACTS_PER_COMPANY)
    for index, (first_name, last_name, handle) in enumerate(people):
        phone = _digits(rng, locale.phone)
        contact = Contact(
            company=company,
            first_name=first_name,
            last_name=last_name,
            position=locale.positions[index % len(locale.positions)],
            buying_role=rng.choice(list(BuyingRole)),
            email=f"{handle}@{company.website_domain}",
            phone=phone,
            phone_e164=phone_e164(phone, str(company.country)),
            birthday=datetime.date(rng.randint(1960, 1999), rng.randint(1, 12), rng.randint(1, 28)),
            language=locale.language,
            preferred_channel=rng.choice(list(Channel)),
            marketing_consent=rng.random() < 0.5,
            left_on=datetime.date(2025, rng.randint(1, 12), 1) if rng.random() < 0.05 else None,
        )
        if contact.marketing_consent:
            contact.marketing_consent_at = timezone.now() - datetime.timedelta(days=rng.randint(1, 700))
            contact.marketing_consent_source = "Exhibition form"
        contact.name_key = person_key(first_name, last_name)
        contact.search_text = contact_search_text(contact)
        contacts.append(contact)
    return contacts


def _audit_created(records: list[Company] | list[Contact], fields: list[str], actor: User | None) -> None:
    if not records:
        return
    content_type = ContentType.objects.get_for_model(type(records[0]))
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                content_type=content_type,
                object_id=record.pk,
                object_repr=str(record)[:200],
                action=AuditAction.CREATE,
                actor=actor,
                company_id=audit_company_id(record),
                changes=diff({}, snapshot(record, fields)),
            )
            for record in records
        ]
    )


@transaction.atomic
def demo_customers_load(owners: list[User], count: int = DEMO_COMPANY_COUNT) -> tuple[int, int]:
    """Create the generated demo companies (with contacts) that are missing; returns (companies, contacts)."""
    existing = set(
        Company.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list(
            "external_id", flat=True
        )
    )
    tags = [Tag.objects.get_or_create(key=fold(name), defaults={"name": name})[0] for name in DEMO_TAGS]
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    price_types = demo_price_lists()
    made_companies = made_contacts = 0
    batch: list[tuple[Company, Locale]] = []
    for number in range(1, count + 1):
        owner = owners[number % len(owners)]
        company, locale = _company(
            rng, number, owner, price_types
        )  # drawn even when skipped, so the data stays the same
        if company.external_id not in existing:
            batch.append((company, locale))
        if len(batch) >= BATCH or (number == count and batch):
            made = _save_batch(rng, batch, tags)
            made_companies += made[0]
            made_contacts += made[1]
            batch = []
    return made_companies, made_contacts


def _save_batch(rng: random.Random, batch: list[tuple[Company, Locale]], tags: list[Tag]) -> tuple[int, int]:
    companies = Company.objects.bulk_create([company for company, _locale in batch])
    contacts = [contact for company, locale in batch for contact in _contacts(rng, company, locale)]
    Contact.objects.bulk_create(contacts)
    through = Company.tags.through
    through.objects.bulk_create(
        [
            through(company_id=company.pk, tag_id=rng.choice(tags).pk)
            for company in companies
            if rng.random() < 0.3
        ]
    )
    by_owner: dict[int, list[Company]] = {}
    for company in companies:
        by_owner.setdefault(company.owner_id or 0, []).append(company)
    for owned in by_owner.values():
        _audit_created(owned, Company.AUDITED_FIELDS, owned[0].owner)
    contacts_by_owner: dict[int, list[Contact]] = {}
    for contact in contacts:
        contacts_by_owner.setdefault(contact.company.owner_id or 0, []).append(contact)
    for owned_contacts in contacts_by_owner.values():
        _audit_created(owned_contacts, Contact.AUDITED_FIELDS, owned_contacts[0].company.owner)
    return len(companies), len(contacts)
