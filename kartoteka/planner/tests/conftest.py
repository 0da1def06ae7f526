"""Helpers for the planner's tests: a JSON API client, a fixed clock and a task factory that
goes through the services like everything else."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

API = "/api/v1"


class ApiClient:
    def __init__(self, client):
        self.client = client

    def get(self, path, params=None):
        return self.client.get(API + path, params or {})

    def post(self, path, body=None):
        return self.client.post(
            API + path,
            body if isinstance(body, str) else json.dumps({} if body is None else body),
            content_type="application/json",
        )

    def patch(self, path, body, **headers):
        return self.client.patch(
            API + path,
            body if isinstance(body, str) else json.dumps(body),
            content_type="application/json",
            **headers,
        )

    def delete(self, path):
        return self.client.delete(API + path)


@pytest.fixture
def api_as(client):
    def _api_as(user) -> ApiClient:
        client.force_login(user)
        return ApiClient(client)

    return _api_as


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]


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
