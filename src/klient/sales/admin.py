"""Pipelines and their stages are configured in the admin (and the API); deals are read here and change
in the app and the API, where audit and versions apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.sales.models import Deal, Pipeline, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ("position", "name", "names", "probability", "kind")


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default", "is_active", "position")
    inlines = [StageInline]


@admin.register(Deal)
class DealAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "company",
        "stage",
        "status",
        "amount",
        "currency",
        "expected_close_date",
        "owner",
    )
    list_filter = ("status", "pipeline")
    search_fields = ("title", "company__name")
