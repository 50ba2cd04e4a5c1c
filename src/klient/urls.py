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
    path("call-lists/", include("klient.activities.calllists.urls")),
    path("greetings/", include("klient.activities.greetings.urls")),
    path("calendar/", include("klient.activities.calendars.urls")),
    path("mail/", include("klient.mail.urls")),
    path("reports/", include("klient.reports.urls")),
    path("catalog/", include("klient.catalog.urls")),
    path("competitors/", include("klient.sales.competitors.urls")),
    path("deals/", include("klient.sales.urls")),
    path("quotes/", include("klient.sales.quotes.urls")),
    path("orders/", include("klient.sales.orders.urls")),
    path("contracts/", include("klient.sales.contracts.urls")),
    path("q/", include("klient.sales.quotes.public_urls")),
    path("service/satisfaction/", include("klient.service.portal.satisfaction_urls")),
    path("service/", include("klient.service.urls")),
    path("kb/", include("klient.service.kb.urls")),
    path("help/", include("klient.service.kb.public_urls")),
    path("portal/", include("klient.service.portal.urls")),
    path("webhooks/", include("klient.webhooks.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
