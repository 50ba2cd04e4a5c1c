"""Quotes in the admin, to read: they change in the app and the API, where audit and versions apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.sales.quotes.models import MassProposal, Quote


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "revision", "company", "status", "currency", "total", "valid_until", "owner")
    list_filter = ("status",)
    search_fields = ("number", "company__name")


@admin.register(MassProposal)
class MassProposalAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_by", "created_at", "status", "company_count", "sent_count", "failed_count")
    list_filter = ("status",)
