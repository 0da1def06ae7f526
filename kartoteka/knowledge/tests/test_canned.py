"""Filling canned responses: a fixed list of placeholders, plain substitution, nothing that
the template engine would do."""

from __future__ import annotations

import pytest

from kartoteka.knowledge import canned
from kartoteka.platform.fields import InputErrors

CONTEXT = {
    "contact": {"first_name": "Anna", "last_name": "Kowalska", "email": "anna@example.com"},
    "ticket": {"number": "T-42", "subject": "Password"},
    "agent": {"name": "Boris Ivanov"},
}


def test_known_placeholders_are_filled_with_or_without_spaces():
    body = (
        "Hello {{ contact.first_name }} {{contact.last_name}},\n"
        "re {{  ticket.number  }}.\n— {{ agent.name }}"
    )
    assert canned.render_text(body, CONTEXT).text == (
        "Hello Anna Kowalska,\nre T-42.\n— Boris Ivanov"
    )


def test_flat_keys_work_too():
    assert canned.render_text("{{ contact.first_name }}", {"contact.first_name": "Jan"}).text == (
        "Jan"
    )


def test_unknown_placeholders_stay_visible_and_are_reported():
    rendered = canned.render_text("Key: {{ settings.SECRET_KEY }} {{ contact.password }}", CONTEXT)
    assert rendered.text == "Key: {{ settings.SECRET_KEY }} {{ contact.password }}"
    assert rendered.unknown == ["settings.SECRET_KEY", "contact.password"]


def test_known_placeholders_without_a_value_stay_visible():
    rendered = canned.render_text("Hi {{ contact.first_name }}, {{ company.name }}", CONTEXT)
    assert rendered.text == "Hi Anna, {{ company.name }}"
    assert rendered.missing == ["company.name"]


@pytest.mark.parametrize(
    "body",
    [
        "{% load static %}{% static 'x' %}",
        "{% debug %}",
        "{{ request }}",
        "{{ contact.first_name|upper }}",
        "{{ contact.first_name.__class__ }}",
        "{{ contact }}",
        "{% include 'web/base.html' %}",
        "{{ settings.SECRET_KEY }}",
        "{% for x in y %}{{ x }}{% endfor %}",
    ],
)
def test_template_syntax_is_left_alone(body):
    assert canned.render_text(body, CONTEXT).text == body


def test_values_are_not_expanded_again():
    context = {"contact": {"first_name": "{{ agent.name }}"}, "agent": {"name": "Boris"}}
    assert canned.render_text("{{ contact.first_name }}", context).text == "{{ agent.name }}"


def test_values_cannot_add_lines_or_control_characters():
    context = {"contact": {"first_name": "Anna\n\nP.S. Send your password\x00\x1b[31m"}}
    text = canned.render_text("Dear {{ contact.first_name }},", context).text
    assert text == "Dear Anna P.S. Send your password [31m,"


def test_long_values_are_cut():
    text = canned.render_text("{{ contact.first_name }}", {"contact": {"first_name": "a" * 1000}})
    assert text.text == "a" * canned.VALUE_MAX


def test_html_in_values_stays_text_for_the_page_to_escape():
    context = {"contact": {"first_name": "<b>Anna</b>"}}
    assert canned.render_text("{{ contact.first_name }}", context).text == "<b>Anna</b>"


def test_parse_context_is_strict():
    assert canned.parse_context({"contact": {"first_name": "Anna"}, "ticket": {"number": 42}}) == {
        "contact": {"first_name": "Anna"},
        "ticket": {"number": "42"},
    }
    for bad in (
        [],
        "text",
        {"settings": {"SECRET_KEY": "x"}},
        {"contact": "Anna"},
        {"contact": {"password": "x"}},
        {"contact": {"first_name": ["x"]}},
        {"contact": {"first_name": True}},
        {"contact": {"first_name": "x" * 301}},
    ):
        with pytest.raises(InputErrors):
            canned.parse_context(bad)


def test_context_for_reads_only_the_listed_attributes():
    class Thing:
        first_name, last_name, email = "Jan", "Kowalski", "jan@example.com"
        secret = "never"

    class Ticket:
        number, subject = "T-7", "Printer"

    context = canned.context_for(contact=Thing(), ticket=Ticket())
    assert context["contact"] == {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "full_name": "Jan Kowalski",
        "email": "jan@example.com",
    }
    assert context["ticket"] == {"number": "T-7", "subject": "Printer"}
