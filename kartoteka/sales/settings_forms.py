"""Forms of the sales settings pages. They render the inputs and hand the posted values to
`settings_services`, which owns every rule; its errors come back onto the form through
`show_errors`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.contacts.entities import SOURCES
from kartoteka.customization.forms import BootstrapForm

from . import config
from .models import Currency, Reason, Stage


class SettingsForm(BootstrapForm):
    """Every field optional at this level: the service reports what is missing, once."""

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        if instance is not None:
            kwargs.setdefault("initial", self.initial_from(instance))
        super().__init__(*args, **kwargs)

    def initial_from(self, instance) -> dict[str, Any]:
        return {name: getattr(instance, name, None) for name in self.base_fields}

    def to_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PipelineForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    is_default = forms.BooleanField(
        label=_("Default pipeline"),
        required=False,
        help_text=_("New deals land in the default pipeline's first open stage."),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("An inactive pipeline keeps its deals but is not offered for new ones."),
    )

    def initial_from(self, instance) -> dict[str, Any]:
        return {
            "name": config.label(instance.name),
            "is_default": instance.is_default,
            "active": instance.active,
        }

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        # An unchanged built-in name stays the msgid, so it keeps being translated.
        if self.instance is not None and data["name"] == config.label(self.instance.name):
            data["name"] = self.instance.name
        return data


class StageForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Stage.Kind.choices,
        required=False,
        help_text=_("Deals in a won or lost stage are closed."),
    )
    probability = forms.CharField(
        label=_("Probability, %"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "step": 1}),
        help_text=_("The chance that a deal in this stage is won: 0 to 100."),
    )
    stale_days = forms.CharField(
        label=_("Stale after, days"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "step": 1}),
        help_text=_(
            "A deal with no activity for this many days is marked as going stale. "
            "Leave empty for never."
        ),
    )

    def initial_from(self, instance) -> dict[str, Any]:
        return {
            "name": config.label(instance.name),
            "kind": instance.kind,
            "probability": instance.probability,
            "stale_days": instance.stale_days,
        }

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None and data["name"] == config.label(self.instance.name):
            data["name"] = self.instance.name
        return data


class ReasonForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive reason stays on the records that have it but is not offered."),
    )

    def initial_from(self, instance) -> dict[str, Any]:
        return {"name": config.label(instance.name), "active": instance.active}

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None and data["name"] == config.label(self.instance.name):
            data["name"] = self.instance.name
        return data


class NewReasonForm(SettingsForm):
    kind = forms.ChoiceField(choices=Reason.Kind.choices, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("New reason"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("New reason")}),
    )


class CurrencyForm(SettingsForm):
    code = forms.CharField(
        label=_("Code"),
        required=False,
        help_text=_("ISO 4217: three capital letters, such as EUR."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "maxlength": 3}),
    )
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    rate = forms.CharField(
        label=_("Rate"),
        required=False,
        help_text=_("What one unit is worth in the base currency, up to 6 decimal places."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def initial_from(self, instance: Currency) -> dict[str, Any]:
        return {
            "code": instance.code,
            "name": config.label(instance.name),
            "rate": f"{instance.rate.normalize():f}",
        }

    def add_fields(self) -> None:
        if self.instance is not None:
            del self.fields["code"]
            if self.instance.is_base:
                self.fields["rate"].disabled = True
                self.fields["rate"].help_text = _("The rate of the base currency is always 1.")

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.instance is not None:
            if data["name"] == config.label(self.instance.name):
                data["name"] = self.instance.name
            if self.instance.is_base:
                data.pop("rate", None)
        return data


class ChannelCostForm(SettingsForm):
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *SOURCES], required=False)
    period_start = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.CharField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.CharField(
        label=_("Amount"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def add_fields(self) -> None:
        snap = config.snapshot()
        codes = sorted(Currency.objects.values_list("code", flat=True))
        self.fields["currency"].choices = [(code, code) for code in codes]
        if self.instance is None and not self.is_bound:
            self.initial.setdefault("currency", snap.base)

    def initial_from(self, instance) -> dict[str, Any]:
        return {
            "source": instance.source,
            "period_start": instance.period_start.isoformat(),
            "period_end": instance.period_end.isoformat(),
            "amount": f"{instance.amount:f}",
            "currency": instance.currency,
            "note": instance.note,
        }
