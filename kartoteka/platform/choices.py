"""`get_FOO_display()` at the cost of a dictionary lookup.

Django's `Model._get_FIELD_display` builds a dictionary of every choice on each call, and in
doing so hashes each (value, label) pair — and hashing a lazily translated label translates
it: 70–130 µs a call for our four- to twelve-choice fields. A queue page shows two of them on
each of fifty tickets, a card one on each of its thirty-one timeline entries. Models with
fixed choices take `ChoiceLabels` first among their bases: the value → label dictionary is
made once per field, and only the label shown is translated, in the language of the request.
"""

from __future__ import annotations

from django.utils.encoding import force_str

_LABELS: dict = {}


class ChoiceLabels:
    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name)
        labels = _LABELS.get(field)
        if labels is None:
            labels = _LABELS[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        try:
            label = labels.get(value, value)
        except TypeError:  # a value that cannot be a key: Django's way
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
