"""Fixtures of this directory's tests."""

import pytest


@pytest.fixture(autouse=True)
def _no_static_file_scan(settings):
    # Every django test Client loads the middleware again, and WhiteNoise then walks every static file
    # through the finders (tens of milliseconds per client). These tests fetch no static files.
    settings.WHITENOISE_USE_FINDERS = False
