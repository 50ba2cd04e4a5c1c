from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "klient.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self) -> None:
        from klient.activities import myday_sources, timeline

        timeline.register()
        myday_sources.register()
