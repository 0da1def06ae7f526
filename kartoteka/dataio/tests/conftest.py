"""Helpers of the import tests: a file as an upload, and an import taken through its steps."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def upload():
    def _upload(name: str, content: str | bytes, encoding: str = "utf-8") -> SimpleUploadedFile:
        data = content.encode(encoding) if isinstance(content, str) else content
        return SimpleUploadedFile(name, data)

    return _upload


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Runs what the services queue for the worker (Huey is immediate in tests; the queueing
    waits for the commit, which a test's transaction never makes)."""

    def _worker(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _worker


@pytest.fixture
def imported(upload, registry, worker):
    """imported(user, "contact", "a.csv", text, mapping=…, **options) → the job after preview
    and run (the worker runs at once in tests)."""
    from kartoteka.dataio import services

    def _imported(user, entity, name, content, *, encoding="utf-8", preview=True, **options):
        job = services.start(user, entity, upload(name, content, encoding))
        if options:
            services.configure(user, job, options)
        if preview:
            worker(services.preview, user, job)
            job.refresh_from_db()
            assert job.status == job.Status.PREVIEWED, job.error
        worker(services.run, user, job)
        job.refresh_from_db()
        return job

    return _imported
