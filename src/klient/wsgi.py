"""WSGI entry point for gunicorn: `gunicorn klient.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klient.settings")
application = get_wsgi_application()
