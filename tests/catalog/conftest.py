"""Fixtures of the catalogue's tests."""

import pytest

from klient.core.models import Role


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def lena(make_user):
    """Logistics: keeps the stock."""
    return make_user("lena", Role.LOGISTICS)
