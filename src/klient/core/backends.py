"""Authentication backend that lends a deputy the rights of the users they stand in for."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Model

from klient.core.models import User
from klient.core.visibility import delegators

_model_backend = ModelBackend()


class DelegationBackend(ModelBackend):
    """Adds the permissions of every user whose delegation to this user is in force today."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> None:
        """Never signs anyone in; it only answers permission questions."""
        return None

    def get_all_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        """The union of the absent users' permissions."""
        if not isinstance(user_obj, User) or not user_obj.is_active or obj is not None:
            return set()
        permissions: set[str] = set()
        for absent_user in delegators(user_obj):
            # ModelBackend's own answer: this class's get_*_permissions return nothing by design.
            permissions |= _model_backend.get_all_permissions(absent_user)
        return permissions

    def get_user_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Model | None = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
