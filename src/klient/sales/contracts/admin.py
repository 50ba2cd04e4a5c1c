"""Contracts in the admin: templates are kept here; contracts to read, as they change in the app and the
API, where audit, versions and the protocol apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.sales.contracts.models import Contract, ContractTemplate


@admin.register(ContractTemplate)
class ContractTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "duration_months", "payment_terms_days", "is_active")
    list_filter = ("is_active", "language")
    search_fields = ("name",)


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "company", "status", "starts_on", "ends_on", "owner")
    list_filter = ("status",)
    search_fields = ("number", "title", "company__name")
