"""A new instance can take requests at once: office hours (Monday to Friday, 09:00–18:00 in
the instance's time zone), three categories, and SLA policies — urgent requests, key
accounts with the 14:00 cut-off rule, and a standard one for everything else. Support agents
may work on every ticket. Names are English msgids shown in the reader's language."""

from django.conf import settings
from django.db import migrations

WEEKDAYS = {str(day): [[9 * 60, 18 * 60]] for day in range(5)}
CATEGORIES = ["General", "Billing", "Technical"]


def create(apps, schema_editor):
    Calendar = apps.get_model("service", "BusinessCalendar")
    Policy = apps.get_model("service", "SlaPolicy")
    Category = apps.get_model("service", "Category")
    Role = apps.get_model("accounts", "Role")
    if not Calendar.objects.exists():
        calendar = Calendar.objects.create(
            name="Office hours", time_zone=settings.TIME_ZONE, hours=WEEKDAYS, is_default=True
        )
        Policy.objects.create(
            name="Urgent",
            order=10,
            priorities=["urgent"],
            calendar=calendar,
            first_response_minutes=60,
            next_response_minutes=120,
            resolution_minutes=8 * 60,
            update_every_minutes=2 * 60,
            warn_before_minutes=15,
            raise_priority=False,
        )
        Policy.objects.create(
            name="Key accounts",
            order=20,
            tiers=["key"],
            calendar=calendar,
            first_response_minutes=2 * 60,
            next_response_minutes=4 * 60,
            cutoff_at=14 * 60,
            cutoff_next_day_at=11 * 60,
            warn_before_minutes=30,
        )
        Policy.objects.create(
            name="Standard",
            order=100,
            calendar=calendar,
            first_response_minutes=4 * 60,
            next_response_minutes=8 * 60,
            resolution_minutes=3 * 9 * 60,
            warn_before_minutes=60,
            raise_priority=True,
        )
    if not Category.objects.exists():
        for order, name in enumerate(CATEGORIES):
            Category.objects.create(name=name, order=order * 10)
    for role in Role.objects.filter(key="support_agent"):
        grants = dict(role.grants)
        grants.setdefault(
            "ticket",
            {"view": "all", "create": "all", "change": "all", "delete": "none", "export": "own"},
        )
        role.grants = grants
        role.save(update_fields=["grants"])


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial"), ("accounts", "0002_default_roles")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
