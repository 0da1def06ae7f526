"""Pages and API answers cost the same number of SQL queries whether they show 3 rows or 30:
related owners, companies, links and timeline actors are loaded in bulk, never per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kartoteka.platform import services
from kartoteka.platform.registry import registry

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.content[:500])
    return len(context.captured_queries)


def counts_for_growing_data(client, url: str, grow, small: int, large: int) -> tuple[int, int]:
    """Queries for `url` with `small` items, then with `large` (after a warm-up request)."""
    grow(small)
    client.get(url)  # warm caches (registry, translations, content types)
    few = count_queries(client, url)
    grow(large - small)
    return few, count_queries(client, url)


@pytest.fixture
def companies_and_contacts(make, manager, django_user_model, teams):
    """grow(n) adds n contacts, each at its own company; every other one is the manager's,
    the rest each have an owner of their own (so owners cannot be fetched one by one)."""
    from kartoteka.accounts.models import Role

    role = Role.objects.get(key="manager")
    created = [0]

    def grow(n: int) -> None:
        for i in range(n):
            created[0] += 1
            owner = manager
            if created[0] % 2:
                owner = django_user_model.objects.create_user(
                    username=f"owner{created[0]}", role=role, team=teams["south"]
                )
            company = make("company", owner, name=f"Company {i}", owner=owner, tags="vip")
            make(
                "contact",
                owner,
                first_name="Jan",
                last_name=f"Nowak {created[0]}",
                company=company.pk,
                phones=f"+48 22 {1000000 + created[0]}",  # clients of others are not re-created
                owner=owner,
            )

    return grow


@pytest.mark.parametrize(
    "url",
    [
        "/e/contact/",
        "/e/company/",
        "/e/contact/?sort=company",
        "/e/contact/?columns=last_name,company,owner,tags",
        "/e/contact/export.csv",
        "/search/?q=nowak",
        "/api/v1/entities/contact/records",
        "/api/v1/entities/company/records?sort=owner",
    ],
)
def test_lists_run_the_same_queries_for_3_or_30_rows(client, head, companies_and_contacts, url):
    client.force_login(head)

    few, many = counts_for_growing_data(client, url, companies_and_contacts, 3, 30)

    assert few == many


def test_managers_list_runs_the_same_queries_for_3_or_30_rows(
    client, manager, companies_and_contacts
):
    client.force_login(manager)

    few, many = counts_for_growing_data(client, "/e/contact/", companies_and_contacts, 3, 30)

    assert few == many


@pytest.fixture
def busy_company(make, head, manager, colleague, works_at):
    """A company whose card gains n notes, owner changes, contacts and linked contacts."""
    company = make("company", head, name="Acme", owner=head)
    spec = registry.get("company")

    added = [0]

    def grow(n: int) -> None:
        nonlocal company
        for _ in range(n):
            added[0] += 1
            i = added[0]
            services.add_activity(spec, head, company, {"kind": "call", "body": f"Call {i}"})
            new_owner = colleague if company.owner_id == manager.pk else manager
            company = services.update_record(spec, head, company, {"owner": new_owner.pk})
            make("contact", head, last_name=f"Employee {i}", company=company.pk)
            partner = make("contact", head, last_name=f"Partner {i}", owner=colleague)
            services.link_records(head, works_at, company, partner)
            if i % 3 == 0:
                make("contact", head, last_name=f"Staff {i}", owner=manager, company=company.pk)

    return company, grow


@pytest.mark.parametrize(
    "url",
    [
        "/e/company/{pk}/",
        "/e/company/{pk}/edit/",
        "/api/v1/entities/company/records/{pk}",
        "/api/v1/entities/company/records/{pk}/timeline",
        "/api/v1/entities/company/records/{pk}/links",
    ],
)
def test_card_runs_the_same_queries_for_3_or_40_entries_and_contacts(
    client, head, busy_company, url
):
    company, grow = busy_company
    client.force_login(head)

    few, many = counts_for_growing_data(client, url.format(pk=company.pk), grow, 3, 40)

    assert few == many


def test_contact_card_with_company_and_links_runs_the_same_queries(client, head, make, works_at):
    contact = make("contact", head, last_name="Nowak")
    url = f"/e/contact/{contact.pk}/"

    def grow(n: int) -> None:
        for i in range(n):
            company = make("company", head, name=f"Employer {i}")
            services.link_records(head, works_at, company, contact)
            services.add_activity(
                registry.get("contact"), head, contact, {"kind": "note", "body": f"Note {i}"}
            )

    client.force_login(head)
    few, many = counts_for_growing_data(client, url, grow, 3, 40)

    assert few == many
