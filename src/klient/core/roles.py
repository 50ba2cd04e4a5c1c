"""Default permissions and visibility of each role. An administrator may change both afterwards."""

from klient.core.models import Role, Visibility

COMPANY_READ = ["customers.view_company", "customers.view_contact"]
# Service desks take calls from people the sales side has not met: they keep contacts and notes.
SERVICE_WRITE = ["customers.add_contact", "customers.change_contact", "core.add_note", "core.add_attachment"]
COMPANY_WRITE = [
    "customers.view_company",
    "customers.add_company",
    "customers.change_company",
    "customers.view_contact",
    "customers.add_contact",
    "customers.change_contact",
    "customers.delete_contact",
    "customers.add_importjob",
    "core.add_note",
    "core.add_attachment",
    "core.add_tag",
]
ACTIVITY_WRITE = [
    "activities.view_activity",
    "activities.add_activity",
    "activities.change_activity",
    "activities.delete_activity",
]
ACTIVITY_READ = ["activities.view_activity"]
TARGET_SET = ["activities.view_target", "activities.add_target", "activities.change_target"]
COMMERCIAL = ["customers.view_commercial_terms"]
AUDIT = ["core.view_auditentry"]
TEAM_ADMIN = ["core.view_delegation", "core.add_delegation", "core.change_delegation"]
# Mail: sales and service roles send email to contacts they see; sales reps and managers send mailings.
MAIL_SEND = ["mail.send_mail", "mail.view_outboxmessage", "mail.view_mailtemplate"]
MAILING = ["mail.add_mailing", "mail.view_mailing"]
# Call lists: sales reps work lists and build their own; managers also build and assign lists for their
# team and edit the call scripts and the objection library.
CALL_LIST_USE = [
    "calllists.view_calllist",
    "calllists.add_calllist",
    "calllists.view_callscript",
    "calllists.view_callscriptstep",
    "calllists.view_objection",
    "calllists.view_objectionanswer",
    "calllists.view_objectionmark",
]
CALL_LIST_MANAGE = [
    *CALL_LIST_USE,
    "calllists.change_calllist",
    "calllists.delete_calllist",
    *(
        f"calllists.{action}_{model}"
        for model in ("callscript", "callscriptstep", "objection", "objectionanswer")
        for action in ("add", "change", "delete")
    ),
]

# Greetings and events: sales roles greet their contacts, plan events and invite; managers also edit the
# professional holiday calendar.
GREETINGS_USE = [
    "greetings.view_greetingsent",
    "greetings.add_greetingsent",
    "greetings.view_professionalholiday",
    "greetings.view_event",
    "greetings.add_event",
    "greetings.change_event",
    "greetings.view_invitation",
    "greetings.add_invitation",
    "greetings.change_invitation",
]
HOLIDAY_CALENDAR_EDIT = [
    "greetings.add_professionalholiday",
    "greetings.change_professionalholiday",
    "greetings.delete_professionalholiday",
]

# Reports: sales roles read their own monthly reports and call analysis (managers their team's, by visibility).
REPORTS_VIEW = ["reports.view_monthlyreport", "reports.view_call_analysis"]

# Catalogue: everyone on staff reads products, stock and prices; sales managers keep products and price
# lists; logistics keeps stock; finance records exchange rates.
CATALOG_READ = [
    f"catalog.view_{model}"
    for model in ("product", "category", "analog", "warehouse", "stock", "pricelist", "price", "exchangerate")
]
CATALOG_EDIT = [
    "catalog.add_product",
    "catalog.change_product",
    "catalog.add_category",
    "catalog.add_pricelist",
    "catalog.change_pricelist",
    "catalog.add_exchangerate",
]
STOCK_EDIT = ["catalog.add_stock", "catalog.change_stock"]
# A client's special prices and discounts (commercial terms: read with view_commercial_terms as well).
CUSTOMER_PRICES_READ = ["catalog.view_customerprice"]
CUSTOMER_PRICES_EDIT = [
    *CUSTOMER_PRICES_READ,
    "catalog.add_customerprice",
    "catalog.change_customerprice",
    "catalog.delete_customerprice",
]
RATES_EDIT = ["catalog.add_exchangerate"]

# Competitors: the sales side reads the catalogue of competitors and records who supplies the companies it
# sees ("watch competitors"); sales managers keep the catalogue; account managers may add a competitor they
# met at a customer (not edit one).
COMPETITORS_READ = ["competitors.view_competitor", "competitors.view_competitorsupply"]
COMPETITORS_WATCH = [
    *COMPETITORS_READ,
    "competitors.add_competitorsupply",
    "competitors.change_competitorsupply",
    "competitors.delete_competitorsupply",
]
COMPETITORS_EDIT = ["competitors.add_competitor", "competitors.change_competitor"]

# Deals: the sales side opens and works deals of the companies it sees; sales managers keep the
# pipelines; finance and read-only users read deals and the forecast.
DEALS_READ = ["sales.view_deal", "sales.view_pipeline", "sales.view_stage", "sales.view_dealmember"]
DEALS_WORK = [*DEALS_READ, "sales.add_deal", "sales.change_deal"]
# Out of stock: sellers ask logistics and ask to tell a customer when a product arrives; logistics
# (and sales managers) answer the requests.
LOGISTICS_ASK = [
    "catalog.view_logisticsrequest",
    "catalog.add_logisticsrequest",
    "catalog.view_restocknotice",
    "catalog.add_restocknotice",
]
LOGISTICS_WORK = [
    "catalog.view_logisticsrequest",
    "catalog.change_logisticsrequest",
    "catalog.view_restocknotice",
]
QUOTES_READ = ["quotes.view_quote", "quotes.view_quoteline"]
QUOTES_WORK = [*QUOTES_READ, "quotes.add_quote", "quotes.change_quote"]
QUOTES_APPROVE = ["quotes.approve_quote"]
# Orders: the sales side makes orders of accepted quotes and updates them; logistics updates statuses and
# promised dates; finance and read-only users read them.
ORDERS_READ = ["orders.view_order", "orders.view_orderline", "orders.view_orderdelaynotice"]
ORDERS_UPDATE = [*ORDERS_READ, "orders.change_order"]
ORDERS_WORK = [*ORDERS_UPDATE, "orders.add_order"]
# Contracts: account managers and sales managers write and negotiate contracts; managers approve them;
# the other sales roles, finance and read-only users read them (key terms with view_commercial_terms).
CONTRACTS_READ = [
    "contracts.view_contract",
    "contracts.view_contractline",
    "contracts.view_contractversion",
    "contracts.view_disagreement",
    "contracts.view_contracttemplate",
]
CONTRACTS_WORK = [
    *CONTRACTS_READ,
    "contracts.add_contract",
    "contracts.change_contract",
    "contracts.add_disagreement",
    "contracts.change_disagreement",
]
CONTRACTS_APPROVE = ["contracts.approve_contract", "contracts.add_contracttemplate"]
# Service desk: agents work tickets (reply, note, claim, merge, split, macros); managers also keep queues,
# routing, calendars, SLA policies, macros and mailboxes and see the mail quarantine; the sales side and
# read-only users read the tickets of the companies they see.
TICKETS_READ = ["service.view_ticket", "service.view_ticketmessage"]
TICKETS_WORK = [
    *TICKETS_READ,
    "service.add_ticket",
    "service.change_ticket",
    "service.view_macro",
    "service.view_queue",
]
SERVICE_SETUP = [
    f"service.{action}_{model}"
    for model in (
        "queue", "queuemember", "routingrule", "category", "businesscalendar", "slapolicy", "slatarget",
        "macro", "macrotext", "mailbox", "logaddress",
    )
    for action in ("view", "add", "change", "delete")
]  # fmt: skip
QUARANTINE = ["service.view_inboundmail", "service.manage_quarantine"]
# Knowledge base: the sales side and read-only users read internal and public articles; agents also write
# articles (drafts and internal ones); managers also publish them and keep the categories.
KB_READ = ["kb.view_article", "kb.view_articletranslation", "kb.view_articleversion", "kb.view_kbcategory"]
KB_WRITE = [
    *KB_READ,
    "kb.add_article",
    "kb.change_article",
    "kb.add_articletranslation",
    "kb.change_articletranslation",
]
KB_PUBLISH = [*KB_WRITE, "kb.publish_article", "kb.add_kbcategory", "kb.change_kbcategory"]
PIPELINES_EDIT = ["sales.add_pipeline", "sales.change_pipeline", "sales.add_stage", "sales.change_stage"]

# Each role's permissions as "app_label.codename". Adding a model later means adding its codes here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Administrators are superusers; the webhooks permission is named too, for a group given it by hand.
    Role.ADMIN: ["webhooks.manage_webhooks"],
    Role.SALES_MANAGER: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_WORK,
        *QUOTES_WORK,
        *ORDERS_WORK,
        *QUOTES_APPROVE,
        *CONTRACTS_WORK,
        *CONTRACTS_APPROVE,
        *LOGISTICS_ASK,
        *LOGISTICS_WORK,
        *PIPELINES_EDIT,
        *COMPETITORS_WATCH,
        *COMPETITORS_EDIT,
        *CATALOG_EDIT,
        *CUSTOMER_PRICES_EDIT,
        *STOCK_EDIT,
        *GREETINGS_USE,
        *HOLIDAY_CALENDAR_EDIT,
        *REPORTS_VIEW,
        *CALL_LIST_MANAGE,
        *COMPANY_WRITE,
        "customers.delete_company",
        *ACTIVITY_WRITE,
        *TARGET_SET,
        *COMMERCIAL,
        *AUDIT,
        *TEAM_ADMIN,
        *MAIL_SEND,
        *MAILING,
    ],
    Role.ACCOUNT_MANAGER: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_WORK,
        *QUOTES_WORK,
        *ORDERS_WORK,
        *CONTRACTS_WORK,
        *LOGISTICS_ASK,
        *COMPETITORS_WATCH,
        "competitors.add_competitor",
        *CUSTOMER_PRICES_EDIT,
        *GREETINGS_USE,
        *REPORTS_VIEW,
        *MAIL_SEND,
        *MAILING,
        *CALL_LIST_USE,
        *COMPANY_WRITE,
        *ACTIVITY_WRITE,
        *COMMERCIAL,
        *AUDIT,
    ],
    Role.TELESALES: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_WORK,
        *QUOTES_WORK,
        *ORDERS_WORK,
        *CONTRACTS_READ,
        *LOGISTICS_ASK,
        *COMPETITORS_WATCH,
        *GREETINGS_USE,
        *REPORTS_VIEW,
        *MAIL_SEND,
        *MAILING,
        *CALL_LIST_USE,
        *COMPANY_WRITE,
        *ACTIVITY_WRITE,
        *AUDIT,
    ],
    Role.SALES_CONSULTANT: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_WORK,
        *QUOTES_WORK,
        *ORDERS_WORK,
        *CONTRACTS_READ,
        *LOGISTICS_ASK,
        *COMPETITORS_WATCH,
        *GREETINGS_USE,
        *REPORTS_VIEW,
        *MAIL_SEND,
        *CALL_LIST_USE,
        *COMPANY_WRITE,
        *ACTIVITY_WRITE,
        *AUDIT,
    ],
    Role.PRESALES: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_WORK,
        *QUOTES_WORK,
        *ORDERS_WORK,
        *CONTRACTS_READ,
        *LOGISTICS_ASK,
        *COMPETITORS_WATCH,
        *GREETINGS_USE,
        *REPORTS_VIEW,
        *MAIL_SEND,
        *CALL_LIST_USE,
        *COMPANY_WRITE,
        *ACTIVITY_WRITE,
        *AUDIT,
    ],
    Role.SERVICE_AGENT: [
        *TICKETS_WORK,
        *KB_WRITE,
        *CATALOG_READ,
        *MAIL_SEND,
        *COMPANY_READ,
        *SERVICE_WRITE,
        *ACTIVITY_WRITE,
    ],
    Role.SERVICE_MANAGER: [
        *TICKETS_WORK,
        *KB_PUBLISH,
        *SERVICE_SETUP,
        *QUARANTINE,
        *CATALOG_READ,
        *MAIL_SEND,
        *COMPANY_READ,
        *SERVICE_WRITE,
        *ACTIVITY_WRITE,
        *AUDIT,
        *TEAM_ADMIN,
    ],
    Role.FINANCE: [
        *CATALOG_READ,
        *DEALS_READ,
        *QUOTES_READ,
        *ORDERS_READ,
        *CONTRACTS_READ,
        *CUSTOMER_PRICES_READ,
        *RATES_EDIT,
        *COMPANY_READ,
        *ACTIVITY_READ,
        *COMMERCIAL,
        *AUDIT,
    ],
    Role.LOGISTICS: [
        *CATALOG_READ,
        *LOGISTICS_WORK,
        *STOCK_EDIT,
        *ORDERS_UPDATE,
        *COMPANY_READ,
        *ACTIVITY_READ,
    ],
    Role.READ_ONLY: [
        *TICKETS_READ,
        *KB_READ,
        *CATALOG_READ,
        *DEALS_READ,
        *QUOTES_READ,
        *ORDERS_READ,
        *CONTRACTS_READ,
        *COMPANY_READ,
        *ACTIVITY_READ,
    ],
    Role.PORTAL: [],
}

DEFAULT_VISIBILITY: dict[str, str] = {
    Role.ADMIN: Visibility.ALL,
    Role.SALES_MANAGER: Visibility.TEAM,
    Role.ACCOUNT_MANAGER: Visibility.OWN,
    Role.TELESALES: Visibility.OWN,
    Role.SALES_CONSULTANT: Visibility.OWN,
    Role.PRESALES: Visibility.OWN,
    # Service roles read every company's basic card; commercial terms stay hidden by permission.
    Role.SERVICE_AGENT: Visibility.ALL,
    Role.SERVICE_MANAGER: Visibility.ALL,
    Role.FINANCE: Visibility.ALL,
    Role.LOGISTICS: Visibility.ALL,
    Role.READ_ONLY: Visibility.ALL,
    # Portal customers never see the staff company list; their own company comes with the portal.
    Role.PORTAL: Visibility.OWN,
}

# Roles that belong to sales (navigation and demo data use this).
SALES_ROLES = {Role.SALES_MANAGER, Role.ACCOUNT_MANAGER, Role.TELESALES, Role.SALES_CONSULTANT, Role.PRESALES}
SERVICE_ROLES = {Role.SERVICE_AGENT, Role.SERVICE_MANAGER}
MANAGER_ROLES = {Role.SALES_MANAGER, Role.SERVICE_MANAGER, Role.ADMIN}
