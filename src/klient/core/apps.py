from typing import Any

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Setup, not business logic: roles need the permissions that migrate creates for each app.
    if sender.name.startswith("klient.") and apps.is_installed("django.contrib.auth"):
        from klient.core.services import roles_sync

        roles_sync()


class CoreConfig(AppConfig):
    name = "klient.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="klient.core.roles_sync")
