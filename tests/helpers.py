"""Helpers the unit tests of every app share for speaking JSON to the API (/api/v1): a client
that answers Django's responses (`ApiClient`, handed out by the `api_as` fixture of the root
conftest), one that answers (status, body) pairs (`StatusApi`), and the check of the one
error format (`error_of`)."""

from __future__ import annotations

import json

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


class StatusApi:
    """The Django test client speaking JSON below `prefix`, signed in as `user` when one is
    given; every call answers (status code, decoded body or None)."""

    prefix = API

    def __init__(self, client, user=None):
        if user is not None:
            client.force_login(user)
        self.client = client

    def _send(self, method, path, body=None):
        response = getattr(self.client, method)(
            f"{self.prefix}{path}",
            data=json.dumps(body) if body is not None else None,
            content_type="application/json",
        )
        return response.status_code, (response.json() if response.content else None)

    def get(self, path):
        return self._send("get", path)

    def post(self, path, body=None):
        return self._send("post", path, {} if body is None else body)

    def patch(self, path, body):
        return self._send("patch", path, body)

    def delete(self, path):
        return self._send("delete", path)


def error_of(response) -> dict:
    """The one error format: {"error": {"code", "message", "fields"?}}."""
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] and error["message"], error
    return error
