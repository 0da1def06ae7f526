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
