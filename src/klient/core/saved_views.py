"""Saved list views: a user's named filters of a list, one of which may open by default.

A saved view is a personal preference, not a business record: it is not audited, and nobody but its
owner reads or changes it (every function takes the user and looks views up among theirs only).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from klient.core.models import SavedView, User

# The lists that keep saved views; a list added later adds its name here.
LIST_NAMES = ("companies", "contacts")
MAX_VIEWS_PER_LIST = 50


def saved_view_list(*, user: User, list_name: str) -> QuerySet[SavedView]:
    """The user's saved views of one list, by name."""
    return SavedView.objects.filter(user=user, list_name=list_name).order_by("name", "id")


def saved_view_get(*, user: User, pk: int) -> SavedView:
    """One of the user's saved views; SavedView.DoesNotExist for anyone else's."""
    return SavedView.objects.get(user=user, pk=pk)


@transaction.atomic
def saved_view_save(
    *, user: User, list_name: str, name: str, query: str, is_default: bool = False
) -> SavedView:
    """Keep the list's current filters under a name; saving under an existing name replaces its filters."""
    name = " ".join(name.split())
    if list_name not in LIST_NAMES:
        raise ValidationError({"list_name": _("Unknown list.")})
    if not name:
        raise ValidationError({"name": _("Give the view a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name under 100 characters.")})
    if len(query) > 2000:
        raise ValidationError({"query": _("These filters are too long to save.")})
    existing = saved_view_list(user=user, list_name=list_name).filter(name=name).first()
    if existing is None and saved_view_list(user=user, list_name=list_name).count() >= MAX_VIEWS_PER_LIST:
        raise ValidationError({"name": _("You have too many saved views of this list; delete one first.")})
    view = existing or SavedView(user=user, list_name=list_name, name=name)
    view.query = query
    view.save()
    if is_default:
        saved_view_set_default(user=user, view=view, is_default=True)
    return view


@transaction.atomic
def saved_view_set_default(*, user: User, view: SavedView, is_default: bool) -> SavedView:
    """Make a view the one the list opens with (the previous default stops being one), or stop that."""
    if view.user_id != user.pk:
        raise SavedView.DoesNotExist
    if is_default:
        saved_view_list(user=user, list_name=view.list_name).exclude(pk=view.pk).update(is_default=False)
    SavedView.objects.filter(pk=view.pk).update(is_default=is_default)
    view.is_default = is_default
    return view


@transaction.atomic
def saved_view_delete(*, user: User, view: SavedView) -> None:
    """Delete one of the user's saved views."""
    if view.user_id != user.pk:
        raise SavedView.DoesNotExist
    view.delete()
