from django.db import migrations


def create_roles(apps, schema_editor):
    from kartoteka.accounts.roles import DEFAULT_ROLES

    Role = apps.get_model("accounts", "Role")
    for key, spec in DEFAULT_ROLES.items():
        Role.objects.get_or_create(
            key=key,
            defaults={"name": spec["name"], "is_admin": spec["is_admin"], "grants": spec["grants"]},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
