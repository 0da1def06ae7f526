"""Helpers for the planner's tests: a fixed clock and a task factory that goes through the
services like everything else. The JSON API client is the shared one (`api_as`,
`tests.helpers`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def at(day: str, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An aware moment in the site's time zone: at("2030-03-04", 9)."""
    return timezone.make_aware(
        dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute))
    )


@pytest.fixture
def task_for(registry):
    """task_for(actor, record=None, **data) → a task created through the services."""
    from kartoteka.planner import services

    def _task_for(actor, record=None, **data):
        data.setdefault("title", "Call about the offer")
        data.setdefault("due_at", "2030-03-04T10:00")
        if record is not None:
            data.setdefault("entity", record._meta.model_name)
            data.setdefault("object_id", record.pk)
        return services.create_task(actor, data)

    return _task_for
