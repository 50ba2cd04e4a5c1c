"""The service desk's pages under /service/: tickets and queues (views), the mail quarantine and mailboxes
(intake_views), business calendars and SLA policies (sla_views), the settings index (settings_views)."""

from klient.service import intake_views, report_views, settings_views, sla_views, views

app_name = "service"

urlpatterns = [
    *views.urlpatterns,
    *intake_views.urlpatterns,
    *sla_views.urlpatterns,
    *settings_views.urlpatterns,
    *report_views.urlpatterns,
]
