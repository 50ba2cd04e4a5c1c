"""Top-level URLs: the UI apps, the API under /api/v1/, and the operators' admin."""

from django.contrib import admin
from django.urls import include, path

from klient.api.main import api

admin.site.site_header = "Klient"
admin.site.site_title = "Klient"

urlpatterns = [
    path("", include("klient.core.urls")),
    path("companies/", include("klient.customers.urls")),
    path("activities/", include("klient.activities.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
