"""WSGI entry point for production servers (gunicorn kartoteka.config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kartoteka.config.settings")
application = get_wsgi_application()


def _settle() -> None:
    """Load the URL patterns (and with them every view and the API) now, then hide what was
    loaded — ~150,000 objects that live as long as the process — from the garbage
    collector: a full collection no longer walks them in the middle of a request (with them,
    one contact list page in a hundred took ~160 ms longer)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imported for its side effect)
    gc.collect()
    gc.freeze()


_settle()
