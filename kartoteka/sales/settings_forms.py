"""Forms of the sales settings pages. They render the inputs and hand the posted values to
the settings actions (`settings_pipelines`, `settings_reasons`, `settings_money`), which own
every rule; their errors come back onto the form through `show_errors`.

A built-in name is stored as its English msgid and shown translated (`config.label`): the
shared `customization.forms.SettingsForm` shows the translation, and sends an unchanged name
back as the msgid so that it keeps being translated."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kartoteka.contacts.entities import SOURCES
from kartoteka.customization import forms as customization_forms

from . import config
from .models import Currency, Stage


class SettingsForm(customization_forms.SettingsForm):
    """The shared settings form, with built-in names translated by `config.label`."""

    name_label = staticmethod(config.label)


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


class ReasonForm(SettingsForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive reason stays on the records that have it but is not offered."),
    )


class NewReasonForm(SettingsForm):
    """The name only: the page says which list the reason goes to."""

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
        return {**super().initial_from(instance), "rate": f"{instance.rate.normalize():f}"}

    def add_fields(self) -> None:
        if self.instance is not None:
            del self.fields["code"]
            if self.instance.is_base:
                self.fields["rate"].disabled = True
                self.fields["rate"].help_text = _("The rate of the base currency is always 1.")

    def to_data(self) -> dict[str, Any]:
        data = super().to_data()
        if self.instance is not None and self.instance.is_base:
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
        # The same currencies, from the same cache, as the deal form offers.
        snapshot = config.snapshot()
        self.fields["currency"].choices = [(code, code) for code in sorted(snapshot.currencies)]
        if self.instance is None and not self.is_bound:
            self.initial.setdefault("currency", snapshot.base)

    def initial_from(self, instance) -> dict[str, Any]:
        return {
            "source": instance.source,
            "period_start": instance.period_start.isoformat(),
            "period_end": instance.period_end.isoformat(),
            "amount": f"{instance.amount:f}",
            "currency": instance.currency,
            "note": instance.note,
        }
