"""WSGI entry point for production servers (gunicorn kartoteka.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.config.settings")
application = get_wsgi_application()
