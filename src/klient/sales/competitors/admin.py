"""Competitors in the admin: read here; they change in the app and the API, where audit and versions
apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.sales.competitors.models import Competitor, CompetitorSupply


@admin.register(Competitor)
class CompetitorAdmin(ReadOnlyAdmin):
    list_display = ("name", "country", "website", "is_active")
    search_fields = ("name",)


@admin.register(CompetitorSupply)
class CompetitorSupplyAdmin(ReadOnlyAdmin):
    list_display = ("competitor", "company", "description", "price", "currency", "since")
    list_select_related = ("competitor", "company")
