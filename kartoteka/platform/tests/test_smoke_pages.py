"""Every generic page renders for an administrator, for built-in entities."""

import pytest


@pytest.mark.django_db
def test_pages_render(client, admin_user, make):
    company = make("company", name="Acme Trading", phones="+48 22 123 45 67")
    contact = make("contact", first_name="Jan", last_name="Kowalski", company=company.pk)
    client.force_login(admin_user)
    for url in [
        "/",
        "/e/company/",
        "/e/contact/",
        f"/e/company/{company.pk}/",
        f"/e/contact/{contact.pk}/",
        "/e/company/new/",
        f"/e/contact/{contact.pk}/edit/",
        f"/e/contact/{contact.pk}/delete/",
        "/search/?q=acme",
        "/search/suggest/?q=acm",
        "/e/company/lookup/?q=acm",
        "/e/company/export.csv",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:2000])
