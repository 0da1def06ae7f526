"""Helpers for the platform's tests: a JSON API client signed in by session or token, a
snapshot of every table a write touches, and a relation type between companies and
contacts."""

from __future__ import annotations

import json

import pytest

API = "/api/v1"


class ApiClient:
    """The Django test client speaking JSON to /api/v1, as a session or a token holder."""

    def __init__(self, client, headers: dict | None = None):
        self.client = client
        self.headers = headers or {}

    def _body(self, body) -> str:
        return body if isinstance(body, str | bytes) else json.dumps(body)

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(API + path, params or {}, **self.headers, **headers)

    def post(self, path: str, body=None, **headers):
        return self.client.post(
            API + path,
            self._body({} if body is None else body),
            content_type="application/json",
            **self.headers,
            **headers,
        )

    def patch(self, path: str, body, **headers):
        return self.client.patch(
            API + path, self._body(body), content_type="application/json", **self.headers, **headers
        )

    def delete(self, path: str, **headers):
        return self.client.delete(API + path, **self.headers, **headers)


@pytest.fixture
def api_as(client):
    """api_as(user) → a session client; api_as(user, token=True) → a Bearer-token client."""
    from kartoteka.accounts.models import ApiToken

    def _api_as(user, token: bool = False) -> ApiClient:
        if token:
            _token, raw = ApiToken.issue(user, "tests")
            client.logout()
            return ApiClient(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"})
        client.force_login(user)
        return ApiClient(client)

    return _api_as


def error_of(response) -> dict:
    """The one error format: {"error": {"code", "message", "fields"?}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] and error["message"], error
    return error


def snapshot() -> dict[str, int]:
    """Row counts of everything a write could touch."""
    from kartoteka.contacts.models import Company, Contact
    from kartoteka.platform.models import ContactPoint, SearchEntry
    from kartoteka.records.models import Link
    from kartoteka.timeline.models import Activity

    return {
        model.__name__: model.objects.count()
        for model in (Company, Contact, Activity, Link, SearchEntry, ContactPoint)
    }


@pytest.fixture
def works_at(registry):
    """A many-to-many relation "works at" from company to contact."""
    from kartoteka.customization.models import RelationType

    relation = RelationType.objects.create(
        key="company_people",
        from_entity="company",
        to_entity="contact",
        label="People",
        reverse_label="Works at",
    )
    registry.bump()
    return relation
