"""The catalogue in the admin: warehouses and categories are configured here; products, stock and price
lists change in the app and the API (where audit and versions apply), and are read here."""

from django.contrib import admin

from klient.catalog.models import Category, ExchangeRate, PriceList, Product, Warehouse
from klient.core.admin import ReadOnlyAdmin


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("sku", "name", "unit", "vat_rate", "is_active")
    search_fields = ("sku", "name")


@admin.register(PriceList)
class PriceListAdmin(ReadOnlyAdmin):
    list_display = ("name", "currency", "valid_from", "valid_until", "is_active")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ("currency", "on", "rate")
    list_filter = ("currency",)
