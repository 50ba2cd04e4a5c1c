from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallListsConfig(AppConfig):
    name = "klient.activities.calllists"
    label = "calllists"
    verbose_name = _("Call lists")
