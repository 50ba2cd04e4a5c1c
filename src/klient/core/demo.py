"""A believable multilingual demo organisation; creating it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from klient.core.models import Role, Team, User
from klient.core.roles import SALES_ROLES
from klient.core.services import team_get_or_create, user_create

DEMO_PASSWORD = "klient-demo"  # noqa: S105 - published demo credential, printed by `klient run`


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str
    language: str
    timezone: str


SALES_NORTH = "Sales North"
SALES_SOUTH = "Sales South"
SERVICE_DESK = "Service Desk"

DEMO_USERS = [
    DemoUser("admin", "Olivia", "Bennett", Role.ADMIN, "", "en", "Europe/London"),
    DemoUser("anna.kowalska", "Anna", "Kowalska", Role.SALES_MANAGER, SALES_NORTH, "pl", "Europe/Warsaw"),
    DemoUser(
        "piotr.zielinski", "Piotr", "Zieliński", Role.ACCOUNT_MANAGER, SALES_NORTH, "pl", "Europe/Warsaw"
    ),
    DemoUser("ivan.petrov", "Иван", "Петров", Role.ACCOUNT_MANAGER, SALES_NORTH, "ru", "Europe/Moscow"),
    DemoUser("olga.smirnova", "Ольга", "Смирнова", Role.TELESALES, SALES_NORTH, "ru", "Europe/Moscow"),
    DemoUser("emir.hodzic", "Emir", "Hodžić", Role.SALES_MANAGER, SALES_SOUTH, "bs", "Europe/Sarajevo"),
    DemoUser("amra.begic", "Amra", "Begić", Role.ACCOUNT_MANAGER, SALES_SOUTH, "bs", "Europe/Sarajevo"),
    DemoUser("armen.sargsyan", "Արմեն", "Սարգսյան", Role.ACCOUNT_MANAGER, SALES_SOUTH, "hy", "Asia/Yerevan"),
    DemoUser("lilit.hakobyan", "Լիլիթ", "Հակոբյան", Role.TELESALES, SALES_SOUTH, "hy", "Asia/Yerevan"),
    DemoUser("ana.markovic", "Ana", "Marković", Role.SALES_CONSULTANT, SALES_SOUTH, "bs", "Europe/Sarajevo"),
    DemoUser("davit.grigoryan", "Դավիթ", "Գրիգորյան", Role.PRESALES, SALES_SOUTH, "hy", "Asia/Yerevan"),
    DemoUser("li.wei", "伟", "李", Role.SERVICE_MANAGER, SERVICE_DESK, "zh-hans", "Asia/Shanghai"),
    DemoUser("wang.fang", "芳", "王", Role.SERVICE_AGENT, SERVICE_DESK, "zh-hans", "Asia/Shanghai"),
    DemoUser("james.wilson", "James", "Wilson", Role.SERVICE_AGENT, SERVICE_DESK, "en", "Europe/London"),
    DemoUser("sarah.jones", "Sarah", "Jones", Role.FINANCE, "", "en", "Europe/London"),
    DemoUser("zhang.min", "敏", "张", Role.LOGISTICS, "", "zh-hans", "Asia/Shanghai"),
    DemoUser("marek.wojcik", "Marek", "Wójcik", Role.READ_ONLY, "", "pl", "Europe/Warsaw"),
]

TEAM_LEADS = {SALES_NORTH: "anna.kowalska", SALES_SOUTH: "emir.hodzic", SERVICE_DESK: "li.wei"}

# (name, legal name, country, tax id, owner username)
DEMO_COMPANIES = [
    ("Zażółć Sp. z o.o.", "Zażółć Gęślą Jaźń Spółka z o.o.", "PL", "PL5213000001", "piotr.zielinski"),
    ("Mleczarnia Łódzka", "Mleczarnia Łódzka S.A.", "PL", "PL7250000002", "piotr.zielinski"),
    ("Kraków Steel", "Kraków Steel Sp. z o.o.", "PL", "PL6760000003", "anna.kowalska"),
    ("Ромашка", "ООО «Ромашка»", "RU", "7701000004", "ivan.petrov"),
    ("Северный Ветер", "АО «Северный Ветер»", "RU", "7802000005", "ivan.petrov"),
    ("Волга Логистик", "ООО «Волга Логистик»", "RU", "6315000006", "olga.smirnova"),
    ("Ćevapi d.o.o.", "Ćevapi Sarajevo d.o.o.", "BA", "4200000000007", "amra.begic"),
    ("Đurđevak Trade", "Đurđevak Trade d.o.o.", "HR", "HR12345678908", "amra.begic"),
    ("Beograd Motors", "Beograd Motors d.o.o.", "RS", "RS100000009", "ana.markovic"),
    ("Արարատ", "«Արարատ» ՍՊԸ", "AM", "02500010", "armen.sargsyan"),
    ("Երևան Տեք", "«Երևան Տեք» ՓԲԸ", "AM", "02500011", "armen.sargsyan"),
    ("Գառնի Ֆուդս", "«Գառնի Ֆուդս» ՍՊԸ", "AM", "02500012", "lilit.hakobyan"),
    ("上海明光贸易", "上海明光贸易有限公司", "CN", "91310000000000013X", "emir.hodzic"),
    ("北京华信科技", "北京华信科技有限公司", "CN", "91110000000000014Y", "davit.grigoryan"),
    ("Acme Industrial", "Acme Industrial Ltd", "GB", "GB123456715", "emir.hodzic"),
    ("Northwind Traders", "Northwind Traders Ltd", "GB", "GB123456716", "anna.kowalska"),
]


@transaction.atomic
def demo_load() -> dict[str, int]:
    """Create the demo teams, users, companies, contacts and activities that are missing; returns how many
    of each were made."""
    from klient.activities.calllists.demo import calllists_demo_load
    from klient.activities.demo import demo_activities_load
    from klient.catalog.demo import demo_catalog_load
    from klient.customers.demo import demo_customers_load
    from klient.customers.models import Company
    from klient.customers.services import company_create
    from klient.reports.demo import demo_reports_load
    from klient.sales.competitors.demo import demo_competitors_load
    from klient.sales.contracts.demo import demo_contracts_load
    from klient.sales.demo import demo_deals_load
    from klient.sales.orders.demo import demo_orders_load
    from klient.sales.quotes.demo import demo_quotes_load
    from klient.service.demo import demo_service_load

    created = {
        "teams": 0,
        "users": 0,
        "companies": 0,
        "contacts": 0,
        "activities": 0,
        "call_lists": 0,
        "reports": 0,
        "products": 0,
    }
    for team_name in TEAM_LEADS:
        if not Team.objects.filter(name=team_name).exists():
            created["teams"] += 1
        team_get_or_create(name=team_name)
    users: dict[str, User] = {}
    for demo in DEMO_USERS:
        existing = User.objects.filter(username=demo.username).first()
        if existing is None:
            existing = user_create(
                username=demo.username,
                role=demo.role,
                team=Team.objects.get(name=demo.team) if demo.team else None,
                password=DEMO_PASSWORD,
                email=f"{demo.username}@demo.klient.example",
                first_name=demo.first_name,
                last_name=demo.last_name,
                language=demo.language,
                timezone_name=demo.timezone,
            )
            created["users"] += 1
        users[demo.username] = existing
    for team_name, lead in TEAM_LEADS.items():
        Team.objects.filter(name=team_name, lead__isnull=True).update(lead=users[lead])
    for name, legal_name, country, tax_id, owner in DEMO_COMPANIES:
        if Company.objects.filter(name=name).exists():
            continue
        company_create(
            actor=users[owner],
            name=name,
            legal_name=legal_name,
            country=country,
            tax_id=tax_id,
            owner=users[owner],
        )
        created["companies"] += 1
    owners = [users[demo.username] for demo in DEMO_USERS if demo.role in SALES_ROLES]
    companies, contacts = demo_customers_load(owners)
    created["companies"] += companies
    created["contacts"] += contacts
    created["activities"] = demo_activities_load(owners)
    created["call_lists"] = calllists_demo_load()
    created["reports"] = demo_reports_load(owners)
    created["products"] = demo_catalog_load(users["anna.kowalska"])
    created["competitors"] = demo_competitors_load(users["anna.kowalska"])
    created["deals"] = demo_deals_load(owners)
    created["quotes"] = demo_quotes_load(owners)
    created["orders"] = demo_orders_load()
    created["contracts"] = demo_contracts_load(owners)
    created["tickets"] = demo_service_load(users)
    return created
