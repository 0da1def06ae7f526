"""The first pipeline, its stages, the loss and disqualification reasons and the base
currency, so a new instance can take leads and deals at once. Names are English msgids that
`sales.config.label` shows in the reader's language."""

from django.conf import settings
from django.db import migrations

STAGES = [
    ("New", "open", 10),
    ("Qualification", "open", 20),
    ("Proposal", "open", 50),
    ("Negotiation", "open", 75),
    ("Won", "won", 100),
    ("Lost", "lost", 0),
]
LOSS = ["Price too high", "Chose a competitor", "No budget", "No response", "Not a fit"]
DISQUALIFICATION = ["Spam", "Not our client", "Duplicate", "No need", "Could not reach"]
CURRENCY_NAMES = {
    "EUR": "Euro",
    "USD": "US dollar",
    "PLN": "Polish zloty",
    "RUB": "Russian rouble",
    "GBP": "British pound",
}


def create(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    Reason = apps.get_model("sales", "Reason")
    Currency = apps.get_model("sales", "Currency")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="Sales", order=0, is_default=True)
        for order, (name, kind, probability) in enumerate(STAGES):
            Stage.objects.create(
                pipeline=pipeline,
                name=name,
                kind=kind,
                probability=probability,
                order=order * 10,
                stale_days=14 if kind == "open" else None,
            )
    if not Reason.objects.exists():
        for kind, names in (("loss", LOSS), ("disqualification", DISQUALIFICATION)):
            for order, name in enumerate(names):
                Reason.objects.create(kind=kind, name=name, order=order * 10)
    if not Currency.objects.exists():
        code = getattr(settings, "DEFAULT_CURRENCY", "EUR")
        Currency.objects.create(code=code, name=CURRENCY_NAMES.get(code, code), is_base=True)


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
