"""Orders in the admin, to read: they change in the app, the API and imports, where audit, versions and
delay notices apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.sales.orders.models import Order, OrderDelayNotice


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "company", "status", "is_delayed", "promised_date", "total", "external_id")
    list_filter = ("status", "is_delayed")
    search_fields = ("number", "external_id", "company__name")


@admin.register(OrderDelayNotice)
class OrderDelayNoticeAdmin(ReadOnlyAdmin):
    list_display = ("order", "old_date", "new_date", "contact", "message", "failure", "created_at")
