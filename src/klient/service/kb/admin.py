"""The knowledge base in the admin: categories kept here; articles to read, as they change in the app
and the API, where versions, permissions and audit apply."""

from django.contrib import admin

from klient.core.admin import ReadOnlyAdmin
from klient.service.kb.models import Article, KbCategory


@admin.register(KbCategory)
class KbCategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "order")
    search_fields = ("slug",)


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("slug", "status", "category", "helpful_count", "not_helpful_count", "updated_at")
    list_filter = ("status",)
    search_fields = ("slug",)
