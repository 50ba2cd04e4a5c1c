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
COMMERCIAL = ["customers.view_commercial_terms"]
AUDIT = ["core.view_auditentry"]
TEAM_ADMIN = ["core.view_delegation", "core.add_delegation", "core.change_delegation"]

# Each role's permissions as "app_label.codename". Adding a model later means adding its codes here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [],  # administrators are superusers
    Role.SALES_MANAGER: [
        *COMPANY_WRITE,
        "customers.delete_company",
        *ACTIVITY_WRITE,
        *COMMERCIAL,
        *AUDIT,
        *TEAM_ADMIN,
    ],
    Role.ACCOUNT_MANAGER: [*COMPANY_WRITE, *ACTIVITY_WRITE, *COMMERCIAL, *AUDIT],
    Role.TELESALES: [*COMPANY_WRITE, *ACTIVITY_WRITE, *AUDIT],
    Role.SALES_CONSULTANT: [*COMPANY_WRITE, *ACTIVITY_WRITE, *AUDIT],
    Role.PRESALES: [*COMPANY_WRITE, *ACTIVITY_WRITE, *AUDIT],
    Role.SERVICE_AGENT: [*COMPANY_READ, *SERVICE_WRITE, *ACTIVITY_WRITE],
    Role.SERVICE_MANAGER: [*COMPANY_READ, *SERVICE_WRITE, *ACTIVITY_WRITE, *AUDIT, *TEAM_ADMIN],
    Role.FINANCE: [*COMPANY_READ, *ACTIVITY_READ, *COMMERCIAL, *AUDIT],
    Role.LOGISTICS: [*COMPANY_READ, *ACTIVITY_READ],
    Role.READ_ONLY: [*COMPANY_READ, *ACTIVITY_READ],
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
