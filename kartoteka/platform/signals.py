"""Per-connection set-up: SQLite gets a case-insensitive Unicode LIKE for Cyrillic."""

from django.db.backends.signals import connection_created
from django.dispatch import receiver


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@receiver(connection_created)
def configure_sqlite(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        # SQLite's lower() folds ASCII only; Django's icontains uses LIKE which also is
        # ASCII-only. A Python lower() makes "ИВАН" find "Иван" as it should.
        connection.connection.create_function("lower", 1, _unicode_lower, deterministic=True)
