from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "klient.service"
    label = "service"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from klient.service import timeline

        timeline.register()
