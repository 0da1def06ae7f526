"""Helpers for the knowledge base's tests: factories that go through the services like
everything else. The JSON API client is the shared one (`api_as`, `tests.helpers`)."""

from __future__ import annotations

import pytest


@pytest.fixture
def article_by(db):
    """article_by(author, title=…, body=…, **fields) → a published article, via the services."""
    from kartoteka.knowledge import services

    def _article_by(author, title="How to reset a password", body="Open the login page.", **data):
        data.setdefault("status", "published")
        return services.create_article(author, {"title": title, "body": body, **data})

    return _article_by


@pytest.fixture
def category_by(db):
    from kartoteka.knowledge import services

    def _category_by(author, name="Accounts", **data):
        return services.create_category(author, {"name": name, **data})

    return _category_by
