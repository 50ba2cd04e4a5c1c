"""The service desk's pages under /service/: tickets and queues (views), the mail quarantine and mailboxes
(intake_views), business calendars and SLA policies (sla_views)."""

from klient.service import intake_views, sla_views, views

app_name = "service"

urlpatterns = [*views.urlpatterns, *intake_views.urlpatterns, *sla_views.urlpatterns]
