"""The companion index on (owner, value) of every indexed custom field that already exists
(fields created from now on get it with their value index, `indexes.build_indexes`).

It calls the live `ensure_indexes`, which reads only the definitions' entity, key, type and
filterable flag and creates what is missing; on a fresh database it has nothing to do.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if not apps.get_model("customization", "FieldDefinition").objects.exists():
        return  # a fresh database: nothing to index (and the other apps may not be migrated)
    from kartoteka.customization.indexes import ensure_indexes
    from kartoteka.platform.registry import registry

    registry.refresh()  # the custom entity types and fields as the database holds them
    ensure_indexes()


class Migration(migrations.Migration):
    dependencies = [
        ("customization", "0002_relationtype_labels"),
        ("platform", "0002_search_index"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
