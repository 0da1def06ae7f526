"""The forms of the import wizard: the upload (step 1) and the mapping with its options
(step 2). They only shape and render the input; the import services decide what is
acceptable and their refusals (`InputErrors`) come back onto the fields with `add_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import engine
from .models import ImportJob

AUTO, YES, NO = "auto", "true", "false"
SAMPLES = 3


class UploadForm(forms.Form):
    entity = forms.ChoiceField(label=_("What to import"))
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx,.xlsm,.vcf"}),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("For an XLSX workbook with several sheets; empty: the first sheet."),
    )

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [
            ("", _("Choose…")),
            *[(spec.key, spec.label_plural) for spec in entities],
        ]

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class MappingForm(forms.Form):
    """One select per column of the file (`col<N>`, by position: headers are whatever the
    file says), then the options of `services.configure`."""

    key_field = forms.ChoiceField(label=_("Match existing records on"), required=False)
    on_duplicate = forms.ChoiceField(
        label=_("When a row matches an existing record"),
        choices=ImportJob.OnDuplicate.choices,
        widget=forms.RadioSelect,
    )
    create_missing = forms.BooleanField(
        label=_("Create related records that do not exist yet"),
        required=False,
        help_text=_("For example a company named in the file but not found here."),
    )
    add_choices = forms.BooleanField(
        label=_("Add unknown values to the choices of custom fields"),
        required=False,
    )
    day_first = forms.ChoiceField(
        label=_("Dates"),
        choices=[
            (AUTO, _("Detect from the file")),
            (YES, _("Day first (31.12.2024)")),
            (NO, _("Month first (12/31/2024)")),
        ],
    )
    decimal_comma = forms.ChoiceField(
        label=_("Decimal separator"),
        choices=[
            (AUTO, _("Detect from the file")),
            (YES, _("Comma (1 234,56)")),
            (NO, _("Point (1,234.56)")),
        ],
    )
    mapping_name = forms.CharField(label=_("Save this mapping as"), required=False, max_length=100)
    shared = forms.BooleanField(label=_("Shared with everyone"), required=False)

    def __init__(self, *args, job: ImportJob, spec, administrator: bool, **kwargs):
        self.job = job
        initial = {
            "key_field": job.key_field,
            "on_duplicate": job.on_duplicate,
            "create_missing": job.create_missing,
            "add_choices": job.add_choices,
            "day_first": _tristate(job.day_first),
            "decimal_comma": _tristate(job.decimal_comma),
        }
        for index, header in enumerate(job.headers):
            initial[f"col{index}"] = job.mapping.get(header, "")
        super().__init__(*args, initial=initial, **kwargs)
        self.mapping_errors: list[str] = []
        targets = [("", _("— do not import —")), *engine.mappable_fields(spec)]
        for index, header in enumerate(job.headers):
            self.fields[f"col{index}"] = forms.ChoiceField(
                label=header, choices=targets, required=False
            )
        self.fields["key_field"].choices = [
            ("", _("Do not match: every row is a new record")),
            *engine.key_choices(spec),
        ]
        if not administrator:
            del self.fields["add_choices"]

    def columns(self) -> list[dict[str, Any]]:
        """The rows of the mapping table: the column, its first values, its select."""
        lines = self.job.info.get("lines") or []
        rows = []
        for index, header in enumerate(self.job.headers):
            samples = [line[index] for line in lines[:SAMPLES] if index < len(line)]
            rows.append(
                {
                    "index": index,
                    "header": header,
                    "samples": [value for value in samples if value != ""],
                    "field": self[f"col{index}"],
                }
            )
        return rows

    def config(self) -> dict[str, Any]:
        """What `services.configure` takes, from the cleaned data."""
        data = self.cleaned_data
        mapping = {
            header: data.get(f"col{index}") or "" for index, header in enumerate(self.job.headers)
        }
        return {
            "mapping": mapping,
            "key_field": data.get("key_field") or "",
            "on_duplicate": data["on_duplicate"],
            "create_missing": bool(data.get("create_missing")),
            "add_choices": bool(data.get("add_choices")) if "add_choices" in self.fields else False,
            "day_first": _from_tristate(data["day_first"]),
            "decimal_comma": _from_tristate(data["decimal_comma"]),
        }

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            if name == "mapping":
                self.mapping_errors.extend(messages)
                continue
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


def _tristate(value: bool | None) -> str:
    return AUTO if value is None else (YES if value else NO)


def _from_tristate(value: str) -> bool | None:
    return None if value == AUTO else value == YES
