"""The production entry point (`gunicorn kartoteka.config.wsgi`) loads the URL patterns and
hides what it loaded from the garbage collector, so a full collection in the middle of a
request walks only what requests made (finding in docs/performance.md)."""

import os
import subprocess
import sys

PROBE = """
import gc
import kartoteka.config.wsgi as wsgi
frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
from django.urls import resolve
resolve("/api/v1/entities/contact/records/1")  # the URL patterns were loaded before freezing
print(frozen, tracked, len(gc.get_objects()) - tracked, callable(wsgi.application))
"""


def test_the_wsgi_module_freezes_what_it_loaded(tmp_path):
    env = {**os.environ, "KARTOTEKA_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    frozen, tracked, grown, is_app = done.stdout.split()
    assert int(frozen) > 50_000  # Django, the apps, every view and the API
    assert int(tracked) < 1_000  # nothing loaded at import time is left to collect
    assert int(grown) < 1_000  # resolving a URL imports nothing new
    assert is_app == "True"
