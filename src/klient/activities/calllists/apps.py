from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallListsConfig(AppConfig):
    name = "klient.activities.calllists"
    label = "calllists"
    verbose_name = _("Call lists")

    def ready(self) -> None:
        from klient.activities.calllists.myday import call_list_items
        from klient.activities.myday import register_myday_source

        register_myday_source("call_lists", 20, call_list_items)
