"""`ChoiceLabels` gives what Django's `get_FOO_display()` gives — for every choice of every
model that takes it, in each language, and for values that are not a choice — only faster."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from kartoteka.platform.choices import ChoiceLabels

FAST = [m for m in apps.get_models() if issubclass(m, ChoiceLabels)]


def test_the_hot_models_take_it():
    names = {m.__name__ for m in FAST}
    assert {"Activity", "Ticket", "Message", "Task", "Deal", "Contact"} <= names


@pytest.mark.parametrize("language", ["en", "ru", "pl"])
@pytest.mark.parametrize("model", FAST, ids=lambda m: m.__name__)
def test_every_label_is_djangos_label(model, language):
    fields = [f for f in model._meta.concrete_fields if f.choices]
    with translation.override(language):
        for field in fields:
            for value in [v for v, _label in field.flatchoices] + ["not-a-choice", None]:
                obj = model()
                setattr(obj, field.attname, value)
                assert obj._get_FIELD_display(field) == models.Model._get_FIELD_display(
                    obj, field
                ), (field.name, value)


def test_an_unhashable_value_takes_djangos_way():
    from kartoteka.timeline.models import Activity

    obj = Activity(kind=["note"])
    field = Activity._meta.get_field("kind")
    assert obj._get_FIELD_display(field) == models.Model._get_FIELD_display(obj, field)
