"""The list page's rows and user options are built in Python (list_html); they must escape
what the templates escaped and link what the templates linked."""

import pytest

from kartoteka.platform import list_html


@pytest.mark.django_db
def test_rows_link_the_card_and_escape_every_cell(admin_user, make, registry, client):
    hostile = '<script>alert("x")</script>'
    contact = make("contact", first_name=hostile, last_name="O'Brien & Sons", position=hostile)
    client.force_login(admin_user)
    html = client.get("/e/contact/").content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "O&#x27;Brien &amp; Sons" in html
    spec = registry.get("contact")
    assert f'<a href="{spec.card_url(contact.pk)}" class="fw-semibold">' in html
    assert f'name="ids" value="{contact.pk}"' in html


@pytest.mark.django_db
def test_card_urls_without_reverse_match_reverse(registry):
    spec = registry.get("deal")
    card_url = list_html.card_url_maker(spec)
    for pk in (1, 42, 987654321, 10**12):
        assert card_url(pk) == spec.card_url(pk)


def test_options_escape_labels_and_select_the_current_value():
    html = list_html.options([("1", "Ann <b>"), ("2", 'Bob "B"')], current="2")
    assert html == (
        '<option value="1">Ann &lt;b&gt;</option>'
        '<option value="2" selected>Bob &quot;B&quot;</option>'
    )
    assert "selected" not in list_html.options([("1", "Ann")])


@pytest.mark.django_db
def test_the_owner_filter_keeps_the_chosen_owner_selected(admin_user, manager, client):
    client.force_login(admin_user)
    html = client.get(f"/e/contact/?f.owner={manager.pk}").content.decode()
    assert f'<option value="{manager.pk}" selected>' in html
    html = client.get("/e/contact/").content.decode()
    assert f'<option value="{manager.pk}" selected>' not in html
    assert f'<option value="{manager.pk}">' in html


@pytest.mark.django_db
def test_a_number_stored_as_text_shows_as_it_is_in_list_sort_card_and_export(
    admin_user, make, registry, client
):
    """Data written by hand or by an old version ("12,5" under a number field) must not break
    the pages that show it, sort by it or export it."""
    from kartoteka.contacts.models import Contact
    from kartoteka.customization import services as customization

    customization.create_field(
        admin_user,
        {"entity": "contact", "key": "revenue", "label": "Revenue", "type": "number",
         "filterable": True},
    )  # fmt: skip
    registry.refresh()
    odd = make("contact", first_name="Odd", last_name="Stored", revenue=5)
    make("contact", first_name="Plain", last_name="Number", revenue=7)
    Contact.objects.filter(pk=odd.pk).update(custom={"revenue": "12,5"})
    client.force_login(admin_user)
    for sort in ("revenue", "-revenue"):
        html = client.get(f"/e/contact/?sort={sort}&columns=last_name,revenue").content.decode()
        assert "12,5" in html and "Number" in html
    assert client.get(registry.get("contact").card_url(odd.pk)).status_code == 200
    response = client.get("/e/contact/export.csv?sort=-revenue&columns=last_name,revenue")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    # SQLite sorts the text after the numbers, PostgreSQL (its cast gives null) last
    assert sorted(body.splitlines()[1:]) == [f'{odd.pk},Stored,"12,5"', f"{odd.pk + 1},Number,7"]
